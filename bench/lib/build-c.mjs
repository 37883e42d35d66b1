/** Compiles a C program of bench/ into bench/.work/, again when any of its sources is newer than the binary. */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..');
/** What the C programs here include besides their own file (bench/loadgen.c, bench/broadcast-sub.c). */
const SHARED_HEADERS = ['ws-client.h'];

/**
 * `name`: bench/NAME.c, built into bench/.work/NAME with `cc -O2 [flags] -o binary source [libs]`
 * when the binary is missing, older than NAME.c or a shared header, or `force`. Returns its path.
 */
export function buildC(name, { flags = [], libs = [], force = false } = {}) {
  const work = join(bench, '.work');
  mkdirSync(work, { recursive: true });
  const source = join(bench, `${name}.c`);
  const binary = join(work, name);
  const newest = Math.max(...[source, ...SHARED_HEADERS.map((h) => join(bench, h))].map((f) => statSync(f).mtimeMs));
  if (force || !existsSync(binary) || statSync(binary).mtimeMs < newest) {
    const argv = ['-O2', ...flags, '-o', binary, source, ...libs];
    const result = spawnSync('cc', argv, { cwd: bench, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`cc ${argv.join(' ')} failed (${result.status})`);
  }
  return binary;
}
