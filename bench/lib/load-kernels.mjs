/** The compiled loader (dist/native.js, built by `npx tsc -p tsconfig.build.json`), for the benchmarks. */

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function loadKernels() {
  let loader;
  try {
    loader = require('../../dist/native.js');
  } catch (error) {
    throw new Error(`dist/native.js is missing: run \`npx tsc -p tsconfig.build.json\` first (${error.message})`);
  }
  if (loader.nativeAddon === undefined) {
    throw new Error(`the native addon did not load, build it with \`npx node-gyp rebuild\`: ${loader.nativeLoadError?.message}`);
  }
  return loader;
}
