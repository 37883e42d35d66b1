/** Deterministic payloads of exact byte sizes, for echo tests that compare byte for byte. */

export const KiB = 1024;
export const MiB = 1024 * 1024;

/**
 * The sizes where RFC 6455 §5.2 changes the length encoding (7-bit, 16-bit, 64-bit) and the
 * large sizes a server must handle: 0, 1, 125 | 126, 127, 65535 | 65536, 1 MiB, 16 MiB.
 */
export const LENGTH_BOUNDARY_SIZES = [0, 1, 125, 126, 127, 65535, 65536, MiB, 16 * MiB] as const;

/** Bytes that are not a short repeating pattern (xorshift32), so a misplaced slice shows. */
export function binaryPayload(size: number, seed = 0x9e3779b9): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes.writeUInt32LE(x >>> 0, i);
  }
  for (; i < size; i++) bytes[i] = (x >>> (8 * (i & 3))) & 0xff;
  return bytes;
}

/**
 * A string whose UTF-8 encoding is exactly `size` bytes and mixes 1-, 2-, 3- and 4-byte
 * characters (RFC 3629 §3), so text paths are exercised across character boundaries.
 */
export function textPayload(size: number): string {
  const unit = 'aé€😀'; // 1 + 2 + 3 + 4 = 10 bytes
  const whole = unit.repeat(Math.floor(size / 10));
  return whole + 'z'.repeat(size % 10);
}

export function describeSize(size: number): string {
  if (size >= MiB && size % MiB === 0) return `${size / MiB} MiB`;
  return `${size} B`;
}

/** Bytes `i % 251`: trivially made in any language (the Python peer makes the same), period prime to 2^k. */
export function cyclicPayload(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = i % 251;
  return bytes;
}
