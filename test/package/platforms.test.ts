/**
 * The platforms a pack made here carries: `npm pack` builds prebuilds/linux-x64/ and, cross-built
 * with g++-aarch64-linux-gnu, prebuilds/linux-arm64/ (scripts/prebuild.mjs), both warning-free
 * (a warning fails the build, shown on a copy of the sources given one).
 * The tarball, installed with install scripts off, passes one smoke test (test/package/smoke.cjs)
 * on this machine's Node and on a real arm64 Node — the official Node 24 binary
 * (scripts/fetch-node.sh) run under qemu-user — which must load the arm64 prebuild and pick NEON.
 * Only this x86-64 Linux machine can make this pack: the release workflow builds the others.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packAndInstall, projectRoot, run } from '../helpers/packed-package.js';

let scratch = '';
let installed = '';
let packOutput = '';
let arm64Node = '';

beforeAll(() => {
  ({ scratch, installed, packOutput } = packAndInstall('platforms', ['--ignore-scripts']));
  copyFileSync(join(__dirname, 'smoke.cjs'), join(scratch, 'smoke.cjs'));
  arm64Node = run('bash', ['scripts/fetch-node.sh', 'arm64', '24'], projectRoot).trim();
}, 480_000); // the pack builds TypeScript and two addons: over 3 minutes on a busy 2-core machine

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

/** ELF e_machine values (the System V ABI's registry). */
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

function elfMachine(file: string): number {
  const header = readFileSync(file).subarray(0, 20);
  expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  return header.readUInt16LE(18);
}

interface SmokeReport {
  arch: string;
  node: string;
  kernels: { name: string; isa: string };
  results: { transport: string; text: boolean; binary: boolean; client: unknown; server: unknown }[];
}

function smoke(command: string, args: string[]): SmokeReport {
  return JSON.parse(run(command, [...args, 'smoke.cjs'], scratch).trim().split('\n').pop()!);
}

/** Every transport exchanged both messages and closed with 1000 on both sides. */
function expectCleanExchanges(report: SmokeReport): void {
  expect(report.results.length).toBeGreaterThan(0);
  for (const result of report.results) {
    expect(result).toEqual({
      transport: result.transport,
      text: true,
      binary: true,
      client: { state: 'CLOSED', closeStatus: { code: 1000, reason: expect.any(String) } }, // the server's reply
      server: { code: 1000, reason: 'smoke done', wasClean: true },
    });
  }
}

it('packs one N-API prebuild per Linux architecture, each for its machine, built without a compiler warning', () => {
  expect(readdirSync(join(installed, 'prebuilds')).sort()).toEqual(['linux-arm64', 'linux-x64']);
  expect(readdirSync(join(installed, 'prebuilds', 'linux-x64'))).toEqual(['wsframe.glibc.node']);
  expect(readdirSync(join(installed, 'prebuilds', 'linux-arm64'))).toEqual(['wsframe.glibc.node']);
  expect(elfMachine(join(installed, 'prebuilds', 'linux-x64', 'wsframe.glibc.node'))).toBe(EM_X86_64);
  expect(elfMachine(join(installed, 'prebuilds', 'linux-arm64', 'wsframe.glibc.node'))).toBe(EM_AARCH64);
  // The compilers' output is in what npm pack printed (two builds linked), and it has no warning.
  expect(packOutput.match(/SOLINK_MODULE\(target\)/g)).toHaveLength(2);
  expect(packOutput).not.toMatch(/\bwarning:/);
});

it('passes the smoke test on this x86-64 Node from the installed tarball, with the x64 prebuild', () => {
  const report = smoke(process.execPath, []);
  expect(report.arch).toBe('x64');
  expect(report.kernels.name).toBe('native');
  expect(report.kernels.isa).toMatch(/^(avx512|avx2|sse2)$/);
  expect(report.results.map((r) => r.transport)).toEqual(['native', 'node']); // the prebuild carries the native transport
  expectCleanExchanges(report);
});

it('passes the same smoke test on a real arm64 Node 24 under qemu-user, with the arm64 prebuild and NEON', () => {
  const report = smoke('qemu-aarch64', ['-L', '/usr/aarch64-linux-gnu', arm64Node]);
  expect(report.arch).toBe('arm64');
  expect(report.node).toMatch(/^v24\./);
  expect(report.kernels).toEqual({ name: 'native', isa: 'neon' });
  expectCleanExchanges(report);
  // The same transports as on x86-64: the native one is in both prebuilds.
  expect(report.results.map((r) => r.transport)).toEqual(smoke(process.execPath, []).results.map((r) => r.transport));
}, 120_000);

it('fails the prebuild on a compiler warning (here the arm64 cross build)', () => {
  const source = join(scratch, 'with-a-warning');
  for (const path of ['package.json', 'binding.gyp', 'native', 'scripts']) cpSync(join(projectRoot, path), join(source, path), { recursive: true });
  symlinkSync(join(projectRoot, 'node_modules'), join(source, 'node_modules'), 'junction');
  appendFileSync(join(source, 'native', 'mask.cc'), '\nstatic int unused_for_the_test() { return 0; }\n'); // -Wunused-function
  const build = spawnSync('npm', ['run', '--silent', 'prebuild', '--', 'arm64'], { cwd: source, encoding: 'utf8' });
  expect(build.stdout + build.stderr).toMatch(/mask\.cc:\d+:\d+: warning: .*unused_for_the_test/);
  expect(build.stderr).toMatch(/prebuild: the linux-arm64 build has compiler warnings/);
  expect(build.status).toBe(1);
}, 240_000);
