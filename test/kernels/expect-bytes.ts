import { expect } from 'vitest';

/**
 * expect(actual).toEqual(expected) for byte arrays, but fast: vitest's deep equality costs
 * about a millisecond per call, too much for tens of thousands of cases, so it runs only to
 * describe a mismatch.
 */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, context: string): void {
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)) return;
  expect(Array.from(actual), context).toEqual(Array.from(expected));
}

/** Whether every byte of `bytes` is `value`. */
export function allBytesAre(bytes: Uint8Array, value: number): boolean {
  return bytes.every((byte) => byte === value);
}
