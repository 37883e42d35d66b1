// Every split of a byte stream gives the same events (any-split.property.ts), with the kernels
// the library loads (the addon when it is built, TypeScript for small inputs).
import { describe, it } from 'vitest';
import { checkAnySplit } from './any-split.property.js';

describe('any split of a stream', () => {
  it('gives the same events as the unsplit stream, in both roles and both delivery modes', () => {
    checkAnySplit(300);
  });
});
