/**
 * The churn soak's in-run memory verdict (bench/soak.mjs), apart so that it can be tested on made-up
 * series: samples in, verdict out, no I/O.
 *
 * A leak is growth that goes on to the end of the run. One least-squares line through every judged
 * sample cannot tell that from a single step: in one native-transport run RSS stepped back up to an
 * earlier plateau after the warm-up's settle had returned memory to the kernel, then stayed flat for
 * six minutes, and the line rose 21.78 % (bench/RESULTS.md). So two lines are fitted:
 * - through the whole judged span, as before: is the series higher at the end than after the warm-up?
 * - through the last half of that span (by time), its slope taken over the whole span so that both
 *   rises read on one scale: is the series still rising at the end?
 * A series fails only when both rise by more than the tolerance (a share of its mean). A steady leak,
 * fast or slow, rises on both alike; a step followed by a flat last half rises on the first only.
 * Why both, not the last half alone: that line has half the samples over half the time, so once
 * taken over the whole span its noise is about 2.8 times the whole line's; needing both, it cannot
 * fail a run by itself, and every run the single line passed still passes.
 * What this forgives: a step, only when the series is flat for at least the last half of the judged
 * span (a step within it tilts the last-half line, and it fails like a leak). With fewer than
 * MIN_SAMPLES on the whole span the verdict is inconclusive (`pass` undefined); with fewer in the
 * last half a rise on the whole span cannot be shown to have stopped, and fails.
 */

/** The largest rise allowed, as a share of the series' mean. */
export const TOLERANCE = 0.05;
/** The fewest samples a line is fitted through. */
export const MIN_SAMPLES = 3;

/**
 * `ts` (seconds, increasing) and `ys` are the judged samples of one series. Returns the rises of
 * both lines over the judged span as shares of the mean (NaN where too few samples), the sample
 * counts, and `pass`: true, false, or undefined (inconclusive).
 */
export function judgeTrend(ts, ys, tolerance = TOLERANCE) {
  const used = ts.length;
  if (used < MIN_SAMPLES) return { used, rise: NaN, lateUsed: 0, lateRise: NaN, pass: undefined };
  const span = ts[used - 1] - ts[0];
  const mean = average(ys);
  const rise = (slope(ts, ys) * span) / mean;
  const lateFrom = ts.findIndex((t) => t >= ts[0] + span / 2);
  const lateUsed = used - lateFrom;
  const lateRise = lateUsed < MIN_SAMPLES ? NaN : (slope(ts.slice(lateFrom), ys.slice(lateFrom)) * span) / mean;
  return { used, rise, lateUsed, lateRise, pass: rise <= tolerance || lateRise <= tolerance };
}

/** The slope of the least-squares line through (xs, ys). */
function slope(xs, ys) {
  const mx = average(xs);
  const my = average(ys);
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < xs.length; i++) {
    covariance += (xs[i] - mx) * (ys[i] - my);
    variance += (xs[i] - mx) ** 2;
  }
  return covariance / variance;
}

function average(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
