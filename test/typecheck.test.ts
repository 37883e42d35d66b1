/** The sources and the tests type-check under the strict settings (vitest itself only strips types). */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

it('tsc finds no type error in src/ or test/', () => {
  const tsc = resolve(__dirname, '../node_modules/typescript/bin/tsc');
  expect(() => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.test.json'], { cwd: resolve(__dirname, '..'), encoding: 'utf8' })).not.toThrow();
}, 120_000);
