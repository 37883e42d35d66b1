/**
 * A small timing harness for the micro-benchmarks. The machine is shared and noisy, so every
 * case is measured in several rounds, the rounds interleave all cases (a slow moment hits
 * every case alike), and a case reports the median of its rounds.
 *
 * Each case's timing loop is compiled from source on its own (as benchmark.js does): V8 keeps
 * type feedback per function literal, so one shared `() => k.unmask(...)` closure for several
 * implementations would make the call polymorphic and slow down whichever was not first.
 */

/**
 * Compiles `source`, the text of a function expression, as a function literal of its own, with
 * the names of `scope` in its scope.
 */
export function compileFunction(source, scope) {
  return new Function(...Object.keys(scope), `return ${source};`)(...Object.values(scope));
}

/**
 * Compiles `body` (an expression, evaluated once per call) into a timer of its own.
 * `scope` names the values the expression uses. The timer runs the expression `n` times and
 * returns [nanoseconds per call, the last result].
 */
export function compileCase(body, scope) {
  return compileFunction(
    `function timed(n) {
      let result;
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) result = ${body};
      return [Number(process.hrtime.bigint() - start) / n, result];
    }`,
    scope,
  );
}

/** How many calls take about `targetMs` (at least 1); also warms the case up. */
function calibrate(timed, targetMs) {
  let iterations = 1;
  for (;;) {
    const [nsPerCall] = timed(iterations);
    if ((nsPerCall * iterations) / 1e6 >= targetMs / 4 || iterations >= 1 << 24) {
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
 * cases: [{ id, timed, bytes, before? }]: `timed` from compileCase, `bytes` the payload size one
 * call processes, `before` (optional) runs before each timed batch, e.g. to select a native ISA.
 * Returns a Map id → { nsPerCall, gbPerSecond } (medians over `rounds` interleaved rounds).
 */
export function runInterleaved(cases, { rounds = 5, targetMs = 10 } = {}) {
  const iterations = new Map(
    cases.map((c) => {
      c.before?.();
      return [c.id, calibrate(c.timed, targetMs)];
    }),
  );
  const samples = new Map(cases.map((c) => [c.id, []]));
  for (let round = 0; round < rounds; round++) {
    // A different order each round, so no case always runs right after the same neighbour.
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    for (const c of order) {
      globalThis.gc?.();
      c.before?.();
      samples.get(c.id).push(c.timed(iterations.get(c.id))[0]);
    }
  }
  const results = new Map();
  for (const c of cases) {
    const nsPerCall = median(samples.get(c.id));
    results.set(c.id, { nsPerCall, gbPerSecond: c.bytes / nsPerCall });
  }
  return results;
}
