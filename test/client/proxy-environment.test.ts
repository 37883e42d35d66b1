/**
 * Which proxy connect() uses, with no network: the option, HTTP_PROXY / HTTPS_PROXY (lower-case
 * first, wss:// falling back to the ws:// choice as undici does) and NO_PROXY's host, domain,
 * port and `*` rules.
 */
import { describe, expect, it } from 'vitest';
import { bypassesProxy, chooseProxy } from '../../src/client/proxy-environment.js';
import { parseWebSocketUrl } from '../../src/handshake/index.js';

const ws = parseWebSocketUrl('ws://api.example.com/feed');
const wss = parseWebSocketUrl('wss://api.example.com/feed');

describe('chooseProxy', () => {
  it('the option wins over the environment; false means none', () => {
    const env = { HTTP_PROXY: 'http://env.example:3128' };
    expect(chooseProxy(ws, 'http://option.example:8080', env)?.href).toBe('http://option.example:8080/');
    expect(chooseProxy(ws, false, env)).toBeUndefined();
    expect(chooseProxy(ws, undefined, env)?.href).toBe('http://env.example:3128/');
  });

  it('ws:// reads http_proxy then HTTP_PROXY; wss:// reads https_proxy, HTTPS_PROXY, then the ws:// choice', () => {
    expect(chooseProxy(ws, undefined, { http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:2' })?.hostname).toBe('lower');
    expect(chooseProxy(ws, undefined, { HTTPS_PROXY: 'http://secure:1' })).toBeUndefined();
    expect(chooseProxy(wss, undefined, { HTTP_PROXY: 'http://plain:1', HTTPS_PROXY: 'http://secure:1' })?.hostname).toBe('secure');
    expect(chooseProxy(wss, undefined, { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1' })?.hostname).toBe('lower');
    expect(chooseProxy(wss, undefined, { HTTP_PROXY: 'http://plain:1' })?.hostname).toBe('plain');
    expect(chooseProxy(ws, undefined, {})).toBeUndefined();
    // An empty value is "no proxy", and being set it hides the other spelling.
    expect(chooseProxy(ws, undefined, { http_proxy: '', HTTP_PROXY: 'http://upper:2' })).toBeUndefined();
  });

  it('takes the proxy URL apart: default ports, IPv6, credentials as Basic and out of href', () => {
    expect(chooseProxy(ws, 'http://proxy.example', {})).toMatchObject({ port: 80, secure: false, authorization: undefined });
    expect(chooseProxy(ws, 'https://proxy.example', {})).toMatchObject({ port: 443, secure: true });
    expect(chooseProxy(ws, 'http://[::1]:3128', {})).toMatchObject({ hostname: '::1', port: 3128 });
    const withCredentials = chooseProxy(ws, 'http://al%40ice:p%3Ass@proxy.example:3128', {})!;
    expect(withCredentials.authorization).toBe(`Basic ${Buffer.from('al@ice:p:ss').toString('base64')}`);
    expect(withCredentials.href).toBe('http://proxy.example:3128/');
  });

  it('a proxy URL that is not http: or https: is WS_ERR_INVALID_URL, without its password', () => {
    expect(() => chooseProxy(ws, 'socks5://u:secret@127.0.0.1:1080', {})).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_URL' }));
    expect(() => chooseProxy(ws, undefined, { HTTP_PROXY: 'not a url' })).toThrow(/HTTP_PROXY/);
    expect(() => chooseProxy(ws, 'socks5://u:secret@127.0.0.1:1080', {})).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });

  it('NO_PROXY (then no_proxy first) sends a matching host direct', () => {
    expect(chooseProxy(ws, undefined, { HTTP_PROXY: 'http://p:1', NO_PROXY: 'example.com' })).toBeUndefined();
    expect(chooseProxy(ws, undefined, { HTTP_PROXY: 'http://p:1', no_proxy: 'other.test', NO_PROXY: 'example.com' })?.hostname).toBe('p');
    // The option is not subject to NO_PROXY: naming a proxy is explicit.
    expect(chooseProxy(ws, 'http://p:1', { NO_PROXY: '*' })?.hostname).toBe('p');
  });
});

describe('bypassesProxy (NO_PROXY)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['ws://api.example.com/', 'api.example.com', true],
    ['ws://api.example.com/', 'example.com', true], // a subdomain
    ['ws://api.example.com/', '.example.com', true],
    ['ws://api.example.com/', '*.example.com', true],
    ['ws://api.example.com/', 'EXAMPLE.COM.', true], // case and a trailing dot do not matter
    ['ws://API.example.com./', 'example.com', true],
    ['ws://badexample.com/', 'example.com', false], // a suffix that is not a label boundary
    ['ws://example.com/', 'api.example.com', false],
    ['ws://api.example.com/', 'example.com:80', true], // ws:// default port
    ['wss://api.example.com/', 'example.com:80', false],
    ['ws://api.example.com:8080/', 'example.com:8080', true],
    ['ws://api.example.com/', 'other.test, example.com', true],
    ['ws://api.example.com/', 'other.test example.com', true], // white space separates too
    ['ws://api.example.com/', 'other.test,,', false],
    ['ws://api.example.com/', '*', true],
    ['ws://api.example.com/', 'other.test,*', true],
    ['ws://api.example.com/', '', false],
    ['ws://127.0.0.1:9001/', '127.0.0.1', true],
    ['ws://127.0.0.1:9001/', '127.0.0.1:9001', true],
    ['ws://127.0.0.1:9001/', '127.0.0.1:9002', false],
    ['ws://[::1]:9001/', '::1', true],
    ['ws://[::1]:9001/', '[::1]', true],
    ['ws://[::1]:9001/', '[::1]:9001', true],
    ['ws://[::1]:9001/', '[::1]:9002', false],
  ];
  it.each(cases)('%s with NO_PROXY=%j → direct: %s', (url, noProxy, direct) => {
    expect(bypassesProxy(parseWebSocketUrl(url), noProxy)).toBe(direct);
  });
});
