/**
 * Self time by function from a V8 .cpuprofile (`node --cpu-prof`), top N, plus totals by file.
 *   node bench/cpuprofile-top.mjs FILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfCount = new Map();
for (const id of profile.samples) selfCount.set(id, (selfCount.get(id) ?? 0) + 1);
const total = profile.samples.length;
const byFunction = new Map();
const byFile = new Map();
for (const [id, count] of selfCount) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const short = url.replace(/^.*\/(dist|lib|node_modules)\//, '$1/').replace(/^node:/, '');
  const key = `${functionName || '(anonymous)'} ${short}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + count);
  const where = short || functionName;
  byFile.set(where, (byFile.get(where) ?? 0) + count);
}
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
console.log(`${total} samples`);
for (const [key, count] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(count)}  ${key}`);
console.log('\nby file:');
for (const [key, count] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(count)}  ${key}`);
