import { describe, expect, it } from 'vitest';
import { AllowedOrigins } from '../../src/handshake/origin.js';
import { validateUpgradeRequest, type UpgradeRequest } from '../../src/handshake/server-handshake.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** The RFC 6455 §1.2 request as node:http reports it, with lines replaced or added by name. */
function request(
  changes: Record<string, string | string[] | null> = {},
  line: { method?: string; httpVersion?: string } = {},
): UpgradeRequest {
  const headers: Record<string, string | string[] | null> = {
    Host: 'server.example.com',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': KEY,
    'Sec-WebSocket-Version': '13',
    ...changes,
  };
  const rawHeaders = Object.entries(headers).flatMap(([name, value]) =>
    value === null ? [] : [value].flat().flatMap((one) => [name, one]),
  );
  return { method: line.method ?? 'GET', httpVersion: line.httpVersion ?? '1.1', rawHeaders };
}

describe('validateUpgradeRequest refusals', () => {
  it.each([
    ['method POST', request({}, { method: 'POST' }), 405, 'WS_ERR_HANDSHAKE_BAD_METHOD'],
    ['method get (methods are case-sensitive)', request({}, { method: 'get' }), 405, 'WS_ERR_HANDSHAKE_BAD_METHOD'],
    ['HTTP/1.0', request({}, { httpVersion: '1.0' }), 400, 'WS_ERR_HANDSHAKE_BAD_HTTP_VERSION'],
    ['HTTP/0.9', request({}, { httpVersion: '0.9' }), 400, 'WS_ERR_HANDSHAKE_BAD_HTTP_VERSION'],
    ['no Host', request({ Host: null }), 400, 'WS_ERR_HANDSHAKE_BAD_HOST'],
    ['two Host lines', request({ Host: ['a.example', 'b.example'] }), 400, 'WS_ERR_HANDSHAKE_BAD_HOST'],
    ['no Upgrade', request({ Upgrade: null }), 400, 'WS_ERR_HANDSHAKE_BAD_UPGRADE'],
    ['Upgrade: h2c', request({ Upgrade: 'h2c' }), 400, 'WS_ERR_HANDSHAKE_BAD_UPGRADE'],
    ['Upgrade: websockets', request({ Upgrade: 'websockets' }), 400, 'WS_ERR_HANDSHAKE_BAD_UPGRADE'],
    ['no Connection', request({ Connection: null }), 400, 'WS_ERR_HANDSHAKE_BAD_CONNECTION'],
    ['Connection: keep-alive', request({ Connection: 'keep-alive' }), 400, 'WS_ERR_HANDSHAKE_BAD_CONNECTION'],
    ['no key', request({ 'Sec-WebSocket-Key': null }), 400, 'WS_ERR_HANDSHAKE_BAD_KEY'],
    ['a key of 15 bytes', request({ 'Sec-WebSocket-Key': Buffer.alloc(15, 7).toString('base64') }), 400, 'WS_ERR_HANDSHAKE_BAD_KEY'],
    ['a key of 17 bytes', request({ 'Sec-WebSocket-Key': Buffer.alloc(17, 7).toString('base64') }), 400, 'WS_ERR_HANDSHAKE_BAD_KEY'],
    ['a key that is not base64', request({ 'Sec-WebSocket-Key': 'not base64 at all!!!!!==' }), 400, 'WS_ERR_HANDSHAKE_BAD_KEY'],
    ['two keys joined by ", "', request({ 'Sec-WebSocket-Key': `${KEY}, ${KEY}` }), 400, 'WS_ERR_HANDSHAKE_BAD_KEY'],
    ['two key lines', request({ 'Sec-WebSocket-Key': [KEY, KEY] }), 400, 'WS_ERR_HANDSHAKE_BAD_KEY'],
    ['version 8', request({ 'Sec-WebSocket-Version': '8' }), 426, 'WS_ERR_HANDSHAKE_BAD_VERSION'],
    ['version 12', request({ 'Sec-WebSocket-Version': '12' }), 426, 'WS_ERR_HANDSHAKE_BAD_VERSION'],
    ['version 14', request({ 'Sec-WebSocket-Version': '14' }), 426, 'WS_ERR_HANDSHAKE_BAD_VERSION'],
    ['version 013', request({ 'Sec-WebSocket-Version': '013' }), 426, 'WS_ERR_HANDSHAKE_BAD_VERSION'],
    ['no version', request({ 'Sec-WebSocket-Version': null }), 426, 'WS_ERR_HANDSHAKE_BAD_VERSION'],
    ['two version lines', request({ 'Sec-WebSocket-Version': ['13', '13'] }), 400, 'WS_ERR_HANDSHAKE_BAD_VERSION'],
    ['a protocol that is not a token', request({ 'Sec-WebSocket-Protocol': 'chat, a b' }), 400, 'WS_ERR_HANDSHAKE_BAD_PROTOCOL'],
    ['a protocol offered twice', request({ 'Sec-WebSocket-Protocol': ['chat', 'chat'] }), 400, 'WS_ERR_HANDSHAKE_BAD_PROTOCOL'],
    ['an empty protocol list', request({ 'Sec-WebSocket-Protocol': '' }), 400, 'WS_ERR_HANDSHAKE_BAD_PROTOCOL'],
    ['a malformed extension', request({ 'Sec-WebSocket-Extensions': 'foo; a="1 2"' }), 400, 'WS_ERR_HANDSHAKE_BAD_EXTENSIONS'],
  ])('%s → %i', (_name, input, status, code) => {
    const result = validateUpgradeRequest(input);
    expect(result).toMatchObject({ ok: false, status, code });
    if (!result.ok) expect(result.reason).not.toBe('');
  });

  it('405 carries Allow: GET', () => {
    expect(validateUpgradeRequest(request({}, { method: 'POST' }))).toMatchObject({ headers: { Allow: 'GET' } });
  });

  it('426 names version 13 and the protocol to upgrade to', () => {
    expect(validateUpgradeRequest(request({ 'Sec-WebSocket-Version': '8' }))).toMatchObject({
      headers: { 'Sec-WebSocket-Version': '13', Upgrade: 'websocket' },
    });
  });

  it('reports the first problem in RFC 6455 §4.2.1 order', () => {
    const everythingWrong = request(
      { Host: null, Upgrade: null, 'Sec-WebSocket-Key': null, 'Sec-WebSocket-Version': null },
      { httpVersion: '1.0' },
    );
    expect(validateUpgradeRequest(everythingWrong)).toMatchObject({ code: 'WS_ERR_HANDSHAKE_BAD_HTTP_VERSION' });
    expect(validateUpgradeRequest({ ...everythingWrong, httpVersion: '1.1' })).toMatchObject({ code: 'WS_ERR_HANDSHAKE_BAD_HOST' });
  });
});

