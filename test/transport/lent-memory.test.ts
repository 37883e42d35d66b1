/**
 * src/transport/lent-memory.ts: which bytes count as lent, the copy `kept` makes of them, and
 * the pool of lent message buffers (given back only after settle(), bounded).
 */
import { describe, expect, it } from 'vitest';
import { isLent, kept, lend, lentMessages } from '../../src/transport/lent-memory.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Takes and delivers buffers of these sizes, then settles: what the pool keeps. */
function cycle(sizes: number[]): Uint8Array[] {
  const taken = sizes.map((size) => lentMessages.take(size));
  for (const buffer of taken) lentMessages.delivered(buffer);
  lentMessages.settle();
  return taken;
}

describe('lent memory', () => {
  it('kept() copies a view of lent memory and returns any other view as it is', () => {
    const memory = Buffer.allocUnsafeSlow(64);
    memory.fill(5);
    lend(memory.buffer);
    const view = memory.subarray(8, 24);
    expect(isLent(view)).toBe(true);
    const copy = kept(view);
    expect(copy).not.toBe(view);
    expect(isLent(copy)).toBe(false);
    memory.fill(9);
    expect([...copy]).toEqual(new Array(16).fill(5));
    const owned = Buffer.alloc(16);
    expect(kept(owned)).toBe(owned);
  });

  it('message buffers of 64 KiB or more are lent, and lent again only after settle()', () => {
    const small = lentMessages.take(1000);
    expect(isLent(small)).toBe(false);
    const first = lentMessages.take(MiB);
    expect(isLent(first)).toBe(true);
    lentMessages.delivered(first);
    expect(lentMessages.take(MiB)).not.toBe(first); // still settling: its echo may not be written yet
    lentMessages.settle();
    expect(lentMessages.take(MiB)).toBe(first);
  });

  it('takes the smallest free buffer that fits', () => {
    const [a, b] = cycle([2 * MiB, MiB]);
    expect(lentMessages.take(900 * KiB)).toBe(b);
    expect(lentMessages.take(900 * KiB)).toBe(a);
    expect(lentMessages.take(900 * KiB)).not.toBe(a);
  });

  it('keeps at most 8 buffers and 32 MiB', () => {
    while (lentMessages.pooledBytes > 0) lentMessages.take(64 * KiB); // empty it
    cycle(new Array(12).fill(128 * KiB));
    expect(lentMessages.pooledBytes).toBe(8 * 128 * KiB);
    while (lentMessages.pooledBytes > 0) lentMessages.take(64 * KiB);
    cycle([12 * MiB, 12 * MiB, 12 * MiB]);
    expect(lentMessages.pooledBytes).toBe(24 * MiB);
  });
});
