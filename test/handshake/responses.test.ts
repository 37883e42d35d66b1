import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { acceptResponse, pageResponse, refusalResponse } from '../../src/handshake/responses.js';
import { computeAccept } from '../../src/handshake/accept-key.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

describe('acceptResponse', () => {
  it('writes the RFC 6455 §1.2 answer exactly', () => {
    expect(acceptResponse({ key: KEY }).toString('latin1')).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${ACCEPT}\r\n` +
        '\r\n',
    );
  });

  it('takes a precomputed accept value instead of the key', () => {
    expect(acceptResponse({ accept: ACCEPT })).toEqual(acceptResponse({ key: KEY }));
  });

  // A key alone takes a shortcut (fixed lines around the accept value); the same answer made
  // field by field, as with a precomputed accept or empty extras, must be the same bytes.
  it('gives the same bytes for a key alone as field by field, for many keys', () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(16).toString('base64');
      const plain = acceptResponse({ key });
      expect(plain.toString('latin1')).toContain(`\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
      expect(plain).toEqual(acceptResponse({ accept: computeAccept(key) }));
      expect(plain).toEqual(acceptResponse({ key, headers: {}, extensions: [] }));
    }
  });

  it('adds the protocol, the extensions and extra headers in that order', () => {
    const bytes = acceptResponse({
      key: KEY,
      protocol: 'chat',
      extensions: [{ name: 'permessage-deflate', params: [['server_no_context_takeover', true], ['client_max_window_bits', '10']] }],
      headers: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Served-By': 'wsframe' },
    });
    expect(bytes.toString('latin1')).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${ACCEPT}\r\n` +
        'Sec-WebSocket-Protocol: chat\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_max_window_bits=10\r\n' +
        'Set-Cookie: a=1\r\n' +
        'Set-Cookie: b=2\r\n' +
        'X-Served-By: wsframe\r\n' +
        '\r\n',
    );
  });

  it('omits the protocol and extension headers when there are none', () => {
    expect(acceptResponse({ key: KEY, protocol: undefined, extensions: [] })).toEqual(acceptResponse({ key: KEY }));
  });

  it.each([
    ['a value with CR LF', { 'X-A': 'ok\r\nSet-Cookie: evil=1' }],
    ['a value with a bare LF', { 'X-A': 'ok\nX-B: 1' }],
    ['a value with NUL', { 'X-A': 'a\0b' }],
    ['a name with CR LF', { 'X-A\r\nX-B': '1' }],
    ['a name with a space', { 'X A': '1' }],
    ['an empty name', { '': '1' }],
    ['a handshake header', { 'sec-websocket-accept': 'forged' }],
    ['Connection', { connection: 'close' }],
  ])('throws WS_ERR_INVALID_HEADER for %s', (_name, headers) => {
    expect(() => acceptResponse({ key: KEY, headers })).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }));
  });

  it('checks a precomputed accept value for CR/LF too', () => {
    expect(() => acceptResponse({ accept: `${ACCEPT}\r\nX-Injected: 1` })).toThrow(
      expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }),
    );
  });

  it('throws WS_ERR_INVALID_SUBPROTOCOL for a protocol that is not a token', () => {
    expect(() => acceptResponse({ key: KEY, protocol: 'chat\r\nX: 1' })).toThrow(
      expect.objectContaining({ code: 'WS_ERR_INVALID_SUBPROTOCOL' }),
    );
  });
});

describe('refusalResponse', () => {
  it('writes a complete plain-text response', () => {
    expect(refusalResponse(400, 'Bad key').toString('latin1')).toBe(
      'HTTP/1.1 400 Bad Request\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 8\r\n' +
        '\r\n' +
        'Bad key\n',
    );
  });

  it.each([
    [400, 'Bad Request'],
    [403, 'Forbidden'],
    [405, 'Method Not Allowed'],
    [426, 'Upgrade Required'],
    [429, 'Too Many Requests'],
    [431, 'Request Header Fields Too Large'],
    [500, 'Internal Server Error'],
    [503, 'Service Unavailable'],
  ])('uses the standard reason phrase for %i', (status, phrase) => {
    expect(refusalResponse(status, 'x').toString('latin1').split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${phrase}`);
  });

  it('leaves the phrase empty for a status without a standard one (RFC 7230 §3.1.2)', () => {
    expect(refusalResponse(499, 'x').toString('latin1').split('\r\n')[0]).toBe('HTTP/1.1 499 ');
  });

  it('counts Content-Length in UTF-8 bytes', () => {
    const bytes = refusalResponse(403, 'Origine refusée');
    expect(bytes.toString('latin1')).toContain('Content-Length: 17\r\n');
    expect(bytes.subarray(bytes.indexOf('\r\n\r\n') + 4).toString('utf8')).toBe('Origine refusée\n');
  });

  it('writes the extra headers after its own', () => {
    expect(refusalResponse(405, 'GET only', { Allow: 'GET' }).toString('latin1')).toBe(
      'HTTP/1.1 405 Method Not Allowed\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 9\r\n' +
        'Allow: GET\r\n' +
        '\r\n' +
        'GET only\n',
    );
  });

  it('lists Upgrade in Connection when a 426 names the protocol (RFC 7230 §6.7)', () => {
    const text = refusalResponse(426, 'v13', { 'Sec-WebSocket-Version': '13', Upgrade: 'websocket' }).toString('latin1');
    expect(text).toContain('\r\nConnection: Upgrade, close\r\n');
    expect(text).toContain('\r\nSec-WebSocket-Version: 13\r\nUpgrade: websocket\r\n\r\n');
  });

  it.each([200, 101, 302, 600, 400.5, Number.NaN])('throws WS_ERR_INVALID_STATUS for %d', (status) => {
    expect(() => refusalResponse(status, 'x')).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_STATUS' }));
  });

  it.each([
    ['a value with CR LF', { 'Retry-After': '1\r\nSet-Cookie: evil=1' }],
    ['Content-Length', { 'content-length': '0' }],
  ])('throws WS_ERR_INVALID_HEADER for %s', (_name, headers) => {
    expect(() => refusalResponse(503, 'busy', headers)).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }));
  });
});

describe('pageResponse', () => {
  const html = Buffer.from('<p>héllo</p>\n', 'utf8');

  it('writes status, Connection: close, Content-Length in bytes, the headers, then the body', () => {
    expect(pageResponse(200, { 'Content-Type': 'text/html; charset=utf-8' }, html).toString('utf8')).toBe(
      'HTTP/1.1 200 OK\r\n' +
        'Connection: close\r\n' +
        'Content-Length: 14\r\n' +
        'Content-Type: text/html; charset=utf-8\r\n' +
        '\r\n' +
        '<p>héllo</p>\n',
    );
  });

  it('to HEAD: the same head, Content-Length still the body\'s, and no body (RFC 9110 §9.3.2)', () => {
    const get = pageResponse(200, { 'Content-Type': 'text/html' }, html);
    const head = pageResponse(200, { 'Content-Type': 'text/html' }, html, { head: true });
    expect(head.toString('latin1')).toBe(get.subarray(0, get.indexOf('\r\n\r\n') + 4).toString('latin1'));
  });

  it('a 426 naming Upgrade lists it in Connection', () => {
    expect(pageResponse(426, { Upgrade: 'websocket' }, Buffer.alloc(0)).toString('latin1')).toContain('\r\nConnection: Upgrade, close\r\n');
  });

  it.each([['Connection'], ['content-length']])('throws WS_ERR_INVALID_HEADER for a %s of its own', (name) => {
    expect(() => pageResponse(200, { [name]: 'x' }, html)).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }));
  });
});