describe('validateUpgradeRequest accepts', () => {
  it('the RFC 6455 §1.2 request, with its offers', () => {
    const result = validateUpgradeRequest(
      request({
        Origin: 'http://example.com',
        'Sec-WebSocket-Protocol': 'chat, superchat',
        'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
      }),
    );
    expect(result).toEqual({
      ok: true,
      key: KEY,
      protocols: ['chat', 'superchat'],
      extensions: [{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] }],
      origin: 'http://example.com',
    });
  });

  it('a request with no offers and no Origin', () => {
    expect(validateUpgradeRequest(request())).toEqual({ ok: true, key: KEY, protocols: [], extensions: [], origin: undefined });
  });

  it.each([
    ['lower-case header names', request({ Host: null, host: 'h', Upgrade: null, upgrade: 'websocket' })],
    ['upper-case header names', request({ Connection: null, CONNECTION: 'Upgrade', 'Sec-WebSocket-Key': null, 'SEC-WEBSOCKET-KEY': KEY })],
    ['Connection: keep-alive, Upgrade', request({ Connection: 'keep-alive, Upgrade' })],
    ['Connection: upgrade', request({ Connection: 'upgrade' })],
    ['Connection split over two lines', request({ Connection: ['keep-alive', 'Upgrade'] })],
    ['Upgrade: WebSocket', request({ Upgrade: 'WebSocket' })],
    ['Upgrade: h2c, websocket', request({ Upgrade: 'h2c, websocket' })],
    ['extra whitespace in lists', request({ Connection: ' keep-alive ,\tUpgrade ', Upgrade: '  websocket\t' })],
    ['whitespace around the key', request({ 'Sec-WebSocket-Key': ` ${KEY}\t` })],
    ['HTTP/2.0 in the request line', request({}, { httpVersion: '2.0' })],
  ])('%s', (_name, input) => {
    expect(validateUpgradeRequest(input)).toMatchObject({ ok: true, key: KEY });
  });

  it('protocols and extensions split over several lines add up (RFC 6455 §11.3.2, §11.3.4)', () => {
    const result = validateUpgradeRequest(
      request({ 'Sec-WebSocket-Protocol': ['chat', 'superchat, ,v2'], 'Sec-WebSocket-Extensions': ['foo', 'bar; x=1'] }),
    );
    expect(result).toMatchObject({
      ok: true,
      protocols: ['chat', 'superchat', 'v2'],
      extensions: [
        { name: 'foo', params: [] },
        { name: 'bar', params: [['x', '1']] },
      ],
    });
  });
});

describe('validateUpgradeRequest origins', () => {
  const origins = new AllowedOrigins(['https://app.example', 'http://localhost:8080']);

  it.each([
    ['an exact match', 'https://app.example'],
    ['upper-case scheme and host', 'HTTPS://APP.Example'],
    ['the default port spelled out', 'https://app.example:443'],
    ['a non-default port that is listed', 'http://localhost:8080'],
  ])('accepts %s', (_name, origin) => {
    expect(validateUpgradeRequest(request({ Origin: origin }), { origins })).toMatchObject({ ok: true, origin });
  });

  it.each([
    ['another host', 'https://evil.example'],
    ['another scheme', 'http://app.example'],
    ['another port', 'https://app.example:8443'],
    ['a listed host on its default port', 'http://localhost'],
    ['an opaque origin', 'null'],
    ['a suffix trick', 'https://app.example.evil.example'],
  ])('refuses %s with 403', (_name, origin) => {
    expect(validateUpgradeRequest(request({ Origin: origin }), { origins })).toMatchObject({
      ok: false,
      status: 403,
      code: 'WS_ERR_HANDSHAKE_BAD_ORIGIN',
    });
  });

  it('refuses a request without Origin when there is an allow-list', () => {
    expect(validateUpgradeRequest(request(), { origins })).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses two Origin lines with 400', () => {
    expect(validateUpgradeRequest(request({ Origin: ['https://app.example', 'https://evil.example'] }), { origins })).toMatchObject({
      ok: false,
      status: 400,
      code: 'WS_ERR_HANDSHAKE_BAD_ORIGIN',
    });
  });

  it('accepts any Origin without an allow-list', () => {
    expect(validateUpgradeRequest(request({ Origin: 'https://evil.example' }))).toMatchObject({ ok: true });
  });
});
