#!/usr/bin/env node
/**
 * Builds the prebuilt addons the package carries: `npm run prebuild`, which `npm pack` runs (prepack),
 * and which .github/workflows/release.yml runs on each of its runners. prebuildify with N-API, so
 * one binary per platform and architecture serves every Node version the package supports, in
 * prebuilds/<platform>-<arch>/ where node-gyp-build looks. Linux binaries are tagged with their C
 * library (wsframe.glibc.node, wsframe.musl.node): the release's Alpine (musl) build sits beside
 * the glibc one in prebuilds/linux-x64/ and node-gyp-build picks the one matching the system.
 *
 * Arguments: the architectures to build. By default this machine's, and on linux-x64 (glibc) also arm64,
 * cross-built with g++-aarch64-linux-gnu (installed by scripts/install-test-deps.sh) through the
 * same binding.gyp, so from the same sources (native/sources.json) with the same flags.
 *
 * A compiler warning fails the build, as test/native/ fails the CMake builds on one: what is
 * shipped to every user is warning-free on every compiler that made it.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, rmSync } from 'node:fs';
import { arch as hostArch, platform } from 'node:os';

const require = createRequire(import.meta.url);
const prebuildify = require.resolve('prebuildify/bin.js');

/** Cross compilers this script knows, by `<host platform>-<host arch>` and target arch. */
const crossCompilers = {
  'linux-x64': {
    arm64: { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', strip: 'aarch64-linux-gnu-strip' },
  },
};

const host = `${platform()}-${hostArch()}`;
// The cross compilers above make glibc binaries: an Alpine (musl) machine builds its own only.
const musl = platform() === 'linux' && existsSync('/etc/alpine-release');
const crossTargets = musl ? [] : Object.keys(crossCompilers[host] ?? {});
const requested = process.argv.slice(2);
const arches = requested.length > 0 ? requested : [...crossTargets, hostArch()];
// prebuildify rebuilds in build/ and moves the addon out of it: the host's build goes last, so
// that build/ is left with this machine's objects and Makefile, which the incremental
// `node-gyp build` of scripts/ensure-build.sh goes on from.
arches.sort((a, b) => Number(a === hostArch()) - Number(b === hostArch()));

/** gcc and clang print "warning:", MSVC "warning C4244:". */
const compilerWarning = /\bwarning( C\d+)?:/;

function build(arch) {
  // A binary left from an earlier build or layout would be packed beside the new one.
  rmSync(`prebuilds/${platform()}-${arch}`, { recursive: true, force: true });
  const args = [prebuildify, '--napi', '--strip', '--target=node@20.0.0', `--arch=${arch}`];
  if (platform() === 'linux') args.push('--tag-libc');
  const env = { ...process.env };
  if (arch !== hostArch()) {
    const cross = crossCompilers[host]?.[arch];
    if (cross === undefined) throw new Error(`prebuild: no cross compiler for ${arch} on ${host}; build it on a ${platform()}-${arch} machine`);
    Object.assign(env, { CC: cross.CC, CXX: cross.CXX });
    args.push(`--strip-bin=${cross.strip}`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (out) => (chunk) => {
      out.write(chunk);
      output += chunk;
    };
    child.stdout.on('data', collect(process.stdout));
    child.stderr.on('data', collect(process.stderr));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        const hint = arch === hostArch() ? '' : ` (is ${env.CXX} installed? scripts/install-test-deps.sh installs it)`;
        reject(new Error(`prebuild: the ${platform()}-${arch} build failed${hint}`));
      } else if (compilerWarning.test(output)) {
        reject(new Error(`prebuild: the ${platform()}-${arch} build has compiler warnings (above); prebuilds ship warning-free`));
      } else resolve();
    });
  });
}

try {
  for (const arch of arches) await build(arch);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
