/** A description of the machine a benchmark ran on, for bench/RESULTS.md. */

import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The SIMD-relevant CPU flags (x86 /proc/cpuinfo "flags", arm64 "Features"). */
const INTERESTING_FLAGS = ['sse2', 'ssse3', 'sse4_2', 'avx', 'avx2', 'avx512f', 'avx512bw', 'avx512vl', 'avx512vbmi', 'asimd', 'neon'];

export function describeMachine() {
  let flags = [];
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    const line = cpuinfo.split('\n').find((l) => /^(flags|Features)\s*:/.test(l)) ?? '';
    const present = new Set(line.split(':')[1]?.trim().split(/\s+/) ?? []);
    flags = INTERESTING_FLAGS.filter((flag) => present.has(flag));
  } catch {
    // Not Linux: the model name and core count are still useful.
  }
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    flags: flags.join(' '),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    load: os.loadavg().map((load) => load.toFixed(2)).join(' '),
  };
}

export function machineMarkdown(machine) {
  return [
    `- CPU: ${machine.cpu}, ${machine.cores} cores (${machine.platform}); SIMD flags: ${machine.flags || 'n/a'}`,
    `- Node ${machine.node}; load average at start: ${machine.load}`,
  ].join('\n');
}
