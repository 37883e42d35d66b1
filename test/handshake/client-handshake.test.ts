import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { computeAccept } from '../../src/handshake/accept-key.js';
import {
  parseWebSocketUrl,
  upgradeRequestHeaders,
  validateUpgradeResponse,
  type UpgradeOffer,
} from '../../src/handshake/client-handshake.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

describe('parseWebSocketUrl', () => {
  it.each([
    ['ws://example.com/chat', { secure: false, hostname: 'example.com', port: 80, hostHeader: 'example.com', resourceName: '/chat' }],
    ['wss://example.com', { secure: true, hostname: 'example.com', port: 443, hostHeader: 'example.com', resourceName: '/' }],
    ['ws://example.com:80/a?b=1&c', { port: 80, hostHeader: 'example.com', resourceName: '/a?b=1&c' }],
    ['wss://example.com:443/', { port: 443, hostHeader: 'example.com' }],
    ['ws://example.com:8080?x', { port: 8080, hostHeader: 'example.com:8080', resourceName: '/?x' }],
    ['wss://example.com:80', { secure: true, port: 80, hostHeader: 'example.com:80' }],
    ['WS://EXAMPLE.com/Path', { hostname: 'example.com', hostHeader: 'example.com', resourceName: '/Path' }],
    ['ws://[::1]:9001/', { hostname: '::1', port: 9001, hostHeader: '[::1]:9001' }],
    ['http://example.com/x', { href: 'ws://example.com/x', secure: false, port: 80, hostHeader: 'example.com' }],
    ['https://example.com:443/x', { href: 'wss://example.com/x', secure: true, port: 443, hostHeader: 'example.com' }],
    ['http://example.com:443/', { href: 'ws://example.com:443/', secure: false, port: 443, hostHeader: 'example.com:443' }],
  ])('%s', (input, expected) => {
    expect(parseWebSocketUrl(input)).toMatchObject(expected);
  });

  it('takes a URL object', () => {
    expect(parseWebSocketUrl(new URL('wss://example.com/a'))).toMatchObject({ secure: true, resourceName: '/a' });
  });

  it.each([
    ['not a URL', 'example.com/chat'],
    ['another scheme', 'ftp://example.com/'],
    ['a file URL', 'file:///tmp/socket'],
    ['a fragment', 'ws://example.com/chat#room'],
    ['an empty fragment', 'ws://example.com/chat#'],
  ])('throws WS_ERR_INVALID_URL for %s', (_name, input) => {
    expect(() => parseWebSocketUrl(input)).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_URL' }));
  });
});

describe('upgradeRequestHeaders', () => {
  it('writes the handshake headers, Host without the default port', () => {
    expect(upgradeRequestHeaders({ url: parseWebSocketUrl('ws://example.com:80/chat'), key: KEY })).toEqual({
      Host: 'example.com',
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': KEY,
      'Sec-WebSocket-Version': '13',
    });
  });

  it('adds protocols, extensions, Origin and extra headers', () => {
    expect(
      upgradeRequestHeaders({
        url: parseWebSocketUrl('wss://example.com:8443/'),
        key: KEY,
        protocols: ['chat', 'superchat'],
        extensions: [{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] }],
        origin: 'https://app.example',
        headers: { Authorization: 'Bearer t', Cookie: ['a=1', 'b=2'] },
      }),
    ).toEqual({
      Host: 'example.com:8443',
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': KEY,
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Protocol': 'chat, superchat',
      'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
      Origin: 'https://app.example',
      Authorization: 'Bearer t',
      Cookie: ['a=1', 'b=2'],
    });
  });

  it('leaves out empty protocol and extension lists', () => {
    const headers = upgradeRequestHeaders({ url: parseWebSocketUrl('ws://h/'), key: KEY, protocols: [], extensions: [] });
    expect(Object.keys(headers)).not.toContain('Sec-WebSocket-Protocol');
    expect(Object.keys(headers)).not.toContain('Sec-WebSocket-Extensions');
  });

  it.each([
    ['a duplicate', ['chat', 'chat']],
    ['a name with a space', ['my chat']],
    ['a name with a comma', ['a,b']],
    ['an empty name', ['']],
  ])('throws WS_ERR_INVALID_SUBPROTOCOL for %s', (_name, protocols) => {
    expect(() => upgradeRequestHeaders({ url: parseWebSocketUrl('ws://h/'), key: KEY, protocols })).toThrow(
      expect.objectContaining({ code: 'WS_ERR_INVALID_SUBPROTOCOL' }),
    );
  });

  it.each([
    ['an extra header overriding the key', { origin: undefined, headers: { 'sec-websocket-key': 'x' } }],
    ['an extra header with CR LF', { origin: undefined, headers: { 'X-A': '1\r\nX-B: 2' } }],
    ['an Origin with CR LF', { origin: 'https://a\r\nX-B: 2', headers: undefined }],
    ['Origin both as option and as extra header', { origin: 'https://a', headers: { Origin: 'https://b' } }],
  ])('throws WS_ERR_INVALID_HEADER for %s', (_name, options) => {
    expect(() => upgradeRequestHeaders({ url: parseWebSocketUrl('ws://h/'), key: KEY, ...options })).toThrow(
      expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }),
    );
  });
});

