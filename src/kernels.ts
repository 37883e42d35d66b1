/**
 * The byte-crunching kernels: one interface, two implementations with identical results —
 * the C++ addon in `native/` (SIMD, chosen at load time) and the pure TypeScript fallback in
 * `src/fallback/`. `src/native.ts` picks one. Nothing here knows about sockets; `scanFrames`
 * knows only the RFC 6455 §5.2 header layout.
 *
 * The exact semantics (shared by both implementations, tested against each other) are in
 * native/README.md.
 */

/** Returned by the UTF-8 validators when the bytes seen so far cannot be valid UTF-8. */
export const UTF8_INVALID = -1;

/** Slots of the Int32Array that carries parser state between `scanFrames` calls. */
export const SCAN_MESSAGE = 0; // data message in progress: 0 none, 1 text, 2 binary, 3 extension-transformed (not validated)
export const SCAN_UTF8 = 1; // streaming UTF-8 state of the text message in progress
export const SCAN_CONFIG = 2; // bit 0: frames must be masked (server role); bit 1: must not be masked (client role)
export const SCAN_MAX_PAYLOAD = 3; // largest payload length scanFrames accepts in one frame
export const SCAN_STATE_SIZE = 4;

export const SCAN_CONFIG_REQUIRE_MASK = 1;
export const SCAN_CONFIG_FORBID_MASK = 2;

/** Each scanned frame takes this many Int32 slots in the output array. */
export const SCAN_RECORD_SIZE = 4;
export const SCAN_HEAD = 0; // byte 0 of the frame (FIN, RSV1-3, opcode)
export const SCAN_PAYLOAD_START = 1; // offset of the payload in the chunk
export const SCAN_PAYLOAD_LENGTH = 2;
export const SCAN_VERDICT = 3; // text frames: UTF-8 state after the frame, or UTF8_INVALID; others: 0

export interface Kernels {
  /** Which implementation this is, for diagnostics and benchmarks. */
  readonly name: 'native' | 'typescript';
  /** SIMD level the native implementation dispatched to ('avx512', 'avx2', 'sse2', 'neon', 'scalar'); 'typescript' for the fallback. */
  readonly isa: string;
  /** output[offset + i] = source[i] ^ key[i & 3] for 0 <= i < length (the `bufferutil` shape). */
  mask(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number, length: number): void;
  /** buffer[i] ^= key[i & 3] in place (the `bufferutil` shape). */
  unmask(buffer: Uint8Array, key: Uint8Array): void;
  /** Whole-buffer UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
  isValidUtf8(buffer: Uint8Array): boolean;
  /**
   * Streaming validation: continue from `state` (0 = at a character boundary, as at the start
   * of a message). Returns the new state (>= 0), or UTF8_INVALID as soon as the bytes seen so
   * far cannot begin valid UTF-8. With `final`, a message ending inside a sequence is invalid.
   */
  validateUtf8(buffer: Uint8Array, state: number, final: boolean): number;
  /**
   * One pass: buffer[i] ^= key[(keyOffset + i) & 3] in place, then the same verdict as
   * `validateUtf8(buffer, state, final)` on the unmasked bytes. The whole buffer is unmasked
   * even when it is invalid.
   */
  unmaskAndValidate(buffer: Uint8Array, key: Uint8Array, keyOffset: number, state: number, final: boolean): number;
  /**
   * The receive fast path: from `start`, scan every complete, plainly valid frame in `chunk`,
   * unmask each payload in place, validate text payloads (carrying `state`), and write one
   * record per frame into `out`. Returns the number of frames scanned; stops before any frame
   * it does not fully understand, leaving it for the TypeScript parser. See native/README.md.
   */
  scanFrames(chunk: Uint8Array, start: number, out: Int32Array, state: Int32Array): number;
}
