/** mask / unmask (RFC 6455 §5.3) against a byte-by-byte reference, at every length and alignment. */

import { expect, test } from 'vitest';
import { describeEachImplementation } from './implementations.js';
import { allBytesAre, expectBytes } from './expect-bytes.js';
import { randomBytes, seededRandom } from './random.js';

function referenceMask(source: Uint8Array, key: Uint8Array): Uint8Array {
  return source.map((byte, i) => byte ^ key[i & 3]);
}

const VECTOR_EDGE_LENGTHS = [15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097];
const KEYS = [
  [0x01, 0x02, 0x04, 0x08],
  [0x12, 0x34, 0x56, 0x78],
  [0x34, 0x56, 0x78, 0x12],
  [0x56, 0x78, 0x12, 0x34],
  [0x78, 0x12, 0x34, 0x56],
  [0xff, 0x00, 0x80, 0x7f],
].map((key) => new Uint8Array(key));

describeEachImplementation('unmask', (kernels) => {
  const random = seededRandom(1);
  const pool = randomBytes(random, 4097 + 64 + 8);

  test('every length 0..300 at every alignment 0..63, every key rotation', () => {
    const arena = new Uint8Array(300 + 64 + 8);
    for (let length = 0; length <= 300; length++) {
      for (let alignment = 0; alignment < 64; alignment++) {
        const key = KEYS[(length + alignment) % KEYS.length];
        const source = pool.subarray(alignment, alignment + length);
        arena.set(pool.subarray(0, arena.length));
        const view = arena.subarray(alignment, alignment + length);
        kernels.unmask(view, key);
        const context = `length ${length} alignment ${alignment}`;
        expectBytes(view, referenceMask(source, key), context);
        // The bytes around the view are untouched.
        expectBytes(arena.subarray(0, alignment), pool.subarray(0, alignment), context);
        expectBytes(arena.subarray(alignment + length), pool.subarray(alignment + length, arena.length), context);
      }
    }
  });

  test('lengths around vector widths, at several alignments', () => {
    for (const length of VECTOR_EDGE_LENGTHS) {
      for (const alignment of [0, 1, 3, 7, 31, 63]) {
        for (const key of KEYS) {
          const buffer = pool.slice(0, alignment + length + 8);
          const view = buffer.subarray(alignment, alignment + length);
          kernels.unmask(view, key);
          const context = `length ${length} alignment ${alignment} key ${key}`;
          expectBytes(view, referenceMask(pool.subarray(alignment, alignment + length), key), context);
          expectBytes(buffer.subarray(alignment + length), pool.subarray(alignment + length, alignment + length + 8), context);
        }
      }
    }
  });

  test('a 1 MiB buffer', () => {
    const big = randomBytes(random, (1 << 20) + 3);
    const view = big.subarray(1);
    const expected = referenceMask(view, KEYS[1]);
    kernels.unmask(view, KEYS[1]);
    expectBytes(view, expected, '1 MiB');
  });
});

describeEachImplementation('mask', (kernels) => {
  const random = seededRandom(2);
  const pool = randomBytes(random, 4097 + 64);

  test('every length 0..300, source and output at independent alignments 0..63', () => {
    const output = new Uint8Array(300 + 64 + 64 + 8);
    for (let length = 0; length <= 300; length++) {
      for (let alignment = 0; alignment < 64; alignment++) {
        const key = KEYS[length % KEYS.length];
        const source = pool.subarray(alignment, alignment + length);
        // The output alignment walks independently of the source's, and `offset` moves it further.
        const outputStart = (alignment * 7 + length) & 63;
        const offset = length & 7;
        output.fill(0xaa);
        kernels.mask(source, key, output.subarray(outputStart), offset, length);
        const written = outputStart + offset;
        const context = `length ${length} source alignment ${alignment} output at ${written}`;
        expectBytes(output.subarray(written, written + length), referenceMask(source, key), context);
        // Nothing is written outside output[offset, offset + length).
        if (!allBytesAre(output.subarray(0, written), 0xaa) || !allBytesAre(output.subarray(written + length), 0xaa)) {
          expect.fail(`${context}: wrote outside the range`);
        }
      }
    }
  });

  test('lengths around vector widths, every key rotation; the source is left alone', () => {
    for (const length of VECTOR_EDGE_LENGTHS) {
      for (const key of KEYS) {
        const source = pool.slice(1, 1 + length);
        const output = new Uint8Array(length + 10);
        kernels.mask(source, key, output, 10, length);
        expectBytes(output.subarray(10), referenceMask(source, key), `length ${length} key ${key}`);
        expectBytes(source, pool.subarray(1, 1 + length), `source, length ${length} key ${key}`);
      }
    }
  });

  test('only the first `length` bytes of a longer source are masked', () => {
    for (const length of [0, 3, 37, 300]) {
      const source = randomBytes(random, 400);
      const output = new Uint8Array(410).fill(0xaa);
      kernels.mask(source, KEYS[2], output, 5, length);
      expectBytes(output.subarray(5, 5 + length), referenceMask(source.subarray(0, length), KEYS[2]), `length ${length}`);
      expect(allBytesAre(output.subarray(5 + length), 0xaa)).toBe(true);
    }
  });

  test('masking twice gives the input back', () => {
    const source = randomBytes(random, 1000);
    const once = new Uint8Array(1000);
    const twice = new Uint8Array(1000);
    kernels.mask(source, KEYS[5], once, 0, 1000);
    kernels.mask(once, KEYS[5], twice, 0, 1000);
    expect(twice).toEqual(source);
    expect(once).not.toEqual(source);
  });
});

describeEachImplementation('unmask and validate on a resizable ArrayBuffer', (kernels) => {
  test('a buffer that grew since the last call is still processed entirely', () => {
    // Resizable ArrayBuffers (ES2024) are in Node 20, but not in this project's ES2022 typings.
    const ResizableArrayBuffer = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer & {
      resize(length: number): void;
    };
    const arrayBuffer = new ResizableArrayBuffer(512, { maxByteLength: 8192 });
    const key = Uint8Array.of(1, 2, 3, 4);
    kernels.unmask(new Uint8Array(arrayBuffer), key);
    expect(kernels.isValidUtf8(new Uint8Array(arrayBuffer))).toBe(true);
    arrayBuffer.resize(4096);
    const grown = new Uint8Array(arrayBuffer);
    grown.fill(0x41);
    grown[4000] = 0xff;
    expect(kernels.isValidUtf8(grown)).toBe(false);
    kernels.unmask(grown, key);
    expectBytes(grown.subarray(3000, 3008), Uint8Array.of(0x40, 0x43, 0x42, 0x45, 0x40, 0x43, 0x42, 0x45), 'the grown part');
  });
});
