// Origin matching by RFC 6454: a request's Origin is a serialised origin (§6.2) or `null`,
// compared with the allowed ones by scheme, host and port (§5); anything else matches nothing.
import { describe, expect, it } from 'vitest';
import { WebSocketError } from '../../src/protocol/errors.js';
import { AllowedOrigins, parseOrigin } from '../../src/handshake/origin.js';

describe('parseOrigin', () => {
  it.each([
    ['http://a.example', 'http://a.example'],
    ['HTTP://A.Example', 'http://a.example'],
    ['http://a.example:80', 'http://a.example'],
    ['https://a.example:443', 'https://a.example'],
    ['wss://a.example:443', 'wss://a.example'],
    ['http://a.example:8080', 'http://a.example:8080'],
    ['http://127.0.0.1:9001', 'http://127.0.0.1:9001'],
    ['http://[0:0:0:0:0:0:0:1]:8080', 'http://[::1]:8080'],
    ['http://bücher.example', 'http://xn--bcher-kva.example'],
    ['chrome-extension://ABCDEF', 'chrome-extension://abcdef'],
    ['null', 'null'],
  ])('%s is the origin %s', (value, comparable) => {
    expect(parseOrigin(value)).toBe(comparable);
  });

  it.each([
    ['a trailing slash', 'http://a.example/'],
    ['a path', 'http://a.example/app'],
    ['a query', 'http://a.example?x=1'],
    ['a fragment', 'http://a.example#top'],
    ['user info', 'http://user@a.example'],
    ['no scheme', 'a.example'],
    ['no host', 'http://'],
    ['an empty port', 'http://a.example:'],
    ['a port over 65535', 'http://a.example:65536'],
    ['a bad IPv6 literal', 'http://[::g]'],
    ['two origins (an RFC 6454 origin-list)', 'http://a.example http://b.example'],
    ['surrounding space', ' http://a.example'],
    ['the empty string', ''],
  ])('%s is not an origin', (_name, value) => {
    expect(parseOrigin(value)).toBeUndefined();
  });
});

describe('AllowedOrigins', () => {
  const allowed = new AllowedOrigins(['http://a.example', 'https://b.example:8443', 'http://[::1]:9001']);

  it.each([
    ['the same origin', 'http://a.example'],
    ['an upper-case scheme and host', 'HTTP://A.EXAMPLE'],
    ['the default port spelled out', 'http://a.example:80'],
    ['a listed non-default port', 'https://b.example:8443'],
    ['an IPv6 literal written out in full', 'http://[0:0::1]:9001'],
  ])('allows %s', (_name, origin) => {
    expect(allowed.allows(origin)).toBe(true);
  });

  it.each([
    ['a trailing slash', 'http://a.example/'],
    ['a path', 'http://a.example/page'],
    ['another port', 'http://a.example:8080'],
    ['another scheme', 'https://a.example'],
    ['the listed host without its port', 'https://b.example'],
    ['a look-alike host', 'http://a.example.evil.example'],
    ['null, when not listed', 'null'],
    ['a value that is no origin', 'a.example'],
  ])('refuses %s', (_name, origin) => {
    expect(allowed.allows(origin)).toBe(false);
  });

  it("'null' in the list allows exactly the opaque origin", () => {
    const withNull = new AllowedOrigins(['null']);
    expect(withNull.allows('null')).toBe(true);
    expect(withNull.allows('http://a.example')).toBe(false);
  });

  it.each([
    ['a trailing slash', 'http://a.example/'],
    ['a path', 'http://a.example/app'],
    ['no scheme', 'a.example'],
    ['a wildcard', '*'],
    ['the empty string', ''],
  ])('refuses to be made with %s, naming it (WS_ERR_INVALID_ORIGIN)', (_name, origin) => {
    const make = (): AllowedOrigins => new AllowedOrigins(['http://ok.example', origin]);
    expect(make).toThrow(WebSocketError);
    expect(make).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_ORIGIN', message: expect.stringContaining(JSON.stringify(origin)) }));
  });
});
