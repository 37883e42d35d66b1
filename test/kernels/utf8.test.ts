/**
 * Whole-buffer UTF-8 validation (RFC 3629 §4): a table of boundary cases, each also placed at
 * every offset of an ASCII buffer so that SIMD block boundaries are crossed, and random byte
 * strings checked against Node's `buffer.isUtf8`.
 */

import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { describeEachImplementation } from './implementations.js';
import { randomUtf8ish, seededRandom } from './random.js';
import { UTF8_CASES } from './utf8-cases.js';

describeEachImplementation('UTF-8 validation', (kernels) => {
  test.each(UTF8_CASES)('%s: %s → valid %s', (_what, hex, valid) => {
    const bytes = Buffer.from(hex, 'hex');
    expect(isUtf8(bytes)).toBe(valid); // the table itself agrees with Node
    expect(kernels.isValidUtf8(bytes)).toBe(valid);
    expect(kernels.validateUtf8(bytes, 0, true)).toBe(valid ? 0 : -1);
  });

  test('every table case at every offset of 64-, 128- and 1029-byte ASCII buffers, at 4 address alignments', () => {
    // 1029 bytes: long enough for the TypeScript word-at-a-time ASCII skip, with a ragged end.
    for (const size of [64, 128, 1029]) {
      for (const [what, hex, valid] of UTF8_CASES) {
        const sequence = Buffer.from(hex, 'hex');
        for (let offset = 0; offset + sequence.length <= size; offset++) {
          for (let shift = 0; shift < 4; shift++) {
            // A view at address `shift`, so that aligned loads start at different places.
            const bytes = new Uint8Array(size + shift).subarray(shift);
            bytes.fill(0x61);
            bytes.set(sequence, offset);
            if (kernels.isValidUtf8(bytes) !== valid || kernels.validateUtf8(bytes, 0, true) !== (valid ? 0 : -1)) {
              expect.fail(`${what} at offset ${offset} of ${size} (address shift ${shift}): expected valid ${valid}`);
            }
          }
        }
      }
    }
  });

  test('agrees with buffer.isUtf8 on thousands of random valid-ish strings', () => {
    const random = seededRandom(3);
    let validCount = 0;
    for (let n = 0; n < 4000; n++) {
      // Mostly short strings; some long enough for several SIMD blocks.
      const characters = n % 10 === 0 ? 200 + Math.floor(random() * 800) : Math.floor(random() * 80);
      const bytes = randomUtf8ish(random, characters);
      const expected = isUtf8(bytes);
      if (expected) validCount++;
      if (kernels.isValidUtf8(bytes) !== expected || kernels.validateUtf8(bytes, 0, true) !== (expected ? 0 : -1)) {
        expect.fail(`${Buffer.from(bytes).toString('hex')}: expected valid ${expected}`);
      }
    }
    // Both verdicts occurred often enough to mean something.
    expect(validCount).toBeGreaterThan(1000);
    expect(validCount).toBeLessThan(3000);
  });

  test('agrees with buffer.isUtf8 on arbitrary bytes (fast-check, shrinking to a minimal case)', () => {
    const byteOrText = fc.oneof(
      fc.uint8Array({ maxLength: 100 }),
      fc.string({ unit: 'binary', maxLength: 60 }).map((text) => new Uint8Array(Buffer.from(text, 'utf8'))),
    );
    fc.assert(
      fc.property(fc.array(byteOrText, { maxLength: 4 }), (parts) => {
        const bytes = new Uint8Array(Buffer.concat(parts));
        expect(kernels.isValidUtf8(bytes)).toBe(isUtf8(bytes));
      }),
      { numRuns: 1500, seed: 4 },
    );
  });
});
