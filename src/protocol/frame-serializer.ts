/**
 * Frames to send (RFC 6455 §5.2): a header for any payload length, and for the client role the
 * masking of §5.3 with a fresh key per frame.
 *
 * Unmasked frames (the server role) go out as two chunks, header then the caller's payload, so
 * the payload is never copied (the connection writes them with one corked write). Masked frames
 * need their payload transformed anyway, so header, key and masked payload are written into one
 * new buffer; the caller's buffer is never modified.
 */

import { randomFillSync } from 'node:crypto';
import { kernels } from '../native.js';

/**
 * §5.3: masking keys must be unpredictable, so they come from the CSPRNG — but one
 * randomFillSync per frame costs more than framing a small message, so keys are drawn from a
 * 4 KiB pool refilled once every 1024 frames.
 */
const keyPool = Buffer.allocUnsafe(4096);
let keyPoolOffset = keyPool.length;
/** The current frame's key, the shape kernels.mask wants. */
const frameKey = new Uint8Array(4);

function drawMaskKey(): void {
  if (keyPoolOffset === keyPool.length) {
    randomFillSync(keyPool);
    keyPoolOffset = 0;
  }
  frameKey[0] = keyPool[keyPoolOffset];
  frameKey[1] = keyPool[keyPoolOffset + 1];
  frameKey[2] = keyPool[keyPoolOffset + 2];
  frameKey[3] = keyPool[keyPoolOffset + 3];
  keyPoolOffset += 4;
}

/** Bytes of the header (without the masking key) for a payload of `length` bytes (§5.2). */
function lengthFieldsSize(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/** Writes byte 0, the MASK bit and the 7/16/64-bit length; returns where the header continues. */
function writeHeader(target: Buffer, head: number, length: number, masked: boolean): number {
  const maskBit = masked ? 0x80 : 0;
  target[0] = head;
  if (length < 126) {
    target[1] = maskBit | length;
    return 2;
  }
  if (length < 0x10000) {
    target[1] = maskBit | 126;
    target.writeUInt16BE(length, 2);
    return 4;
  }
  target[1] = maskBit | 127;
  target.writeUInt32BE(Math.floor(length / 0x100000000), 2);
  target.writeUInt32BE(length >>> 0, 6);
  return 10;
}

/** Byte 0 of a frame: FIN, RSV1 (set by an extension that transformed the message) and opcode. */
export function frameHead(opcode: number, final: boolean, rsv1: boolean): number {
  return (final ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
}

/**
 * Appends the chunks of one frame to `queue`: [header, payload] unmasked (payload omitted when
 * empty), or [header + key + masked payload] masked (§5.3). Returns the bytes appended.
 */
export function serializeFrame(queue: Uint8Array[], head: number, payload: Uint8Array, masked: boolean): number {
  const length = payload.length;
  if (!masked) {
    const header = Buffer.allocUnsafe(lengthFieldsSize(length));
    writeHeader(header, head, length, false);
    queue.push(header);
    if (length > 0) queue.push(payload);
    return header.length + length;
  }
  const frame = Buffer.allocUnsafe(lengthFieldsSize(length) + 4 + length);
  const keyAt = writeHeader(frame, head, length, true);
  drawMaskKey();
  frame.set(frameKey, keyAt);
  kernels.mask(payload, frameKey, frame, keyAt + 4, length);
  queue.push(frame);
  return frame.length;
}
