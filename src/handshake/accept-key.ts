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
  return createHash('sha1').update(key + WEBSOCKET_GUID, 'latin1').digest('base64');
}

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1, client requirement 7). */
export function generateKey(): string {
  return randomBytes(KEY_BYTE_LENGTH).toString('base64');
}

/**
 * Whether a key is the canonical base64 of exactly 16 bytes (RFC 6455 §4.2.1 item 5). Decoding
 * and re-encoding must give the key back, because Node's decoder skips characters it does not
 * know instead of failing.
 */
export function isValidKey(key: string): boolean {
  const bytes = Buffer.from(key, 'base64');
  return bytes.length === KEY_BYTE_LENGTH && bytes.toString('base64') === key;
}
