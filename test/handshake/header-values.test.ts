import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatExtensionList,
  listContainsToken,
  parseExtensionList,
  parseTokenList,
  splitList,
  type Extension,
} from '../../src/handshake/header-values.js';

describe('splitList', () => {
  it('trims whitespace and drops empty elements (RFC 7230 §7)', () => {
    expect(splitList(' a ,\tb,, ,c\t')).toEqual(['a', 'b', 'c']);
  });
});

describe('listContainsToken', () => {
  it.each([
    ['Upgrade', 'upgrade', true],
    ['keep-alive, Upgrade', 'upgrade', true],
    ['keep-alive,upgrade ', 'upgrade', true],
    ['UPGRADE', 'upgrade', true],
    ['h2c/2, WebSocket', 'websocket', true],
    ['keep-alive', 'upgrade', false],
    ['upgrades', 'upgrade', false],
    ['', 'upgrade', false],
  ])('%j contains %s: %s', (header, token, expected) => {
    expect(listContainsToken(header, token)).toBe(expected);
  });
});

describe('parseTokenList', () => {
  it('returns the tokens in order', () => {
    expect(parseTokenList('chat, superchat,v2.json')).toEqual({ ok: true, value: ['chat', 'superchat', 'v2.json'] });
  });

  it.each([
    ['an empty list', ' , '],
    ['a non-token', 'chat, a b'],
    ['a separator character', 'chat, a/b'],
    ['a quoted string', '"chat"'],
  ])('reports %s', (_name, header) => {
    expect(parseTokenList(header).ok).toBe(false);
  });
});

describe('parseExtensionList', () => {
  it('parses several offers with parameters, in order', () => {
    const result = parseExtensionList(
      'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate, x-webkit-deflate-frame',
    );
    expect(result).toEqual({
      ok: true,
      value: [
        {
          name: 'permessage-deflate',
          params: [
            ['client_max_window_bits', true],
            ['server_max_window_bits', '10'],
          ],
        },
        { name: 'permessage-deflate', params: [] },
        { name: 'x-webkit-deflate-frame', params: [] },
      ],
    });
  });

  it('accepts whitespace around separators and empty list elements', () => {
    expect(parseExtensionList(' , foo ;\tbar = 1 ; baz ,, qux ')).toEqual({
      ok: true,
      value: [
        {
          name: 'foo',
          params: [
            ['bar', '1'],
            ['baz', true],
          ],
        },
        { name: 'qux', params: [] },
      ],
    });
  });

  it('unescapes quoted values', () => {
    expect(parseExtensionList('foo; a="10"; b="x\\yz"')).toEqual({
      ok: true,
      value: [
        {
          name: 'foo',
          params: [
            ['a', '10'],
            ['b', 'xyz'],
          ],
        },
      ],
    });
  });

  it('keeps repeated parameters so a negotiator can refuse them (RFC 7692 §7)', () => {
    expect(parseExtensionList('foo; a=1; a=2')).toEqual({
      ok: true,
      value: [
        {
          name: 'foo',
          params: [
            ['a', '1'],
            ['a', '2'],
          ],
        },
      ],
    });
  });

  it.each([
    ['an empty header', ''],
    ['only commas', ' , ,'],
    ['a parameter without an extension', '; a=1'],
    ['an empty parameter', 'foo;'],
    ['a parameter without a value after "="', 'foo; a='],
    ['two values', 'foo; a=1 2'],
    ['a quoted value that is not a token', 'foo; a="1 2"'],
    ['an empty quoted value', 'foo; a=""'],
    ['a quoted value hiding a comma', 'foo; a="1,2"'],
    ['an unterminated quoted value', 'foo; a="12'],
    ['a backslash at the end', 'foo; a="12\\'],
    ['a separator in a name', 'foo/bar'],
    ['a missing comma', 'foo bar'],
    ['a control character', 'foo;\r\n a=1'],
  ])('reports %s without throwing', (_name, header) => {
    const result = parseExtensionList(header);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/at offset \d+|empty/);
  });
});

describe('formatExtensionList', () => {
  it('writes offers in order with bare token values', () => {
    expect(
      formatExtensionList([
        { name: 'permessage-deflate', params: [['client_max_window_bits', true], ['server_max_window_bits', '10']] },
        { name: 'permessage-deflate', params: [] },
      ]),
    ).toBe('permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate');
  });

  it.each([
    ['a name', [{ name: 'a b', params: [] }]],
    ['a parameter name', [{ name: 'foo', params: [['a=b', true]] }]],
    ['a value', [{ name: 'foo', params: [['a', '1\r\nX-Injected: 1']] }]],
    ['an empty value', [{ name: 'foo', params: [['a', '']] }]],
  ] satisfies Array<[string, Extension[]]>)('throws WS_ERR_INVALID_EXTENSION for %s that is not a token', (_name, extensions) => {
    expect(() => formatExtensionList(extensions)).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_EXTENSION' }));
  });

  it('is undone by parseExtensionList', () => {
    const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/);
    const extension = fc.record({
      name: token,
      params: fc.array(fc.tuple(token, fc.oneof(token, fc.constant(true as const))), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(extension, { minLength: 1, maxLength: 3 }), (extensions) => {
        expect(parseExtensionList(formatExtensionList(extensions))).toEqual({ ok: true, value: extensions });
      }),
      { numRuns: 200 },
    );
  });
});
