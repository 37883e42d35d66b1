// The fragment allowance with the TypeScript kernels forced (WSFRAME_NO_NATIVE=1): the fallback's
// scanFrames takes whole chunks there. Imports are dynamic: the switch is read when
// src/native.ts loads, and each test file gets its own module registry.
import { describe, expect, it } from 'vitest';

process.env.WSFRAME_NO_NATIVE = '1';

describe('with WSFRAME_NO_NATIVE=1', async () => {
  const { kernels } = await import('../../src/native.js');
  it('the TypeScript kernels are in use', () => expect(kernels.name).toBe('typescript'));
  const { fragmentAllowanceTests } = await import('./fragment-allowance.cases.js');
  fragmentAllowanceTests(kernels.name);
});
