/**
 * A reference for the streaming UTF-8 state of native/README.md, built on Node's own
 * `buffer.isUtf8` rather than on any code under test.
 */

import { isUtf8 } from 'node:buffer';

/** A few second bytes covering every lead byte's allowed range (E0 → A0.., ED → ..9F, F0 → 90.., F4 → ..8F). */
const SECOND_BYTE_CANDIDATES = [0x80, 0x90, 0xa0];

function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Whether `tail` (shorter than its lead byte says) can be completed into a valid character. */
function isCompletablePrefix(tail: Uint8Array): boolean {
  const length = sequenceLength(tail[0]);
  if (length <= tail.length) return false;
  const seconds = tail.length >= 2 ? [tail[1]] : SECOND_BYTE_CANDIDATES;
  return seconds.some((second) => {
    const character = new Uint8Array(length).fill(0x80);
    character.set(tail);
    character[1] = second;
    return isUtf8(character);
  });
}

/** The state a validator must return after reading all of `bytes` as one message so far. */
export function expectedUtf8State(bytes: Uint8Array, final: boolean): number {
  if (isUtf8(bytes)) return 0;
  if (final) return -1;
  for (let pending = 1; pending <= 3 && pending <= bytes.length; pending++) {
    const tail = bytes.subarray(bytes.length - pending);
    if (isUtf8(bytes.subarray(0, bytes.length - pending)) && isCompletablePrefix(tail)) {
      return pending | (tail[0] << 2) | ((tail[1] ?? 0) << 10) | ((tail[2] ?? 0) << 18);
    }
  }
  return -1;
}
