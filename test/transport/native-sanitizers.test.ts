/**
 * The native transport's C++ under AddressSanitizer and UBSan: the addon built with
 * -fsanitize=address,undefined (npm run build:native:sanitize, a separate build directory), loaded
 * through WSFRAME_ADDON_PATH into a node that preloads the sanitizer runtimes, runs
 * native-transport.test.ts, borrowed-messages.test.ts (the reused read buffer) and
 * adopt-socket.test.ts (attached mode's descriptors taken over). Leak detection is off: Node itself does not free everything at exit.
 * Any report aborts the process (-fno-sanitize-recover=all), so a report fails this test.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { nativeTransport } from '../../src/transport/native-transport.js';

const root = resolve(__dirname, '../..');

function runtime(name: string): string {
  return execFileSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
}

it.skipIf(nativeTransport === undefined)('the transport tests pass on the ASan + UBSan build, with no report', () => {
  execFileSync('npm', ['run', '--silent', 'build:native:sanitize'], { cwd: root, stdio: 'ignore' });
  const env = {
    ...process.env,
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    LD_PRELOAD: `${runtime('libasan.so')}:${runtime('libubsan.so')}`,
    ASAN_OPTIONS: 'detect_leaks=0',
    UBSAN_OPTIONS: 'print_stacktrace=1',
    WSFRAME_ADDON_PATH: resolve(root, 'build-native/addon-sanitize/RelWithDebInfo/wsframe.node'),
  };
  // The sanitizer build is the one loaded, with the runtime in the process.
  const loaded = execFileSync(
    process.execPath,
    ['-e', "require('./dist/native.js'); const maps = require('fs').readFileSync('/proc/self/maps', 'utf8'); console.log(maps.includes('addon-sanitize/RelWithDebInfo/wsframe.node') && maps.includes('libasan'))"],
    { cwd: root, env, encoding: 'utf8' },
  );
  expect(loaded.trim()).toBe('true');
  const output = execFileSync('npx', ['--no-install', 'vitest', 'run', '--project', 'native', 'test/transport/native-transport.test.ts', 'test/server/borrowed-messages.test.ts', 'test/transport/adopt-socket.test.ts'], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [, passed, total] = /Tests\s+(\d+) passed \((\d+)\)/.exec(output) ?? [];
  expect(Number(passed)).toBeGreaterThan(0);
  expect(passed).toBe(total); // none failed or skipped
  expect(output).not.toMatch(/AddressSanitizer|runtime error/);
}, 300_000);
