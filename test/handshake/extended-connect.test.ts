import { describe, expect, it } from 'vitest';
import {
  connectAcceptResponse,
  connectRefusalResponse,
  connectRequestHeaders,
  isWebSocketConnect,
  parseWebSocketUrl,
  validateConnectRequest,
  validateConnectResponse,
} from '../../src/handshake/index.js';
import { AllowedOrigins } from '../../src/handshake/origin.js';

/** The RFC 8441 §5.1 example request as node:http2's rawHeaders, with fields replaced or added by name. */
function request(changes: Record<string, string | string[] | null> = {}): { rawHeaders: string[] } {
  const headers: Record<string, string | string[] | null> = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'https',
    ':path': '/chat',
    ':authority': 'server.example.com',
    'sec-websocket-protocol': 'chat, superchat',
    'sec-websocket-extensions': 'permessage-deflate',
    'sec-websocket-version': '13',
    origin: 'http://www.example.com',
    ...changes,
  };
  const rawHeaders = Object.entries(headers).flatMap(([name, value]) => (value === null ? [] : [value].flat().flatMap((one) => [name, one])));
  return { rawHeaders };
}

describe('validateConnectRequest (RFC 8441 §4–5)', () => {
  it('accepts the RFC 8441 §5.1 example and reports what it offers; no Sec-WebSocket-Key is needed', () => {
    const verdict = validateConnectRequest(request());
    expect(verdict).toEqual({
      ok: true,
      path: '/chat',
      authority: 'server.example.com',
      key: undefined,
      protocols: ['chat', 'superchat'],
      extensions: [{ name: 'permessage-deflate', params: [] }],
      origin: 'http://www.example.com',
    });
  });

  it.each([
    ['GET', request({ ':method': 'GET', ':protocol': null }), 405, 'WS_ERR_HANDSHAKE_BAD_METHOD'],
    [':protocol missing (a plain CONNECT)', request({ ':protocol': null }), 501, 'WS_ERR_HANDSHAKE_BAD_UPGRADE'],
    [':protocol webtransport', request({ ':protocol': 'webtransport' }), 501, 'WS_ERR_HANDSHAKE_BAD_UPGRADE'],
    ['no :path', request({ ':path': null }), 400, 'WS_ERR_HANDSHAKE_BAD_PSEUDO_HEADER'],
    ['empty :path', request({ ':path': '' }), 400, 'WS_ERR_HANDSHAKE_BAD_PSEUDO_HEADER'],
    ['no :scheme', request({ ':scheme': null }), 400, 'WS_ERR_HANDSHAKE_BAD_PSEUDO_HEADER'],
    ['two :path', request({ ':path': ['/a', '/b'] }), 400, 'WS_ERR_HANDSHAKE_BAD_PSEUDO_HEADER'],
    ['no :authority', request({ ':authority': null }), 400, 'WS_ERR_HANDSHAKE_BAD_HOST'],
    ['version 8', request({ 'sec-websocket-version': '8' }), 426, 'WS_ERR_HANDSHAKE_BAD_VERSION'],
    ['no version', request({ 'sec-websocket-version': null }), 426, 'WS_ERR_HANDSHAKE_BAD_VERSION'],
    ['a subprotocol twice', request({ 'sec-websocket-protocol': 'chat, chat' }), 400, 'WS_ERR_HANDSHAKE_BAD_PROTOCOL'],
    ['malformed extensions', request({ 'sec-websocket-extensions': 'permessage-deflate; =x' }), 400, 'WS_ERR_HANDSHAKE_BAD_EXTENSIONS'],
  ])('%s → %i %s', (_name, input, status, code) => {
    const verdict = validateConnectRequest(input);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect([verdict.status, verdict.code]).toEqual([status, code]);
    expect(verdict.reason).not.toBe('');
  });

  it('checks Origin against the allow-list as over HTTP/1.1 (403)', () => {
    expect(validateConnectRequest(request(), { origins: new AllowedOrigins(['http://www.example.com']) }).ok).toBe(true);
    const verdict = validateConnectRequest(request(), { origins: new AllowedOrigins(['https://other.example']) });
    expect(verdict.ok ? 0 : verdict.status).toBe(403);
    const missing = validateConnectRequest(request({ origin: null }), { origins: new AllowedOrigins(['http://www.example.com']) });
    expect(missing.ok ? 0 : missing.status).toBe(403);
  });

  it('isWebSocketConnect picks CONNECT with :protocol websocket only', () => {
    expect(isWebSocketConnect({ ':method': 'CONNECT', ':protocol': 'websocket' })).toBe(true);
    expect(isWebSocketConnect({ ':method': 'CONNECT' })).toBe(false);
    expect(isWebSocketConnect({ ':method': 'GET', ':protocol': 'websocket' })).toBe(false);
  });
});

