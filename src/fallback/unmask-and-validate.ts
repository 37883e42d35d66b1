/**
 * unmaskAndValidate in TypeScript: unmask a piece of a text frame's payload in place (RFC 6455
 * §5.3) and continue the message's UTF-8 validation over it (§8.1). In TypeScript the two passes
 * stay separate — the fusion pays off only in the SIMD code — but the result is the same.
 */

import { xorInPlace } from './mask.js';
import { validateUtf8Range } from './utf8.js';

export function unmaskAndValidate(
  buffer: Uint8Array,
  key: Uint8Array,
  keyOffset: number,
  state: number,
  final: boolean,
): number {
  xorInPlace(buffer, 0, buffer.length, key, keyOffset);
  return validateUtf8Range(buffer, 0, buffer.length, state, final);
}
