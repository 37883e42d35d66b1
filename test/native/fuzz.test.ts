/**
 * The libFuzzer targets of the native kernels (native/fuzz/README.md), each differential against
 * the scalar reference under ASan and UBSan, built from the one source list and run here for a
 * short bounded time each (10 s) from the seed corpus; scripts/fuzz.sh runs them longer
 * (FUZZING.md has the long runs and what they found).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const TARGETS = ['mask', 'utf8_stream', 'unmask_validate', 'scan_frames', 'plain_upgrade'];

it('every fuzz target builds and runs 10 s from the seeds without a finding', () => {
  const output = execFileSync('bash', ['scripts/fuzz.sh', '10'], {
    cwd: resolve(__dirname, '../..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const target of TARGETS) {
    // The target ran a real number of inputs, not just its seeds.
    const runs = Number(new RegExp(`^fuzz_${target}: (\\d+) runs in 10 s \\(\\d+ CPU s\\), nothing found$`, 'm').exec(output)?.[1]);
    expect(runs, `fuzz_${target}`).toBeGreaterThan(1000);
  }
}, 300_000);
