/**
 * Masking and unmasking in TypeScript (RFC 6455 §5.3): byte i of a payload is XORed with byte
 * `i mod 4` of the 4-byte masking key. The operation is its own inverse.
 *
 * Long ranges are processed 4 bytes at a time through an Int32Array view of the aligned middle
 * part, with the key rotated to that alignment; the unaligned edges go byte by byte.
 */

import { wordsOf } from './word-view.js';

/** Below this many bytes the byte loop beats aligning and switching to words (faster at 125 B, slower at 256 B). */
const WORD_LOOP_MIN_LENGTH = 192;

/** Scratch space to turn 4 key bytes into one 32-bit word in the machine's byte order. */
const keyBytes = new Uint8Array(4);
const keyWord = new Int32Array(keyBytes.buffer);

/**
 * buffer[start + i] ^= key[(keyOffset + i) & 3] for start + i < end.
 * `keyOffset` is the position of `buffer[start]` within its frame's payload, for payloads
 * processed in several pieces.
 */
export function xorInPlace(buffer: Uint8Array, start: number, end: number, key: Uint8Array, keyOffset: number): void {
  // buffer[i] takes key byte (phase + i) & 3; a negative phase is fine in two's complement.
  const phase = keyOffset - start;
  let i = start;
  if (end - start >= WORD_LOOP_MIN_LENGTH) {
    // Bytes up to the first 4-byte aligned address, so the words below are aligned.
    const alignedStart = start + ((4 - ((buffer.byteOffset + start) & 3)) & 3);
    for (; i < alignedStart; i++) {
      buffer[i] ^= key[(phase + i) & 3];
    }
    loadKeyWord(key, phase + i);
    const word = keyWord[0];
    const words = wordsOf(buffer);
    const firstWord = (buffer.byteOffset + i) >>> 2;
    const wordEnd = firstWord + ((end - i) >>> 2);
    for (let w = firstWord; w < wordEnd; w++) {
      words[w] ^= word;
    }
    i += (wordEnd - firstWord) << 2;
  }
  // The rest, 4 bytes per round while possible.
  const r0 = key[(phase + i) & 3];
  const r1 = key[(phase + i + 1) & 3];
  const r2 = key[(phase + i + 2) & 3];
  const r3 = key[(phase + i + 3) & 3];
  for (; i + 4 <= end; i += 4) {
    buffer[i] ^= r0;
    buffer[i + 1] ^= r1;
    buffer[i + 2] ^= r2;
    buffer[i + 3] ^= r3;
  }
  for (; i < end; i++) {
    buffer[i] ^= key[(phase + i) & 3];
  }
}

/** output[offset + i] = source[i] ^ key[i & 3] for 0 <= i < length. */
export function mask(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number, length: number): void {
  // A copy (memcpy) then the in-place loop: source and output are rarely at the same alignment
  // (a sender's output starts after a 2-14 byte header), and this way the words still line up.
  output.set(length === source.length ? source : source.subarray(0, length), offset);
  xorInPlace(output, offset, offset + length, key, 0);
}

/** buffer[i] ^= key[i & 3] in place. */
export function unmask(buffer: Uint8Array, key: Uint8Array): void {
  xorInPlace(buffer, 0, buffer.length, key, 0);
}

/** Puts key bytes phase, phase + 1, phase + 2, phase + 3 (mod 4) into `keyWord[0]`. */
function loadKeyWord(key: Uint8Array, phase: number): void {
  keyBytes[0] = key[phase & 3];
  keyBytes[1] = key[(phase + 1) & 3];
  keyBytes[2] = key[(phase + 2) & 3];
  keyBytes[3] = key[(phase + 3) & 3];
}
