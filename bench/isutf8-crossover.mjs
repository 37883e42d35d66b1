// Where Node's own buffer.isUtf8 stops beating the addon's isValidUtf8 (src/native.ts,
// NODE_IS_UTF8_MAX_LENGTH). Interleaved rounds, median ns per call, ASCII and mixed text.
//   node bench/isutf8-crossover.mjs
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';

const { nativeAddon } = createRequire(import.meta.url)('../dist/native.js');
if (nativeAddon === undefined) throw new Error('the addon is not built (npx node-gyp rebuild)');
const sizes = [16, 125, 512, 1024, 2048, 4096, 8192, 16384, 65536];
const rounds = 7;

function nsPerCall(fn, buffer) {
  const calls = Math.max(20_000, Math.floor(2e7 / buffer.length));
  for (let i = 0; i < 1000; i++) fn(buffer);
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn(buffer);
  return Number(process.hrtime.bigint() - start) / calls;
}

const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
const cases = sizes.flatMap((size) => [
  ['ascii', size, Buffer.alloc(size, 0x61)],
  ['mixed', size, Buffer.from('aé€😀'.repeat(size)).subarray(0, size - (size % 10))],
]);
const times = new Map(cases.map(([kind, size]) => [`${kind} ${size}`, { node: [], addon: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const [kind, size, buffer] of cases) {
    const entry = times.get(`${kind} ${size}`);
    if (!isUtf8(buffer)) throw new Error('test text is not UTF-8');
    entry.node.push(nsPerCall(isUtf8, buffer));
    entry.addon.push(nsPerCall(nativeAddon.isValidUtf8, buffer));
  }
}
console.log('| bytes | ASCII: isUtf8 ns | ASCII: addon ns | mixed: isUtf8 ns | mixed: addon ns |');
console.log('| --- | --- | --- | --- | --- |');
for (const size of sizes) {
  const a = times.get(`ascii ${size}`);
  const m = times.get(`mixed ${size}`);
  console.log(`| ${size} | ${median(a.node).toFixed(0)} | ${median(a.addon).toFixed(0)} | ${median(m.node).toFixed(0)} | ${median(m.addon).toFixed(0)} |`);
}
