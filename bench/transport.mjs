/**
 * The native transport (issue 9) side by side with what it is measured against, in one
 * interleaved run: `wsframe echo` on the native transport (the default; it borrows its
 * messages) and with `--transport node`, the same echo with owned messages (the library's
 * default, bench/wsframe-echo-server.mjs) and that with glibc's heap kept
 * (`wsframe-owned-keepheap`: GLIBC_TUNABLES, what the page faults of fresh large buffers cost),
 * `ws` + bufferutil (bench/ws-echo-server.mjs), the bare `net` echo
 * (bench/net-echo-server.mjs: the ceiling on net.Socket) and uWebSockets.js
 * (bench/uws-echo-server.mjs; set up by bench/setup-uws.sh, bench-only). Driven by
 * bench/loadgen.c as bench/echo.mjs drives it (same binary, duration and warm-up).
 *
 *   node bench/transport.mjs [--rounds 3] [--only NAME,NAME] [--write]
 *
 * Round r runs every scenario against every server, the servers' order rotated by r; the table
 * has medians over the rounds and, per server, the ratio of its median to uWebSockets.js's and
 * to ws's, with the range of the per-round ratios to uWebSockets.js. Idle memory and the time to
 * open 19,000 connections are bench/idle-memory.mjs's (the same servers).
 */
import { parseArgs } from 'node:util';
import { ensureBuilt, loadgen, machine, startServer, stopServer, writeGenerated } from './echo.mjs';
import { markdownTable } from './lib/results-file.mjs';
import { median } from './lib/stats.mjs';
import { uwsCommand } from './lib/uws.mjs';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);

const limit = ['--receive-buffer-limit', String(4 * 1024 * 1024)];
const servers = {
  // `wsframe echo`: borrowed messages (the CLI's choice), the native transport.
  wsframe: { args: ['bin/wsframe.js', 'echo', '--host', '127.0.0.1', '--port', '0', ...limit] },
  // The same echo with owned messages (the library's default): fresh memory per message.
  'wsframe-owned': { args: ['bench/wsframe-echo-server.mjs', '--host', '127.0.0.1', '--port', '0', ...limit] },
  // Owned, with glibc's heap kept (no trimming, no mmap below 64 MiB): what the page faults of
  // fresh large buffers cost (RESULTS.md, "Native transport"). An operator's setting.
  'wsframe-owned-keepheap': {
    args: ['bench/wsframe-echo-server.mjs', '--host', '127.0.0.1', '--port', '0', ...limit],
    env: { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=67108864' },
  },
  'wsframe-node': { args: ['bin/wsframe.js', 'echo', '--host', '127.0.0.1', '--port', '0', ...limit, '--transport', 'node'] },
  ws: { args: ['bench/ws-echo-server.mjs', '--host', '127.0.0.1', '--port', '0'] },
  'net echo': { args: ['bench/net-echo-server.mjs', '--host', '127.0.0.1', '--port', '0'] },
  uws: { args: ['bench/uws-echo-server.mjs', '--host', '127.0.0.1', '--port', '0'], command: uwsCommand() },
};
const scenarios = [
  { name: '32 B, 100 conns × 16 in flight', conns: 100, inflight: 16, size: 32, binary: false, metric: 'msgs' },
  { name: '16 KiB, 100 × 4', conns: 100, inflight: 4, size: 16 * 1024, binary: true, metric: 'mb' },
  { name: '1 MiB, 10 × 1', conns: 10, inflight: 1, size: 1024 * 1024, binary: true, metric: 'mb' },
];

const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
/** Messages or MB per second of server CPU: less sensitive to a starved load generator than the rate. */
const perCpu = (r) => r.value / Math.max(r.cpu / 100, 1e-9);
const value = (result, scenario) => (scenario.metric === 'mb' ? result.mb_per_s : result.msgs_per_s);

async function main() {
  const began = Date.now();
  if (servers.uws.command === undefined) throw new Error('uWebSockets.js is not set up: run bash bench/setup-uws.sh');
  const binary = ensureBuilt(false);
  const info = machine();
  const names = args.only === undefined ? Object.keys(servers) : args.only.split(',');
  const running = {};
  for (const name of names) running[name] = await startServer(name, [], servers[name].args, { command: servers[name].command, env: servers[name].env });
  const results = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const scenario of scenarios) {
        for (let i = 0; i < names.length; i++) {
          const name = names[(i + round) % names.length];
          const r = loadgen(binary, running[name], scenario);
          results.push({ name, scenario: scenario.name, round, value: value(r, scenario), errors: r.errors + (r.connected - r.alive), cpu: r.cpu_server_pct });
          console.error(`round ${round + 1}/${rounds} ${scenario.name.padEnd(32)} ${name.padEnd(13)} ${fmt(value(r, scenario))} ${scenario.metric === 'mb' ? 'MB/s' : 'msg/s'} (server CPU ${Math.round(r.cpu_server_pct)}%)`);
        }
      }
    }
  } finally {
    await Promise.all(Object.values(running).map((server) => stopServer(server)));
  }

  const rows = [];
  for (const scenario of scenarios) {
    const of = (name) => results.filter((r) => r.scenario === scenario.name && r.name === name);
    const med = (name) => median(of(name).map((r) => r.value));
    for (const name of names) {
      const perRound = of(name).map((r) => r.value / of('uws').find((u) => u.round === r.round).value);
      rows.push([
        scenario.name,
        name,
        `${fmt(med(name))} ${scenario.metric === 'mb' ? 'MB/s' : 'msg/s'}`,
        names.includes('uws') ? `${(med(name) / med('uws')).toFixed(2)}× (${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})` : '—',
        names.includes('ws') ? `${(med(name) / med('ws')).toFixed(2)}×` : '—',
        `${Math.round(median(of(name).map((r) => r.cpu)))}%`,
        `${fmt(median(of(name).map(perCpu)))} (${(median(of(name).map(perCpu)) / median(of('uws').map(perCpu))).toFixed(2)}×)`,
      ]);
    }
  }
  const errors = results.filter((r) => r.errors > 0).map((r) => `${r.name} ${r.scenario} round ${r.round + 1}: ${r.errors}`);
  const body = [
    `- Machine: ${info.cpu}; Node ${info.node}; load average at start ${info.load}. ${rounds} rounds, servers interleaved (order rotated each round); medians. ` +
      `\`node bench/transport.mjs\`, ${new Date().toISOString().slice(0, 10)}; whole run ${Math.round((Date.now() - began) / 1000)} s.`,
    '- per server CPU-second: the rate divided by the server\'s CPU share over the same window (loadgen reads /proc/PID/stat).',
    '- uws = uWebSockets.js 20.57 (@btc-vision/uwebsockets.js, bench-only, through Debian 13\'s glibc); net echo = bench/net-echo-server.mjs.',
    '',
    markdownTable(['scenario', 'server', 'median', 'vs uws (per-round range)', 'vs ws', 'server CPU', 'per server CPU-second (vs uws)'], rows),
    '',
    errors.length ? `Errors/dropped connections: ${errors.join('; ')}.` : 'No errors, no dropped connections; every echo checked byte for byte by the load generator.',
  ].join('\n');
  console.log(body);
  if (args.write) {
    writeGenerated('Native transport (issue 9)', '<!-- transport.mjs: generated (begin) -->', '<!-- transport.mjs: generated (end) -->', body);
    console.error('bench/RESULTS.md: "Native transport (issue 9)" updated');
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
