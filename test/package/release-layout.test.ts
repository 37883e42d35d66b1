/**
 * The release workflow (.github/workflows/release.yml) cannot run here; what can be checked here
 * is that it agrees with the package: one prebuild per platform of its build matrix, named as
 * scripts/prebuild.mjs names it (Linux binaries tagged with their C library), in prebuilds/ which
 * package.json's `files` ships, found by node-gyp-build, and `binary` naming the N-API version
 * binding.gyp builds for.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { projectRoot } from '../helpers/packed-package.js';

const workflow = readFileSync(join(projectRoot, '.github/workflows/release.yml'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));

/** The platforms of the prebuild job's matrix: `- { platform: linux-x64, arch: x64, runner: … }`. */
const builtPlatforms = [...workflow.matchAll(/^ {10}- \{ platform: ([\w-]+), arch: /gm)].map((m) => m[1]!);
/** The files the assemble job requires in the tarball, without the tarball's `package/`. */
const carried = [...workflow.matchAll(/^ +package\/(prebuilds\/\S+)$/gm)].map((m) => m[1]!);

const scratch = mkdtempSync(join(tmpdir(), 'wsframe-layout-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('carries one prebuild for each platform the workflow builds, named as scripts/prebuild.mjs names it', () => {
  expect(builtPlatforms.sort()).toEqual(['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'linux-x64-musl', 'win32-x64']);
  const expected = builtPlatforms.map((platform) => {
    const [os, arch, libc] = platform.split('-');
    // prebuildify --tag-libc on Linux (glibc unless built on Alpine); no tag elsewhere.
    const tag = os === 'linux' ? `.${libc ?? 'glibc'}` : '';
    return `prebuilds/${os}-${arch}/wsframe${tag}.node`;
  });
  expect(carried.sort()).toEqual(expected.sort());
});

it("ships them: package.json's files has prebuilds/, and binary names binding.gyp's N-API version", () => {
  expect(packageJson.files).toContain('prebuilds/');
  const napiVersion = /"NAPI_VERSION=(\d+)"/.exec(readFileSync(join(projectRoot, 'binding.gyp'), 'utf8'))?.[1];
  expect(packageJson.binary).toEqual({ napi_versions: [Number(napiVersion)] });
});

it("node-gyp-build finds, in that layout, the binary for this machine's platform and C library", () => {
  for (const file of carried) {
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    writeFileSync(join(scratch, file), '');
  }
  // On Linux the musl and glibc binaries share prebuilds/linux-x64/: each system must get its own.
  const libc = process.platform !== 'linux' ? '' : existsSync('/etc/alpine-release') ? '.musl' : '.glibc';
  const load = require('node-gyp-build') as { resolve(dir: string): string };
  expect(relative(scratch, load.resolve(scratch))).toBe(join('prebuilds', `${process.platform}-${process.arch}`, `wsframe${libc}.node`));
});

it('leaves out on non-Debian runners every test file that uses a peer from Debian\'s packages, and only those', () => {
  const listed = /DEBIAN_PEER_TESTS: >-\n((?: {8}\S+\n)+)/.exec(workflow)?.[1]!.split('\n').map((line) => line.trim()).filter(Boolean);
  // Chromium, Python's websockets, tinyproxy through their helpers; redis-server through RedisServer.
  const peer = /from '\.\.\/helpers\/(browser|python-peer|tinyproxy)\.js'|import \{[^}]*\bRedisServer\b[^}]*\} from '\.\.\/helpers\/redis-server\.js'/;
  const testFiles = readdirSync(join(projectRoot, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => `test/${file.split(sep).join('/')}`);
  const usingPeers = testFiles.filter((file) => peer.test(readFileSync(join(projectRoot, file), 'utf8')));
  expect(usingPeers.length).toBeGreaterThan(0);
  expect(listed?.sort()).toEqual(usingPeers.sort());
});
