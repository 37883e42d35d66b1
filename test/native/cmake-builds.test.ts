/**
 * The CMake side of the one source list (native/sources.json). First the native kernels' own C++
 * test (native/test/kernel_tests.cc: every ISA against the scalar reference at every length,
 * alignment and key rotation, streaming splits, scanFrames), built by CMake from the same source
 * list as the addon: under AddressSanitizer and UBSan on this machine, and cross-built for arm64
 * and run under qemu-user, where the NEON kernels are the ones chosen.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const require = createRequire(__filename);

it('passes under ASan and UBSan', () => {
  const output = execFileSync('npm', ['run', '--silent', 'test:native:sanitize'], {
    cwd: resolve(__dirname, '../..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(output).toMatch(/100% tests passed/);
  expect(output).not.toMatch(/runtime error|AddressSanitizer/);
  expect(output).not.toMatch(/warning:/);
}, 300_000);

it('the NEON kernels pass on arm64 (cross-built with the same flags, run under qemu-user)', () => {
  const output = execFileSync('npm', ['run', '--silent', 'test:native:arm64'], {
    cwd: resolve(__dirname, '../..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // kernel_tests prints one line per instruction set it ran (native/test/kernel_tests.cc).
  expect(output).toMatch(/^\d+: neon +ok$/m);
  expect(output).toMatch(/^\d+: scalar +ok$/m);
  expect(output).toMatch(/100% tests passed/);
  expect(output).not.toMatch(/warning:/);
}, 300_000);

it('cmake-js builds the same addon from the same source list as node-gyp', () => {
  const root = resolve(__dirname, '../..');
  execFileSync('npm', ['run', '--silent', 'build:native:cmake'], { cwd: root, stdio: 'ignore' });
  const viaCmake = require(resolve(root, 'build-native/addon/Release/wsframe.node'));
  const viaGyp = require(resolve(root, 'build/Release/wsframe.node'));
  expect(viaCmake.availableIsas()).toEqual(viaGyp.availableIsas());
  const text = Buffer.from('κόσμε and some ASCII to cross a vector boundary........');
  expect(viaCmake.validateUtf8(text, 0, true)).toBe(0);
  expect(viaCmake.validateUtf8(text.subarray(0, 1), 0, false)).toBe(viaGyp.validateUtf8(text.subarray(0, 1), 0, false));
}, 300_000);
