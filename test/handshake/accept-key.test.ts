import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeAccept, generateKey, isValidKey } from '../../src/handshake/accept-key.js';

describe('computeAccept', () => {
  // The value printed in RFC 6455 §1.3 (and found independently with openssl sha1 | base64).
  // "s3pPLMBiTxaQ9kYGJRzPxXgwGAo=", which circulates in some notes, is not it.
  it('gives the answer of the RFC 6455 §1.3 example', () => {
    expect(computeAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  // computeAccept takes crypto.hash where Node has it, and only for ASCII keys: the reference is
  // the Hash object over the key's latin1 bytes, as RFC 6455 §4.2.2 hashes the key as sent.
  it('matches SHA-1 over the latin1 bytes of key + GUID for valid, odd and non-ASCII keys', () => {
    const reference = (key: string) =>
      createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11', 'latin1').digest('base64');
    const keys = ['', 'a', 'é', '\u00ff\u0080', 'key with spaces', '\u0100 is not latin1', 'x'.repeat(300)];
    for (let i = 0; i < 500; i++) keys.push(randomBytes(16).toString('base64'), randomBytes(i % 40).toString('latin1'));
    for (const key of keys) expect(computeAccept(key), JSON.stringify(key)).toBe(reference(key));
  });
});

describe('generateKey', () => {
  it('makes a valid key of 16 random bytes, different each time', () => {
    const keys = Array.from({ length: 8 }, generateKey);
    for (const key of keys) {
      expect(Buffer.from(key, 'base64')).toHaveLength(16);
      expect(isValidKey(key)).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('isValidKey', () => {
  it.each([
    ['the RFC example', 'dGhlIHNhbXBsZSBub25jZQ==', true],
    ['15 bytes', Buffer.alloc(15, 1).toString('base64'), false],
    ['17 bytes', Buffer.alloc(17, 1).toString('base64'), false],
    ['non-base64 characters', 'dGhlIHNhbXBsZSBub25j!Q==', false],
    ['missing padding', 'dGhlIHNhbXBsZSBub25jZQ', false],
    ['non-canonical last character', 'dGhlIHNhbXBsZSBub25jZR==', false],
    ['two keys joined by node:http', 'dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ==', false],
    ['empty', '', false],
    ['the URL-safe alphabet', '-_-_-_-_-_-_-_-_-_-_-w==', false],
    ['a trailing newline', 'dGhlIHNhbXBsZSBub25jZQ==\n', false],
  ])('%s → %s', (_name, key, valid) => {
    expect(isValidKey(key)).toBe(valid);
  });

  // The definition isValidKey implements without a Buffer: decoding gives 16 bytes and encoding
  // them gives the key back (Node's decoder skips characters it does not know, so both are needed).
  const byRoundTrip = (key: string) => {
    const bytes = Buffer.from(key, 'base64');
    return bytes.length === 16 && bytes.toString('base64') === key;
  };

  it('agrees with the base64 round trip on random keys and on every one-character change of them', () => {
    const alphabet = [...Array(256).keys()].map((code) => String.fromCharCode(code)).concat(['\u0100', '\u{1F600}']);
    let valid = 0;
    for (let i = 0; i < 40; i++) {
      const key = randomBytes(16).toString('base64');
      expect(isValidKey(key)).toBe(true);
      for (let position = 0; position < key.length; position++) {
        for (const char of alphabet) {
          const changed = key.slice(0, position) + char + key.slice(position + 1);
          const expected = byRoundTrip(changed);
          if (expected) valid++;
          expect(isValidKey(changed), JSON.stringify(changed)).toBe(expected);
        }
      }
    }
    expect(valid).toBeGreaterThan(40 * 22 * 4); // the comparison saw valid keys as well as invalid ones
  });

  it('agrees with the base64 round trip on strings of other lengths and on deletions and insertions', () => {
    for (let length = 0; length < 40; length++) {
      for (let i = 0; i < 50; i++) {
        const text = randomBytes(length).toString('latin1');
        const base64 = randomBytes(length).toString('base64');
        expect(isValidKey(text)).toBe(byRoundTrip(text));
        expect(isValidKey(base64)).toBe(byRoundTrip(base64));
      }
    }
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    for (let position = 0; position <= key.length; position++) {
      const deleted = key.slice(0, position) + key.slice(position + 1);
      expect(isValidKey(deleted)).toBe(byRoundTrip(deleted));
      for (const char of ['A', '=', ' ', '+', '\r']) {
        const inserted = key.slice(0, position) + char + key.slice(position);
        expect(isValidKey(inserted)).toBe(byRoundTrip(inserted));
      }
    }
  });
});
