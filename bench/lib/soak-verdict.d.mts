// Types of soak-verdict.mjs for the tests (test/bench/soak-verdict.test.ts); the bench itself is plain JavaScript.
export declare const TOLERANCE: number;
export declare const MIN_SAMPLES: number;
export interface TrendVerdict {
  /** Samples on the whole judged span and in its last half. */
  used: number;
  lateUsed: number;
  /** Rises over the whole judged span as shares of the mean: of its line, and of its last half's line (NaN: too few samples). */
  rise: number;
  lateRise: number;
  /** undefined: inconclusive. */
  pass: boolean | undefined;
}
export declare function judgeTrend(ts: readonly number[], ys: readonly number[], tolerance?: number): TrendVerdict;
