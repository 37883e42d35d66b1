/**
 * The pure TypeScript implementation of the kernels (src/kernels.ts), with results identical to
 * the addon's (native/README.md). Used when the addon is not available or WSFRAME_NO_NATIVE=1,
 * and for inputs too small to be worth a call into native code (src/native.ts).
 */

import type { Kernels } from '../kernels.js';
import { mask, unmask } from './mask.js';
import { scanFrames } from './scan-frames.js';
import { unmaskAndValidate } from './unmask-and-validate.js';
import { isValidUtf8, validateUtf8 } from './utf8.js';

export const typescriptKernels: Kernels = {
  name: 'typescript',
  isa: 'typescript',
  mask,
  unmask,
  isValidUtf8,
  validateUtf8,
  unmaskAndValidate,
  scanFrames,
};
