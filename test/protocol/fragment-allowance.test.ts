// The fragment allowance with the kernels the library loads (native scanFrames where built).
import { kernels } from '../../src/native.js';
import { fragmentAllowanceTests } from './fragment-allowance.cases.js';

fragmentAllowanceTests(kernels.name);