describe('validateUpgradeResponse', () => {
  const offer: UpgradeOffer = {
    key: KEY,
    protocols: ['chat', 'superchat'],
    extensions: [{ name: 'permessage-deflate', params: [] }],
  };

  function response(changes: IncomingHttpHeaders = {}, statusCode = 101) {
    const headers: IncomingHttpHeaders = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': ACCEPT, ...changes };
    return { statusCode, headers: Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) };
  }

  it('accepts the RFC 6455 §1.2 answer', () => {
    expect(validateUpgradeResponse(response(), offer)).toEqual({ ok: true, protocol: undefined, extensions: [] });
  });

  it('returns the chosen protocol and the accepted extensions with their parameters', () => {
    const result = validateUpgradeResponse(
      response({ 'sec-websocket-protocol': 'superchat', 'sec-websocket-extensions': 'permessage-deflate; server_max_window_bits=10' }),
      offer,
    );
    expect(result).toEqual({
      ok: true,
      protocol: 'superchat',
      extensions: [{ name: 'permessage-deflate', params: [['server_max_window_bits', '10']] }],
    });
  });

  it.each([
    ['Upgrade: WebSocket', { upgrade: 'WebSocket' }],
    ['Connection: keep-alive, upgrade', { connection: 'keep-alive, upgrade' }],
  ])('accepts %s', (_name, changes) => {
    expect(validateUpgradeResponse(response(changes), offer)).toMatchObject({ ok: true });
  });

  it('reports another status with the status and headers', () => {
    const refused = response({ 'www-authenticate': 'Bearer' }, 401);
    expect(validateUpgradeResponse(refused, offer)).toEqual({
      ok: false,
      code: 'WS_ERR_HANDSHAKE_BAD_STATUS',
      message: 'Unexpected server response: 401',
      statusCode: 401,
      headers: refused.headers,
    });
  });

  it.each([
    ['200 OK', response({}, 200), 'WS_ERR_HANDSHAKE_BAD_STATUS'],
    ['no Upgrade', response({ upgrade: undefined }), 'WS_ERR_HANDSHAKE_BAD_UPGRADE'],
    ['Upgrade: h2c', response({ upgrade: 'h2c' }), 'WS_ERR_HANDSHAKE_BAD_UPGRADE'],
    ['Upgrade naming another protocol too', response({ upgrade: 'websocket, h2c' }), 'WS_ERR_HANDSHAKE_BAD_UPGRADE'],
    ['no Connection', response({ connection: undefined }), 'WS_ERR_HANDSHAKE_BAD_CONNECTION'],
    ['Connection: keep-alive', response({ connection: 'keep-alive' }), 'WS_ERR_HANDSHAKE_BAD_CONNECTION'],
    ['no accept', response({ 'sec-websocket-accept': undefined }), 'WS_ERR_HANDSHAKE_BAD_ACCEPT'],
    ['another accept value', response({ 'sec-websocket-accept': computeAccept('AQIDBAUGBwgJCgsMDQ4PEA==') }), 'WS_ERR_HANDSHAKE_BAD_ACCEPT'],
    ['the key echoed as accept', response({ 'sec-websocket-accept': KEY }), 'WS_ERR_HANDSHAKE_BAD_ACCEPT'],
    ['two accepts joined', response({ 'sec-websocket-accept': `${ACCEPT}, ${ACCEPT}` }), 'WS_ERR_HANDSHAKE_BAD_ACCEPT'],
    ['an extension not offered', response({ 'sec-websocket-extensions': 'x-webkit-deflate-frame' }), 'WS_ERR_HANDSHAKE_BAD_EXTENSIONS'],
    ['an extension accepted twice', response({ 'sec-websocket-extensions': 'permessage-deflate, permessage-deflate' }), 'WS_ERR_HANDSHAKE_BAD_EXTENSIONS'],
    ['a malformed extension header', response({ 'sec-websocket-extensions': 'permessage-deflate;' }), 'WS_ERR_HANDSHAKE_BAD_EXTENSIONS'],
    ['a protocol not offered', response({ 'sec-websocket-protocol': 'mqtt' }), 'WS_ERR_HANDSHAKE_BAD_PROTOCOL'],
    ['a protocol in another case', response({ 'sec-websocket-protocol': 'Chat' }), 'WS_ERR_HANDSHAKE_BAD_PROTOCOL'],
    ['two protocols joined', response({ 'sec-websocket-protocol': 'chat, superchat' }), 'WS_ERR_HANDSHAKE_BAD_PROTOCOL'],
    ['an empty protocol', response({ 'sec-websocket-protocol': '' }), 'WS_ERR_HANDSHAKE_BAD_PROTOCOL'],
  ])('fails %s', (_name, input, code) => {
    const result = validateUpgradeResponse(input, offer);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.message).not.toBe('');
  });

  it('fails a protocol or an extension when none was offered', () => {
    const bare: UpgradeOffer = { key: KEY };
    expect(validateUpgradeResponse(response({ 'sec-websocket-protocol': 'chat' }), bare)).toMatchObject({
      code: 'WS_ERR_HANDSHAKE_BAD_PROTOCOL',
    });
    expect(validateUpgradeResponse(response({ 'sec-websocket-extensions': 'permessage-deflate' }), bare)).toMatchObject({
      code: 'WS_ERR_HANDSHAKE_BAD_EXTENSIONS',
    });
  });
});