describe('server responses over HTTP/2', () => {
  it('accepts with :status 200, the chosen subprotocol and extensions, and no Sec-WebSocket-Accept', () => {
    const response = connectAcceptResponse({
      protocol: 'chat',
      extensions: [{ name: 'permessage-deflate', params: [['server_no_context_takeover', true]] }],
      headers: { 'Set-Cookie': ['a=1', 'b=2'] },
    });
    expect(response.headers).toEqual({
      ':status': 200,
      'sec-websocket-protocol': 'chat',
      'sec-websocket-extensions': 'permessage-deflate; server_no_context_takeover',
      'set-cookie': ['a=1', 'b=2'],
    });
    expect(response.body.length).toBe(0);
  });

  it('refuses with the status, a text body, and no connection-specific fields (a 426 keeps Sec-WebSocket-Version, drops Upgrade)', () => {
    const verdict = validateConnectRequest(request({ 'sec-websocket-version': '8' }));
    if (verdict.ok) throw new Error('expected a refusal');
    const response = connectRefusalResponse(verdict.status, verdict.reason, verdict.headers);
    expect(response.headers).toEqual({
      ':status': 426,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(response.body.length),
      'sec-websocket-version': '13',
    });
    expect(response.body.toString()).toBe('Only WebSocket version 13 is supported\n');
  });

  it('answers a Sec-WebSocket-Key a client sent anyway with its Sec-WebSocket-Accept (RFC 6455 §1.3 sample), ignores an invalid one', () => {
    const verdict = validateConnectRequest(request({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }));
    if (!verdict.ok) throw new Error('expected acceptance');
    expect(verdict.key).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    expect(connectAcceptResponse({ key: verdict.key }).headers).toEqual({ ':status': 200, 'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' });
    const invalid = validateConnectRequest(request({ 'sec-websocket-key': 'short' }));
    expect(invalid.ok && invalid.key).toBeUndefined();
  });

  it('rejects a bad status, a header that repeats the handshake\'s, and a value with CR/LF', () => {
    expect(() => connectRefusalResponse(200, 'no')).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_STATUS' }));
    expect(() => connectAcceptResponse({ headers: { 'Sec-WebSocket-Protocol': 'x' }, protocol: 'y' })).toThrow(
      expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }),
    );
    expect(() => connectAcceptResponse({ headers: { 'X-A': 'a\r\nb: c' } })).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }));
    expect(() => connectAcceptResponse({ protocol: 'not a token' })).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_SUBPROTOCOL' }));
  });
});

describe('client side over HTTP/2', () => {
  it('builds the extended CONNECT of RFC 8441 §5 from a wss: URL', () => {
    const headers = connectRequestHeaders({
      url: parseWebSocketUrl('wss://server.example.com:8443/chat?room=1'),
      protocols: ['chat', 'superchat'],
      extensions: [{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] }],
      origin: 'http://www.example.com',
      headers: { Authorization: 'Bearer x' },
    });
    expect(headers).toEqual({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':path': '/chat?room=1',
      ':authority': 'server.example.com:8443',
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'chat, superchat',
      'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
      origin: 'http://www.example.com',
      Authorization: 'Bearer x',
    });
    expect(connectRequestHeaders({ url: parseWebSocketUrl('ws://h/') })[':scheme']).toBe('http');
  });

  it.each(['Connection', 'Upgrade', 'Host', 'Sec-WebSocket-Key', 'Keep-Alive', 'sec-websocket-version'])('refuses an extra %s header', (name) => {
    expect(() => connectRequestHeaders({ url: parseWebSocketUrl('ws://h/'), headers: { [name]: 'x' } })).toThrow(
      expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }),
    );
  });

  it('accepts any 2xx answer and checks subprotocol and extensions as over HTTP/1.1', () => {
    const offer = { protocols: ['chat'], extensions: [{ name: 'permessage-deflate', params: [] }] };
    expect(validateConnectResponse({ status: 200, headers: { 'sec-websocket-protocol': 'chat' } }, offer)).toEqual({
      ok: true,
      protocol: 'chat',
      extensions: [],
    });
    expect(validateConnectResponse({ status: 204, headers: {} }, offer).ok).toBe(true);
    const refused = validateConnectResponse({ status: 426, headers: { 'sec-websocket-version': '13' } }, offer);
    expect(refused).toMatchObject({ ok: false, code: 'WS_ERR_HANDSHAKE_BAD_STATUS', statusCode: 426 });
    expect(validateConnectResponse({ status: 200, headers: { 'sec-websocket-protocol': 'other' } }, offer)).toMatchObject({
      ok: false,
      code: 'WS_ERR_HANDSHAKE_BAD_PROTOCOL',
    });
    expect(validateConnectResponse({ status: 200, headers: { 'sec-websocket-extensions': 'x-unknown' } }, offer)).toMatchObject({
      ok: false,
      code: 'WS_ERR_HANDSHAKE_BAD_EXTENSIONS',
    });
  });
});
