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

/** mask() creates a view of its output (about 100 ns), worth it only for longer inputs. */
const MASK_WORD_LOOP_MIN_LENGTH = 256;

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
  const k0 = key[0];
  const k1 = key[1];
  const k2 = key[2];
  const k3 = key[3];
  let i = 0;
  // The word loop needs source and output at the same alignment; a sender's output buffer
  // usually starts right after a 2-, 4- or 10-byte header, so often they differ.
  if (length >= MASK_WORD_LOOP_MIN_LENGTH && ((source.byteOffset - output.byteOffset - offset) & 3) === 0) {
    const head = (4 - (source.byteOffset & 3)) & 3;
    for (; i < head; i++) {
      output[offset + i] = source[i] ^ key[i & 3];
    }
    loadKeyWord(key, i);
    const word = keyWord[0];
    const wordCount = (length - i) >>> 2;
    const sourceWords = wordsOf(source);
    const sourceFirst = (source.byteOffset + i) >>> 2;
    // A second ArrayBuffer would evict the first from the cache: the output gets a view of its own.
    const outputWords = new Int32Array(output.buffer, output.byteOffset + offset + i, wordCount);
    for (let w = 0; w < wordCount; w++) {
      outputWords[w] = sourceWords[sourceFirst + w] ^ word;
    }
    i += wordCount << 2;
    for (; i < length; i++) {
      output[offset + i] = source[i] ^ key[i & 3];
    }
    return;
  }
  for (; i + 4 <= length; i += 4) {
    output[offset + i] = source[i] ^ k0;
    output[offset + i + 1] = source[i + 1] ^ k1;
    output[offset + i + 2] = source[i + 2] ^ k2;
    output[offset + i + 3] = source[i + 3] ^ k3;
  }
  for (; i < length; i++) {
    output[offset + i] = source[i] ^ key[i & 3];
  }
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
