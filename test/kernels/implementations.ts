/**
 * Every kernel test runs against every implementation: the TypeScript fallback, the addon once
 * per ISA this CPU supports (switched with useIsa, restored afterwards), and `kernels`, the
 * size-threshold mix the library actually uses. Native cases are skipped only when the addon is
 * not built, and then loudly (the CI build always builds it; see native-loader.test.ts).
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Kernels } from '../../src/kernels.js';
import { kernels, nativeAddon, nativeKernels, nativeLoadError, typescriptKernels } from '../../src/native.js';

export interface Implementation {
  label: string;
  kernels: Kernels;
  /** Native only: the ISA to switch to while this implementation's tests run. */
  isa?: string;
}

function implementations(): Implementation[] {
  const list: Implementation[] = [{ label: 'typescript', kernels: typescriptKernels }];
  if (nativeAddon !== undefined && nativeKernels !== undefined) {
    for (const isa of nativeAddon.availableIsas()) {
      list.push({ label: `native ${isa}`, kernels: nativeKernels, isa });
    }
    list.push({ label: 'kernels (TypeScript below the thresholds, native above)', kernels });
  }
  return list;
}

/** `describe(title)` once per implementation, with the right ISA selected for its tests. */
export function describeEachImplementation(title: string, body: (kernels: Kernels) => void): void {
  describeEach(implementations(), title, body);
}

/** The same over the native implementations only, for tests that compare them with TypeScript. */
export function describeEachNativeImplementation(title: string, body: (kernels: Kernels) => void): void {
  describeEach(
    implementations().filter((implementation) => implementation.kernels !== typescriptKernels),
    title,
    body,
  );
}

function describeEach(list: Implementation[], title: string, body: (kernels: Kernels) => void): void {
  for (const implementation of list) {
    describe(`${title} [${implementation.label}]`, () => {
      const isa = implementation.isa;
      if (isa !== undefined && nativeAddon !== undefined) {
        const addon = nativeAddon;
        let previous = addon.isa;
        beforeAll(() => {
          previous = addon.isa;
          addon.useIsa(isa);
        });
        afterAll(() => addon.useIsa(previous));
        test(`the addon runs its ${isa} kernels for these tests`, () => expect(addon.isa).toBe(isa));
      }
      body(implementation.kernels);
    });
  }
  if (nativeAddon === undefined) {
    test.skip(`${title} [native]: NATIVE ADDON NOT LOADED, NATIVE CASES SKIPPED (${nativeLoadError?.message.split('\n')[0]})`, () => {});
  }
}
