/** The loader (src/native.ts): which kernels the library gets, and why. */

import { expect, test, vi } from 'vitest';
import { kernels, nativeAddon, nativeKernels, nativeLoadError, typescriptKernels } from '../../src/native.js';

test('in CI the addon is built and loads (native cases are never silently skipped there)', () => {
  // Only WSFRAME_NO_NATIVE=1, a deliberate run of the fallback, may leave it out in CI.
  if (process.env.CI && process.env.WSFRAME_NO_NATIVE !== '1') expect(nativeLoadError).toBeUndefined();
  expect(nativeAddon === undefined).toBe(nativeLoadError !== undefined);
});

test('the library uses the addon when it loaded, the TypeScript kernels otherwise', () => {
  if (nativeAddon === undefined) {
    expect(kernels).toBe(typescriptKernels);
    expect(nativeKernels).toBeUndefined();
  } else {
    expect(kernels.name).toBe('native');
    expect(nativeKernels?.isa).toBe(nativeAddon.isa);
    expect(nativeAddon.availableIsas()).toContain('scalar');
  }
});

test('WSFRAME_NO_NATIVE=1 forces the TypeScript kernels', async () => {
  vi.resetModules();
  vi.stubEnv('WSFRAME_NO_NATIVE', '1');
  try {
    const forced = await import('../../src/native.js');
    expect(forced.kernels.name).toBe('typescript');
    expect(forced.nativeAddon).toBeUndefined();
    expect(forced.nativeLoadError?.message).toContain('WSFRAME_NO_NATIVE');
  } finally {
    vi.unstubAllEnvs();
    vi.resetModules();
  }
});
