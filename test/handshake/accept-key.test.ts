import { describe, expect, it } from 'vitest';
import { computeAccept, generateKey, isValidKey } from '../../src/handshake/accept-key.js';

describe('computeAccept', () => {
  // The value printed in RFC 6455 §1.3 (and found independently with openssl sha1 | base64).
  // "s3pPLMBiTxaQ9kYGJRzPxXgwGAo=", which circulates in some notes, is not it.
  it('gives the answer of the RFC 6455 §1.3 example', () => {
    expect(computeAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
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
  ])('%s → %s', (_name, key, valid) => {
    expect(isValidKey(key)).toBe(valid);
  });
});
