/**
 * What diagnostics_channel costs (issue 14): the wsframe echo CLI with no subscriber against the
 * same CLI with a no-op subscriber on every wsframe channel (bench/diagnostics-subscriber.cjs
 * preloaded), driven by bench/loadgen.c at 32 B. No heartbeats: the load generator takes any
 * frame but its echo as an error. Every connection publishes its open (and, at the end, its close)
 * on the subscribed server; no channel sits on the per-message path. Rounds interleave the two servers (order swapped every round); the
 * table has the medians and the range of the per-round ratios.
 *
 * On a loaded machine the echo's throughput swings more between rounds than any difference
 * here, so a second figure does not depend on it: one publish helper's CPU cost (publishPong,
 * 10,000,000 calls in a fresh process each time — subscribing changes a channel's prototype,
 * which a process that never subscribes does not see — 7 alternations of no subscriber and a
 * no-op one, medians), as a share of the server CPU time one 32 B echo takes (from the echo runs
 * without a subscriber).
 *
 *   node bench/diagnostics-echo.mjs [--rounds 6] [--duration 3] [--warmup 1] [--write]
 *   (--write replaces the generated part of "diagnostics_channel (issue 14)" in bench/RESULTS.md)
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBuilt, kernelInfo, loadgen, machine, startServer, stopServer, writeGenerated } from './echo.mjs';
import { median } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    write: { type: 'boolean', default: false },
    'micro-child': { type: 'string' }, // internal: measure publishCost() in this fresh process and print it
  },
});
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const warmup = Number(args.warmup);

const scenarios = [
  { name: '32B x100', conns: 100, inflight: 16, size: 32, binary: false },
  { name: 'latency-32B', conns: 1, inflight: 1, size: 32, binary: false },
];
/** CPU ns per publishPong call, with or without a no-op subscriber on its channel. */
function publishCost(subscribed, calls = 10_000_000) {
  const { channels, publishPong } = createRequire(import.meta.url)('../dist/diagnostics.js');
  if (subscribed) channels.pong.subscribe(() => {});
  const webSocket = {};
  const payload = new Uint8Array(0);
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) publishPong('server', webSocket, payload, undefined);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / calls;
}

/** publishCost() in a fresh process. */
function publishCostFresh(subscribed) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--micro-child', subscribed ? 'subscribed' : 'none'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

const echoArgs = ['bin/wsframe.js', 'echo', '--host', '127.0.0.1', '--port', '0'];

async function main() {
  const began = Date.now();
  const binary = ensureBuilt(false);
  const info = { machine: machine(), kernels: kernelInfo(), date: new Date().toISOString().slice(0, 10) };
  const servers = {};
  const results = [];
  try {
    servers.none = await startServer('no subscriber', [], echoArgs);
    servers.subscribed = await startServer('subscribed', ['-r', './bench/diagnostics-subscriber.cjs'], echoArgs);
    for (let round = 0; round < rounds; round++) {
      for (const scenario of scenarios) {
        const order = round % 2 === 0 ? ['none', 'subscribed'] : ['subscribed', 'none'];
        for (const name of order) {
          const r = loadgen(binary, servers[name], scenario, duration, warmup);
          results.push({ ...r, server: name, scenario: scenario.name, round });
          console.error(`round ${round + 1}/${rounds} ${scenario.name.padEnd(12)} ${name.padEnd(10)} ${Math.round(r.msgs_per_s)} msg/s  p50 ${r.latency_us.p50.toFixed(1)} µs` + (r.errors ? `  errors ${r.errors}` : ''));
        }
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => stopServer(server)));
  }

  const lines = [
    `- Machine: ${info.machine.cpu}; Node ${info.machine.node}; load average at start ${info.machine.load} (shared machine: only the ratios mean something).`,
    `- wsframe kernels: ${info.kernels.name} (${info.kernels.isa}). Both servers: \`wsframe echo\`; "subscribed" has bench/diagnostics-subscriber.cjs preloaded.`,
    `- ${rounds} interleaved rounds × ${duration} s counted (after ${warmup} s warm-up); medians; range: lowest and highest per-round ratio. Whole run: ${Math.round((Date.now() - began) / 1000)} s. \`node bench/diagnostics-echo.mjs\`, ${info.date}.`,
    '',
    '| scenario | msg/s no subscriber | msg/s subscribed | subscribed / none (range) | p50 µs none / subscribed | server CPU-s per msg: subscribed / none |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const scenario of scenarios) {
    const of = (name) => results.filter((r) => r.scenario === scenario.name && r.server === name);
    const none = of('none');
    const subscribed = of('subscribed');
    const perRound = subscribed.map((r, i) => r.msgs_per_s / none[i].msgs_per_s);
    const msgs = (rs) => median(rs.map((r) => r.msgs_per_s));
    const cpuPerMsg = (rs) => median(rs.map((r) => r.cpu_server_s / (r.msgs_per_s * r.seconds)));
    const errors = [...none, ...subscribed].reduce((sum, r) => sum + r.errors + (r.connected - r.alive), 0);
    lines.push(
      `| ${scenario.name}: ${scenario.conns} conn × ${scenario.inflight} in flight, 32 B text | ${Math.round(msgs(none)).toLocaleString('en-US')} | ` +
        `${Math.round(msgs(subscribed)).toLocaleString('en-US')} | ${(msgs(subscribed) / msgs(none)).toFixed(2)}× (${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}) | ` +
        `${median(none.map((r) => r.latency_us.p50)).toFixed(1)} / ${median(subscribed.map((r) => r.latency_us.p50)).toFixed(1)} | ` +
        `${(cpuPerMsg(subscribed) / cpuPerMsg(none)).toFixed(2)}×${errors ? ` (errors: ${errors})` : ''} |`,
    );
  }
  const none = results.filter((r) => r.scenario === scenarios[0].name && r.server === 'none');
  const echoCpuNs = median(none.map((r) => (r.cpu_server_s * 1e9) / (r.msgs_per_s * r.seconds)));
  const costs = { none: [], subscribed: [] };
  for (let i = 0; i < 7; i++) for (const subscribed of i % 2 === 0 ? [false, true] : [true, false]) costs[subscribed ? 'subscribed' : 'none'].push(publishCostFresh(subscribed));
  const share = (ns) => `${((100 * ns) / echoCpuNs).toPrecision(2)} %`;
  lines.push(
    '',
    `One guarded publication (publishPong) as a share of the server CPU one 32 B echo takes (${scenarios[0].name}, no subscriber): ` +
      `${share(median(costs.none))} with nobody subscribed, ${share(median(costs.subscribed))} with a no-op subscriber. ` +
      'The echo publishes nothing per message; each connection publishes its open and its close.',
  );
  const table = lines.join('\n');
  console.log(table);
  if (args.write) writeGenerated('diagnostics_channel (issue 14)', '<!-- diagnostics-echo:begin -->', '<!-- diagnostics-echo:end -->', table);
}

if (args['micro-child'] !== undefined) {
  console.log(publishCost(args['micro-child'] === 'subscribed'));
} else {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
