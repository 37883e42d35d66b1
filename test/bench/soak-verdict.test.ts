import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../kernels/random.js';

// The bench is ES modules and this file compiles as CommonJS: a dynamic import loads it.
let judgeTrend: typeof import('../../bench/lib/soak-verdict.mjs', { with: { 'resolution-mode': 'import' } }).judgeTrend;
let TOLERANCE: number;
beforeAll(async () => {
  ({ judgeTrend, TOLERANCE } = await import('../../bench/lib/soak-verdict.mjs'));
});

/**
 * Made-up RSS series shaped like the soak's: a sample every 10 s from the end of the default 120 s
 * warm-up to the end of a 10-minute run (49 samples), around 100 MB, with ±1 MB of noise (what the
 * quiet runs' plateaus wander by).
 */
const ts = Array.from({ length: 49 }, (_, i) => 120 + 10 * i);
const span = ts.at(-1)! - ts[0];

function series(shape: (t: number) => number, seed = 1): number[] {
  const random = seededRandom(seed);
  return ts.map((t) => shape(t) + (random() * 2 - 1));
}

describe('soak in-run verdict (bench/lib/soak-verdict.mjs)', () => {
  it('passes a flat series with noise', () => {
    const verdict = judgeTrend(ts, series(() => 100));
    expect(verdict.pass).toBe(true);
    expect(verdict.used).toBe(49);
    expect(verdict.lateUsed).toBe(25);
  });

  it('fails a steady leak of 10 MB over the run, on both lines', () => {
    const verdict = judgeTrend(ts, series((t) => 100 + (10 * (t - ts[0])) / span));
    expect(verdict.pass).toBe(false);
    expect(verdict.rise).toBeGreaterThan(TOLERANCE);
    expect(verdict.lateRise).toBeGreaterThan(TOLERANCE);
  });

  it('fails a slow leak just over the tolerance, as the single line did (7 MB over the run)', () => {
    const verdict = judgeTrend(ts, series((t) => 100 + (7 * (t - ts[0])) / span));
    expect(verdict.rise).toBeGreaterThan(TOLERANCE);
    expect(verdict.pass).toBe(false);
  });

  it('fails a leak that starts only halfway through the run', () => {
    const verdict = judgeTrend(ts, series((t) => 100 + Math.max(0, (12 * (t - ts[0] - span / 2)) / span)));
    expect(verdict.pass).toBe(false);
  });

  it('passes, as the single line did, a rise that starts halfway and stays under the tolerance over the run', () => {
    // The last half's line alone rises ~8 % here: a series fails only when both lines rise too much.
    const verdict = judgeTrend(ts, series((t) => 100 + Math.max(0, (8 * (t - ts[0] - span / 2)) / span)));
    expect(verdict.lateRise).toBeGreaterThan(TOLERANCE);
    expect(verdict.pass).toBe(true);
  });

  it('passes one step up early in the run and flat after it (the +21.78 % native run), which the single line failed', () => {
    // RSS 71.6 MB after the warm-up's settle, back up to its 104 MB plateau ~100 s later, flat to the end.
    const verdict = judgeTrend(ts, series((t) => 71.6 + 32.4 * Math.min(1, (t - ts[0]) / 100)));
    expect(verdict.rise).toBeGreaterThan(TOLERANCE);
    expect(verdict.lateRise).toBeLessThanOrEqual(TOLERANCE);
    expect(verdict.pass).toBe(true);
  });

  it('fails the same step when it comes in the last half of the run (too little flat after it to tell it from a leak)', () => {
    const verdict = judgeTrend(ts, series((t) => (t - ts[0] < 0.7 * span ? 100 : 130)));
    expect(verdict.pass).toBe(false);
  });

  it('passes a GC sawtooth of 8 % of the mean that ends on a peak', () => {
    // Up 8 MB in 60 s, then a collection drops it back (a tooth every 70 s): the first sample is at
    // the bottom of a tooth, the last at the top of one.
    const verdict = judgeTrend(ts, series((t) => 100 + (8 * ((t - ts[0]) % 70)) / 60));
    expect(verdict.pass).toBe(true);
  });

  it('is inconclusive with fewer than 3 samples', () => {
    expect(judgeTrend([120, 130], [100, 120]).pass).toBeUndefined();
    expect(judgeTrend([120, 130, 140], [100, 100, 100]).pass).toBe(true);
  });

  it('fails a rise whose last half has too few samples to show it stopped', () => {
    const verdict = judgeTrend([120, 130, 140, 590, 600], [100, 100, 100, 130, 130]);
    expect(verdict.lateUsed).toBe(2);
    expect(verdict.pass).toBe(false);
  });
});
