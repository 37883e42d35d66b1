/** Building RFC 6455 §5.2 frames for the scanFrames tests. */

export interface FrameSpec {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
  /** The masking key, or undefined for an unmasked frame. */
  key?: Uint8Array;
  /** RSV1-3 as bits 0x40, 0x20, 0x10 of byte 0. */
  rsv?: number;
  /** Force a length encoding; by default the shortest one. Non-minimal encodings are legal for scanFrames. */
  lengthBits?: 7 | 16 | 64;
}

export interface EncodedFrame {
  bytes: Uint8Array;
  head: number;
  /** Offset of the payload within `bytes`. */
  headerLength: number;
}

export function encodeFrame(spec: FrameSpec): EncodedFrame {
  const length = spec.payload.length;
  const lengthBits = spec.lengthBits ?? (length < 126 ? 7 : length < 0x10000 ? 16 : 64);
  const head = (spec.fin ? 0x80 : 0) | (spec.rsv ?? 0) | spec.opcode;
  const maskBit = spec.key === undefined ? 0 : 0x80;
  const header: number[] = [head];
  if (lengthBits === 7) header.push(maskBit | length);
  else if (lengthBits === 16) header.push(maskBit | 126, length >>> 8, length & 0xff);
  else header.push(maskBit | 127, 0, 0, 0, 0, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  if (spec.key !== undefined) header.push(...spec.key);
  const bytes = new Uint8Array(header.length + length);
  bytes.set(header);
  const key = spec.key;
  bytes.set(key === undefined ? spec.payload : spec.payload.map((byte, i) => byte ^ key[i & 3]), header.length);
  return { bytes, head, headerLength: header.length };
}

/** A raw header with an arbitrary 64-bit length field (high and low 32-bit halves), unmasked, no payload. */
export function header64(head: number, high: number, low: number): Uint8Array {
  const bytes = new Uint8Array(10);
  bytes[0] = head;
  bytes[1] = 127;
  const view = new DataView(bytes.buffer);
  view.setUint32(2, high);
  view.setUint32(6, low);
  return bytes;
}
