// The same property with the TypeScript kernels forced (WSFRAME_NO_NATIVE=1), so the fallback's
// scanFrames carries whole chunks too. Imports are dynamic: the switch is read when
// src/native.ts loads, and each test file gets its own module registry.
import { describe, expect, it } from 'vitest';

process.env.WSFRAME_NO_NATIVE = '1';

describe('any split of a stream, TypeScript kernels', () => {
  it('gives the same events as the unsplit stream', async () => {
    const { kernels } = await import('../../src/native.js');
    expect(kernels.name).toBe('typescript');
    const { checkAnySplit } = await import('./any-split.property.js');
    checkAnySplit(200);
  });
});
