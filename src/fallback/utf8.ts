/**
 * UTF-8 validation in TypeScript (RFC 3629 §4; RFC 6455 §8.1), whole-buffer and streaming.
 *
 * A branchy decoder checks each sequence against the RFC 3629 §4 table: lead bytes C2..F4 only
 * (C0/C1 would be overlong, F5..FF above U+10FFFF), and the second byte narrowed after E0
 * (no overlong 3-byte forms), ED (no surrogates), F0 (no overlong 4-byte forms) and F4 (nothing
 * above U+10FFFF). Runs of ASCII, the common case, are skipped several bytes at a time.
 *
 * The streaming state is the one in native/README.md: 0 at a character boundary, otherwise
 * `n | (b0 << 2) | (b1 << 10) | (b2 << 18)` for the n pending bytes of an unfinished character.
 */

import { UTF8_INVALID } from '../kernels.js';
import { wordsOf } from './word-view.js';

const ASCII_MASK = 0x80808080 | 0;

/** ASCII bytes checked one by one before anything else. */
const SHORT_RUN = 16;

/** Bytes left from which the word loop is worth its set-up (measured: about 100 ns). */
const LONG_RUN = 256;

/** Pending bytes of the state plus up to 3 new ones: at most one character and a bit. */
const joinBuffer = new Uint8Array(7);

/**
 * Checks bytes[start..end). Returns UTF8_INVALID, or the offset where an unfinished but so far
 * valid sequence begins at the end of the range (`end` when the range ends on a boundary).
 */
function findIncompleteTail(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b0 = bytes[i];
    if (b0 < 0x80) {
      i = skipAscii(bytes, i + 1, end);
      continue;
    }
    if (b0 < 0xc2) return UTF8_INVALID; // a continuation byte without a lead, or overlong C0/C1
    if (b0 < 0xe0) {
      if (i + 1 >= end) return i;
      if ((bytes[i + 1] & 0xc0) !== 0x80) return UTF8_INVALID;
      i += 2;
      continue;
    }
    if (b0 < 0xf0) {
      if (i + 1 >= end) return i;
      const b1 = bytes[i + 1];
      if (b1 < (b0 === 0xe0 ? 0xa0 : 0x80) || b1 > (b0 === 0xed ? 0x9f : 0xbf)) return UTF8_INVALID;
      if (i + 2 >= end) return i;
      if ((bytes[i + 2] & 0xc0) !== 0x80) return UTF8_INVALID;
      i += 3;
      continue;
    }
    if (b0 < 0xf5) {
      if (i + 1 >= end) return i;
      const b1 = bytes[i + 1];
      if (b1 < (b0 === 0xf0 ? 0x90 : 0x80) || b1 > (b0 === 0xf4 ? 0x8f : 0xbf)) return UTF8_INVALID;
      if (i + 2 >= end) return i;
      if ((bytes[i + 2] & 0xc0) !== 0x80) return UTF8_INVALID;
      if (i + 3 >= end) return i;
      if ((bytes[i + 3] & 0xc0) !== 0x80) return UTF8_INVALID;
      i += 4;
      continue;
    }
    return UTF8_INVALID; // F5..FF: above U+10FFFF
  }
  return end;
}

/** The first offset at or after `i` (and before `end`) holding a non-ASCII byte, or `end`. */
function skipAscii(bytes: Uint8Array, i: number, end: number): number {
  // Runs of ASCII in mixed text are short: look at a few bytes one by one before anything else.
  for (const shortRunEnd = Math.min(end, i + SHORT_RUN); i < shortRunEnd; i++) {
    if (bytes[i] >= 0x80) return i;
  }
  if (end - i >= LONG_RUN) {
    // Maybe a long run: reach the next aligned word byte by byte, then go a word at a time.
    for (; ((bytes.byteOffset + i) & 3) !== 0; i++) {
      if (bytes[i] >= 0x80) return i;
    }
    const words = wordsOf(bytes);
    const wordEnd = (bytes.byteOffset + end) >>> 2;
    for (let w = (bytes.byteOffset + i) >>> 2; w < wordEnd; w++) {
      if ((words[w] & ASCII_MASK) !== 0) break;
      i += 4;
    }
  }
  for (; i + 4 <= end; i += 4) {
    if (((bytes[i] | bytes[i + 1] | bytes[i + 2] | bytes[i + 3]) & 0x80) !== 0) break;
  }
  for (; i < end; i++) {
    if (bytes[i] >= 0x80) return i;
  }
  return end;
}

/** The state for the unfinished sequence bytes[tail..end) (1 to 3 bytes, a valid prefix). */
function pendingState(bytes: Uint8Array, tail: number, end: number): number {
  const n = end - tail;
  let state = n | (bytes[tail] << 2);
  if (n > 1) state |= bytes[tail + 1] << 10;
  if (n > 2) state |= bytes[tail + 2] << 18;
  return state;
}

/** Number of bytes in the sequence led by a valid lead byte (C2..F4). */
function sequenceLength(lead: number): number {
  return lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

/**
 * Streaming validation of bytes[start..end) continuing from `state`; see native/README.md.
 * Returns the new state or UTF8_INVALID.
 */
export function validateUtf8Range(bytes: Uint8Array, start: number, end: number, state: number, final: boolean): number {
  let i = start;
  if (state !== 0) {
    // Finish the pending character: decode its bytes followed by the first new ones.
    const pending = state & 3;
    const lead = (state >>> 2) & 0xff;
    const taken = Math.min(sequenceLength(lead) - pending, end - start);
    joinBuffer[0] = lead;
    joinBuffer[1] = (state >>> 10) & 0xff;
    joinBuffer[2] = (state >>> 18) & 0xff;
    for (let k = 0; k < taken; k++) joinBuffer[pending + k] = bytes[start + k];
    const joinedEnd = pending + taken;
    const tail = findIncompleteTail(joinBuffer, 0, joinedEnd);
    if (tail === UTF8_INVALID) return UTF8_INVALID;
    if (tail !== joinedEnd) {
      // Still unfinished: the whole input went into the pending bytes.
      return final ? UTF8_INVALID : pendingState(joinBuffer, tail, joinedEnd);
    }
    i += taken;
  }
  const tail = findIncompleteTail(bytes, i, end);
  if (tail === UTF8_INVALID) return UTF8_INVALID;
  if (tail === end) return 0;
  return final ? UTF8_INVALID : pendingState(bytes, tail, end);
}

export function validateUtf8(buffer: Uint8Array, state: number, final: boolean): number {
  return validateUtf8Range(buffer, 0, buffer.length, state, final);
}

export function isValidUtf8(buffer: Uint8Array): boolean {
  return findIncompleteTail(buffer, 0, buffer.length) === buffer.length;
}
