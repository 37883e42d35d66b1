/**
 * The fused kernel: unmaskAndValidate(piece, key, keyOffset, state, final) ≡ unmasking the piece
 * with the key rotated by keyOffset (RFC 6455 §5.3), then validateUtf8 continued from `state`.
 * A message's payload is masked as a whole and cut into pieces, as socket reads cut frames.
 */

import { isUtf8 } from 'node:buffer';
import { expect, test } from 'vitest';
import { expectBytes } from './expect-bytes.js';
import { describeEachImplementation } from './implementations.js';
import { randomUtf8ish, seededRandom } from './random.js';
import { expectedUtf8State } from './utf8-reference.js';

const KEY = Uint8Array.of(0x9a, 0x03, 0xff, 0x41);

function maskedWhole(message: Uint8Array): Uint8Array {
  return message.map((byte, i) => byte ^ KEY[i & 3]);
}

describeEachImplementation('unmaskAndValidate', (kernels) => {
  test('≡ unmask with the rotated key, then validateUtf8, for every cut (keyOffset) and both final flags', () => {
    const random = seededRandom(8);
    for (let n = 0; n < 300; n++) {
      const message = randomUtf8ish(random, n % 20 === 0 ? 100 + Math.floor(random() * 200) : Math.floor(random() * 24));
      const masked = maskedWhole(message);
      for (let cut = 0; cut <= message.length; cut++) {
        const state = expectedUtf8State(message.subarray(0, cut), false);
        if (state === -1) break; // a caller stops at the first invalid piece
        for (const final of [false, true]) {
          // A copy at an alignment that varies with the cut, as pieces land anywhere in a read.
          const length = message.length - cut;
          const piece = new Uint8Array(length + 3).subarray(cut & 3, (cut & 3) + length);
          piece.set(masked.subarray(cut));
          const verdict = kernels.unmaskAndValidate(piece, KEY, cut, state, final);
          const expected = final ? (isUtf8(message) ? 0 : -1) : expectedUtf8State(message, false);
          // The whole piece is unmasked even when it is invalid.
          expectBytes(piece, message.subarray(cut), `cut ${cut}`);
          if (verdict !== expected) {
            expect.fail(`${Buffer.from(message).toString('hex')} cut ${cut} final ${final}: ${verdict}, expected ${expected}`);
          }
        }
      }
    }
  });

  test('keyOffset counts modulo 4, even far into a large frame', () => {
    const message = new Uint8Array(Buffer.from('κόσμε, hello, ' + 'x'.repeat(200), 'utf8'));
    const masked = maskedWhole(message);
    for (const keyOffset of [0, 1, 2, 3, 4, 5, 6, 7, (1 << 30) + 1, 2 ** 31 - 1]) {
      const piece = masked.slice();
      // Unmasking from payload offset keyOffset uses key byte keyOffset & 3 first.
      const rotated = Uint8Array.from({ length: 4 }, (_, i) => KEY[(i - keyOffset) & 3]);
      const verdict = kernels.unmaskAndValidate(piece, rotated, keyOffset, 0, true);
      expectBytes(piece, message, `keyOffset ${keyOffset}`);
      expect(verdict).toBe(0);
    }
  });

  test('an invalid piece is still fully unmasked and reports -1', () => {
    const message = new Uint8Array(Buffer.concat([Buffer.alloc(100, 'a'), Buffer.from('f490', 'hex'), Buffer.alloc(100, 'b')]));
    const piece = maskedWhole(message);
    expect(kernels.unmaskAndValidate(piece, KEY, 0, 0, false)).toBe(-1);
    expectBytes(piece, message, 'invalid piece');
  });
});
