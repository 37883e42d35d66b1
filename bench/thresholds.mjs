/**
 * For each kernel, the input size from which the addon beats the TypeScript fallback: below it,
 * the cost of crossing into native code (tens of ns) outweighs SIMD. src/native.ts keeps inputs
 * below these sizes in TypeScript (NATIVE_MIN_LENGTH). Writes the "Native thresholds" section of
 * bench/RESULTS.md.
 *
 *   npx tsc -p tsconfig.build.json && node --expose-gc bench/thresholds.mjs
 */

import { fileURLToPath } from 'node:url';
import { compileCase, runInterleaved } from './lib/harness.mjs';
import { chunkOfTextFrames, textOfSize } from './lib/inputs.mjs';
import { loadKernels } from './lib/load-kernels.mjs';
import { describeMachine, machineMarkdown } from './lib/machine.mjs';
import { markdownTable, writeResultsSection } from './lib/results-file.mjs';

const { nativeKernels, typescriptKernels } = loadKernels();
const SIZES = [2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 1024];
const KEY = Buffer.from([0x12, 0x34, 0x56, 0x78]);
const ZERO_KEY = Buffer.alloc(4);
/** A server's scanFrames state: no message, masked frames required, no length limit. */
const SERVER_STATE = [0, 0, 1, 0x7fffffff];

/** Per function: input kinds, each a function of size returning the call to time (an expression over `k`) and its inputs. */
const functions = {
  mask: [['random', (size) => ({ body: 'k.mask(source, KEY, output, 2, size)', scope: { source: Buffer.alloc(size, 7), output: Buffer.alloc(size + 2), KEY, size } })]],
  unmask: [['random', (size) => ({ body: 'k.unmask(buffer, KEY)', scope: { buffer: Buffer.alloc(size, 7), KEY } })]],
  isValidUtf8: ['ascii', 'mixed'].map((kind) => [kind, (size) => ({ body: 'k.isValidUtf8(text)', scope: { text: textOfSize(size, kind === 'mixed') } })]),
  validateUtf8: ['ascii', 'mixed'].map((kind) => [kind, (size) => ({ body: 'k.validateUtf8(text, 0, false)', scope: { text: textOfSize(size, kind === 'mixed') } })]),
  // A zero key keeps the text valid across calls; the XOR work is the same for any key.
  unmaskAndValidate: ['ascii', 'mixed'].map((kind) => [kind, (size) => ({ body: 'k.unmaskAndValidate(text, ZERO_KEY, 0, 0, true)', scope: { text: textOfSize(size, kind === 'mixed'), ZERO_KEY } })]),
  scanFrames: [
    ['one frame', (size) => scanInput(chunkOfTextFrames(1, Math.max(0, size - 6)))],
    ['16 B frames', (size) => scanInput(chunkOfTextFrames(Math.max(1, Math.round(size / 22)), 16))],
  ],
};

function scanInput(chunk) {
  // Whole final frames leave the state as it was, so one state serves every call.
  return { body: 'k.scanFrames(chunk, 0, out, state)', scope: { chunk, out: new Int32Array(4 * 64), state: Int32Array.from(SERVER_STATE) } };
}

const cases = [];
for (const [name, kinds] of Object.entries(functions)) {
  for (const [kind, makeInput] of kinds) {
    for (const size of SIZES) {
      const { body, scope } = makeInput(size);
      for (const [implementation, k] of [['native', nativeKernels], ['typescript', typescriptKernels]]) {
        cases.push({ id: `${name}|${kind}|${size}|${implementation}`, timed: compileCase(body, { ...scope, k }), bytes: size });
      }
    }
  }
}

const machine = describeMachine();
const started = Date.now();
const ROUNDS = 9;
const results = runInterleaved(cases, { rounds: ROUNDS, targetMs: 4 });

/**
 * The smallest size from which native is at least as fast at every larger size measured, comparing
 * the sum of the ns per call over the given input kinds (ASCII and mixed text weigh the same).
 */
function crossover(name, kinds) {
  const total = (size, implementation) =>
    kinds.reduce((sum, kind) => sum + results.get(`${name}|${kind}|${size}|${implementation}`).nsPerCall, 0);
  let threshold = Infinity;
  for (let s = SIZES.length - 1; s >= 0; s--) {
    if (total(SIZES[s], 'native') > total(SIZES[s], 'typescript')) break;
    threshold = SIZES[s];
  }
  return threshold;
}

const sections = [];
const summary = [];
for (const [name, kinds] of Object.entries(functions)) {
  const perKind = kinds.map(([kind]) => `${kind}: ${crossover(name, [kind])}`).join(', ');
  summary.push([name, perKind, `**${crossover(name, kinds.map(([kind]) => kind))}**`]);
  const rows = SIZES.map((size) => [
    `${size}`,
    ...kinds.flatMap(([kind]) => {
      const native = results.get(`${name}|${kind}|${size}|native`).nsPerCall;
      const typescript = results.get(`${name}|${kind}|${size}|typescript`).nsPerCall;
      return [native.toFixed(0), typescript.toFixed(0), (typescript / native).toFixed(2)];
    }),
  ]);
  const header = ['bytes', ...kinds.flatMap(([kind]) => [`${kind}: native ns`, `${kind}: TS ns`, 'TS/native'])];
  sections.push(`### ${name}\n\n${markdownTable(header, rows)}`);
}

const body = [
  'Where the addon starts beating the TypeScript kernels (`node --expose-gc bench/thresholds.mjs`;',
  `median of ${ROUNDS} interleaved rounds, ns per call; ran in ${((Date.now() - started) / 1000).toFixed(0)} s).`,
  'A threshold is the smallest size from which native is at least as fast at every larger size measured',
  '(Infinity: never within the sizes measured). With several input kinds, the threshold compares the sum of their',
  'times (ASCII and mixed text weigh the same); `NATIVE_MIN_LENGTH` in src/native.ts takes it.',
  '',
  machineMarkdown(machine),
  '',
  markdownTable(['function', 'crossover per input kind (bytes)', 'threshold'], summary),
  '',
  ...sections.flatMap((section) => [section, '']),
].join('\n');

writeResultsSection(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'Native thresholds', body);
console.log(body);
