/**
 * A small timing harness for the micro-benchmarks. The machine is shared and noisy, so every
 * case is measured in several rounds, the rounds interleave all cases (a slow moment hits
 * every case alike), and a case reports the median of its rounds.
 */

/** Runs `fn` `iterations` times and returns nanoseconds per call. */
function timeCalls(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** How many calls of `fn` take about `targetMs` (at least 1); also warms `fn` up. */
function calibrate(fn, targetMs) {
  let iterations = 1;
  for (;;) {
    const nsPerCall = timeCalls(fn, iterations);
    const totalMs = (nsPerCall * iterations) / 1e6;
    if (totalMs >= targetMs / 4 || iterations >= 1 << 24) {
      return Math.max(1, Math.round((targetMs * 1e6) / nsPerCall));
    }
    iterations *= 4;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * cases: [{ id, fn, bytes, before? }] where `bytes` is the payload size one call processes and
 * `before` (optional) runs before each timed batch of the case, e.g. to select a native ISA.
 * Returns a Map id → { nsPerCall, gbPerSecond } (medians over `rounds` interleaved rounds).
 */
export function runInterleaved(cases, { rounds = 5, targetMs = 10 } = {}) {
  const iterations = new Map(
    cases.map((c) => {
      c.before?.();
      return [c.id, calibrate(c.fn, targetMs)];
    }),
  );
  const samples = new Map(cases.map((c) => [c.id, []]));
  for (let round = 0; round < rounds; round++) {
    // A different order each round, so no case always runs right after the same neighbour.
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    for (const c of order) {
      globalThis.gc?.();
      c.before?.();
      samples.get(c.id).push(timeCalls(c.fn, iterations.get(c.id)));
    }
  }
  const results = new Map();
  for (const c of cases) {
    const nsPerCall = median(samples.get(c.id));
    results.set(c.id, { nsPerCall, gbPerSecond: c.bytes / nsPerCall });
  }
  return results;
}
