import * as crypto from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';

/** The GUID every RFC 6455 endpoint appends to the key (RFC 6455 §1.3). */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The number of random bytes in a Sec-WebSocket-Key (RFC 6455 §4.1, client requirement 7). */
export const KEY_BYTE_LENGTH = 16;

/**
 * Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)), computed over the key
 * as sent, without decoding it (RFC 6455 §1.3, §4.2.2 step 5.4).
 */
export function computeAccept(key: string): string {
  const input = key + WEBSOCKET_GUID;
  // The one-shot crypto.hash (Node ≥ 20.12) makes no Hash object: ~0.5 µs, not ~1.2 µs, on every
  // connection a server opens (bench/RESULTS.md, "server CPU to open"). It reads a string as
  // UTF-8, the same bytes as latin1 when the key is ASCII, as every valid key is.
  if (oneShotHash !== undefined && ASCII.test(input)) return oneShotHash('sha1', input, 'base64');
  return createHash('sha1').update(input, 'latin1').digest('base64');
}

/** crypto.hash where this Node has it (20.12 and later), else undefined. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, outputEncoding: 'base64') => string }).hash;
const ASCII = /^[\x00-\x7f]*$/;

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1, client requirement 7). */
export function generateKey(): string {
  return randomBytes(KEY_BYTE_LENGTH).toString('base64');
}

/**
 * Whether a key is the canonical base64 of exactly 16 bytes (RFC 6455 §4.2.1 item 5): 21
 * characters of the base64 alphabet (RFC 4648 §4: not the URL-safe one, which Node's decoder
 * would also take), a 22nd that carries the last 2 bits and 4 zero bits (A, Q, g or w), then
 * "==". Exactly the keys that decode to 16 bytes and encode back to themselves (the test checks
 * this against Node's base64 on many inputs), without making a Buffer per connection.
 */
export function isValidKey(key: string): boolean {
  return CANONICAL_KEY.test(key);
}

const CANONICAL_KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;
