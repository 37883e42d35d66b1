/**
 * Client echo benchmark (issue 4): the wsframe client (`connect()` from dist/index.js) against the
 * `ws` client (ws 8, which loads bufferutil + utf-8-validate by itself), both talking to the SAME
 * echo server: the ws echo server (bench/ws-echo-server.mjs) and wsframe's `echo` CLI. Server and
 * client each run in their own Node process; only the client library changes between the two
 * columns, so the ratio is about the client.
 *
 *   npm run bench:echo -- --client [--rounds 5] [--duration 2] [--warmup 1] [--only NAME,NAME]
 *                                  [--servers ws,wsframe] [--write] [--cpu-prof DIR]
 *   node bench/client-echo.mjs …       (the same, directly)
 *
 *   --libs A,B   the two clients compared (default wsframe,ws; also wsframe-web, the WHATWG WebSocket
 *                of wsframe/web, and wsframe-node, the client on its net.Socket); the ratios are A/B
 *   --write      replace the generated part of "Client echo benchmark (issue 4)" in bench/RESULTS.md
 *                (only with the default --libs)
 *   --cpu-prof   run every client process under `node --cpu-prof`, profiles into DIR (one per run)
 *
 * Interleaved: round r runs every scenario against every server, wsframe's client then ws's on
 * even rounds, the other way round on odd ones. Each client process opens its connections, keeps
 * `inflight` messages in flight on each (a reply triggers the next send), counts replies over the
 * window after the warm-up, and reports its own CPU time (process.cpuUsage) and the server's
 * (/proc/PID/stat) over the same window, so "per client CPU-s" is a second figure that the
 * neighbours' noise affects less.
 *
 * Worker mode (used by the driver): node bench/client-echo.mjs --worker --lib wsframe|wsframe-node|wsframe-web|ws --port P
 *   --server-pid PID --conns N --inflight K --size BYTES [--binary] --duration S --warmup S
 */
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/stats.mjs';
import { procCpuSeconds } from './lib/proc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', '.work');
const require = createRequire(import.meta.url);

const options = {
  worker: { type: 'boolean', default: false },
  // driver
  rounds: { type: 'string', default: '5' },
  duration: { type: 'string', default: '2' },
  warmup: { type: 'string', default: '1' },
  only: { type: 'string' },
  servers: { type: 'string', default: 'ws,wsframe' },
  // The two clients compared: the first is the numerator of the ratios.
  libs: { type: 'string', default: 'wsframe,ws' },
  write: { type: 'boolean', default: false },
  build: { type: 'boolean', default: false },
  'cpu-prof': { type: 'string' },
  // worker
  lib: { type: 'string' },
  port: { type: 'string' },
  'server-pid': { type: 'string' },
  conns: { type: 'string' },
  inflight: { type: 'string' },
  size: { type: 'string' },
  binary: { type: 'boolean', default: false },
};

export const clientScenarios = [
  { name: '32B x20', conns: 20, inflight: 16, size: 32, binary: false, metric: 'msgs' },
  { name: '16KiB x20', conns: 20, inflight: 16, size: 16 * 1024, binary: true, metric: 'mb' },
  { name: '1MiB x4', conns: 4, inflight: 2, size: 1024 * 1024, binary: true, metric: 'mb' },
];

// ---- worker: one client process ------------------------------------------------------------

async function openClient(lib, url) {
  if (lib === 'wsframe-web') {
    // The WHATWG WebSocket of wsframe/web, as browser code would use it.
    const { WebSocket } = require(join(root, 'dist', 'web', 'index.js'));
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const raw = { on: (type, listener) => socket.addEventListener(type, listener) };
    return { on: (handler) => (socket.onmessage = (event) => handler(event.data)), send: (data) => socket.send(data), raw };
  }
  if (lib === 'wsframe' || lib === 'wsframe-node') {
    const { connect } = require(join(root, 'dist', 'index.js'));
    // Both echo servers have permessage-deflate off; say so on the client side too (like ws below).
    // wsframe-node: the connection kept on its net.Socket instead of handed to the addon.
    const socket = await connect(url, { perMessageDeflate: false, transport: lib === 'wsframe-node' ? 'node' : undefined });
    if (socket.extensions !== '') throw new Error(`an extension was negotiated: ${socket.extensions}`);
    return { on: (handler) => socket.on('message', handler), send: (data, binary) => socket.send(data, { binary }), raw: socket };
  }
  const { WebSocket } = require('ws');
  const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { on: (handler) => socket.on('message', handler), send: (data, binary) => socket.send(data, { binary }), raw: socket };
}

async function worker(a) {
  const conns = Number(a.conns);
  const inflight = Number(a.inflight);
  const size = Number(a.size);
  const binary = a.binary;
  const url = `ws://127.0.0.1:${a.port}/`;
  // Text: a string (what an application sends); binary: one Buffer sent again and again.
  const payload = binary ? Buffer.alloc(size, 0xab) : 'x'.repeat(size);
  let received = 0;
  let errors = 0;
  const clients = [];
  for (let i = 0; i < conns; i++) clients.push(await openClient(a.lib, url));
  for (const client of clients) {
    client.raw.on('error', () => errors++);
    client.raw.on('close', () => errors++);
    client.on(() => {
      received++;
      client.send(payload, binary);
    });
  }
  for (const client of clients) for (let k = 0; k < inflight; k++) client.send(payload, binary);

  const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));
  await sleep(Number(a.warmup));
  const start = { t: performance.now(), n: received, cpu: process.cpuUsage(), server: procCpuSeconds(a['server-pid']) };
  await sleep(Number(a.duration));
  const end = { t: performance.now(), n: received, cpu: process.cpuUsage(start.cpu), server: procCpuSeconds(a['server-pid']) };
  const seconds = (end.t - start.t) / 1000;
  const messages = end.n - start.n;
  const clientCpu = (end.cpu.user + end.cpu.system) / 1e6;
  const result = {
    lib: a.lib,
    seconds,
    messages,
    msgs_per_s: messages / seconds,
    mb_per_s: (messages * size) / seconds / 1e6,
    cpu_client_s: clientCpu,
    cpu_client_user_s: end.cpu.user / 1e6,
    cpu_client_pct: (100 * clientCpu) / seconds,
    cpu_server_s: end.server - start.server,
    cpu_server_pct: (100 * (end.server - start.server)) / seconds,
    connections: conns,
    errors,
    // Over the process's whole life (what a --cpu-prof profile covers): to scale profile samples per message.
    total_messages: received,
    total_cpu_s: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0); // no close handshakes: the servers see resets, which both shrug off
}

// ---- driver --------------------------------------------------------------------------------

const fmt = (x, digits = 0) => (x >= 100 || digits === 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));

function runClient(lib, server, scenario, a, profDir, tag) {
  const nodeArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `client-${tag}.cpuprofile`] : [];
  const argv = [
    ...nodeArgs, fileURLToPath(import.meta.url), '--worker', '--lib', lib,
    '--port', String(server.port), '--server-pid', String(server.pid),
    '--conns', String(scenario.conns), '--inflight', String(scenario.inflight), '--size', String(scenario.size),
    '--duration', a.duration, '--warmup', a.warmup,
  ];
  if (scenario.binary) argv.push('--binary');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), (Number(a.duration) + Number(a.warmup) + 60) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error(`${lib} client against ${server.name} (${scenario.name}) failed (${code}): ${out}`));
      }
    });
  });
}

function summarize(results, scenarios, serverNames, [first, second]) {
  const rows = [];
  for (const scenario of scenarios) {
    for (const server of serverNames) {
      const pick = (lib) => results.filter((r) => r.scenario === scenario.name && r.server === server && r.lib === lib);
      // Keyed wsframe (the first client) and ws (the second), whatever --libs named.
      const by = { wsframe: pick(first), ws: pick(second) };
      const value = (r) => (scenario.metric === 'mb' ? r.mb_per_s : r.msgs_per_s);
      const row = { scenario, server, rounds: by.wsframe.length };
      for (const lib of ['wsframe', 'ws']) {
        row[lib] = {
          value: median(by[lib].map(value)),
          clientCpu: median(by[lib].map((r) => r.cpu_client_pct)),
          serverCpu: median(by[lib].map((r) => r.cpu_server_pct)),
          perCpu: median(by[lib].map((r) => (value(r) * r.seconds) / Math.max(r.cpu_client_s, 1e-9))),
          errors: by[lib].reduce((sum, r) => sum + r.errors, 0),
        };
      }
      const perRound = by.wsframe.map((r, i) => value(r) / value(by.ws[i]));
      row.ratio = row.wsframe.value / row.ws.value;
      row.range = [Math.min(...perRound), Math.max(...perRound)];
      row.perCpuRatio = row.wsframe.perCpu / row.ws.perCpu;
      rows.push(row);
    }
  }
  return rows;
}

function markdown(rows, info, a, [first, second]) {
  const lines = [
    `- Machine: ${info.machine.cpu}; Node ${info.machine.node}; load average at start ${info.machine.load}` +
      ` (shared machine: only the ratios mean something).`,
    `- wsframe kernels: ${info.kernels.name} (${info.kernels.isa}); ws client and ws echo server: ${info.wsBanner}.`,
    `- ${a.rounds} interleaved rounds × ${a.duration} s counted (after ${a.warmup} s warm-up) per scenario, server and client; ` +
      `medians over the rounds; "range" is the lowest and highest per-round ratio. Whole run: ${info.seconds} s. ` +
      `\`npm run bench:echo -- --client\`, ${info.date}.`,
    `- One client process per run (all connections in it), one server process; CPU = share of one core over the ` +
      `counted window (client: process.cpuUsage, server: /proc/PID/stat). "per client CPU-s": throughput divided ` +
      `by the client process's CPU time.`,
    '',
    `| scenario | server | metric | ${first} client | ${second} client | ${first}/${second} (range) | per client CPU-s: ${first} / ${second} (ratio) | client CPU % ${first} / ${second} | server CPU % ${first} / ${second} |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const s = row.scenario;
    const label = `${s.name}: ${s.conns} conn × ${s.inflight} in flight, ${s.size >= 1024 ? `${s.size / 1024} KiB` : `${s.size} B`} ${s.binary ? 'binary' : 'text'}`;
    const unit = s.metric === 'mb' ? 'MB/s' : 'msg/s';
    const digits = s.metric === 'mb' ? 1 : 0;
    lines.push(
      `| ${label} | ${row.server} echo | ${unit} | ${fmt(row.wsframe.value, digits)} | ${fmt(row.ws.value, digits)} | ` +
        `${row.ratio.toFixed(2)}× (${row.range.map((x) => x.toFixed(2)).join('–')}) | ` +
        `${fmt(row.wsframe.perCpu, digits)} / ${fmt(row.ws.perCpu, digits)} (${row.perCpuRatio.toFixed(2)}×) | ` +
        `${fmt(row.wsframe.clientCpu)} / ${fmt(row.ws.clientCpu)} | ${fmt(row.wsframe.serverCpu)} / ${fmt(row.ws.serverCpu)} |`,
    );
  }
  const errors = rows.flatMap((r) =>
    ['wsframe', 'ws'].filter((n) => r[n].errors > 0).map((n) => `${n === 'wsframe' ? first : second} client, ${r.server} server, ${r.scenario.name}: ${r[n].errors}`),
  );
  lines.push('', errors.length ? `Errors/dropped connections: ${errors.join('; ')}.` : 'No errors, no dropped connections.');
  return lines.join('\n');
}

const BEGIN = '<!-- client-echo.mjs: generated table (begin) -->';
const END = '<!-- client-echo.mjs: generated table (end) -->';

export async function main(argv) {
  const { values: a } = parseArgs({ args: argv, options, strict: true });
  if (a.worker) return worker(a);
  const echo = await import('./echo.mjs');
  const began = Date.now();
  echo.ensureBuilt(a.build);
  const scenarios = clientScenarios.filter((s) => a.only === undefined || a.only.split(',').includes(s.name));
  const serverNames = a.servers.split(',');
  const libs = a.libs.split(',');
  if (a.write && a.libs !== 'wsframe,ws') throw new Error('--write updates the issue 4 table, wsframe against ws: run without --libs');
  const info = { machine: echo.machine(), kernels: echo.kernelInfo(), date: new Date().toISOString().slice(0, 10) };
  const profDir = a['cpu-prof'];
  if (profDir) mkdirSync(profDir, { recursive: true });
  const servers = {};
  if (serverNames.includes('ws')) servers.ws = await echo.startServer('ws', [], ['bench/ws-echo-server.mjs', '--host', '127.0.0.1', '--port', '0']);
  if (serverNames.includes('wsframe')) {
    servers.wsframe = await echo.startServer('wsframe', [], [
      'bin/wsframe.js', 'echo', '--host', '127.0.0.1', '--port', '0', '--receive-buffer-limit', String(4 * 1024 * 1024),
    ]);
  }
  info.wsBanner = servers.ws ? (/\(([^)]*)\)/.exec(servers.ws.banner)?.[1] ?? servers.ws.banner) : 'ws';
  console.error(`servers: ${Object.values(servers).map((s) => `${s.name} pid ${s.pid} port ${s.port}`).join('; ')}`);
  console.error(`kernels: ${info.kernels.name} ${info.kernels.isa}; ${info.machine.cpu}; node ${info.machine.node}; load ${info.machine.load}`);

  const results = [];
  try {
    for (let round = 0; round < Number(a.rounds); round++) {
      for (const scenario of scenarios) {
        for (const name of serverNames) {
          const order = round % 2 === 0 ? libs : [...libs].reverse();
          for (const lib of order) {
            const tag = `${lib}-${scenario.name.replace(/\W+/g, '_')}-${name}-r${round}`;
            const r = await runClient(lib, servers[name], scenario, a, profDir, tag);
            results.push({ ...r, server: name, scenario: scenario.name, round });
            const shown = scenario.metric === 'mb' ? `${r.mb_per_s.toFixed(1)} MB/s` : `${Math.round(r.msgs_per_s)} msg/s`;
            console.error(
              `round ${round + 1}/${a.rounds} ${scenario.name.padEnd(8)} server ${name.padEnd(8)} client ${lib.padEnd(8)} ${shown.padStart(14)}  ` +
                `cpu client ${r.cpu_client_pct.toFixed(0)}% server ${r.cpu_server_pct.toFixed(0)}%` + (r.errors ? `  errors ${r.errors}` : ''),
            );
          }
        }
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => echo.stopServer(s)));
  }
  info.seconds = Math.round((Date.now() - began) / 1000);
  const table = markdown(summarize(results, scenarios, serverNames, libs), info, a, libs);
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'client-echo-results.json'), JSON.stringify({ info, results }, null, 2));
  console.log(table);
  if (a.write) {
    echo.writeGenerated('Client echo benchmark (issue 4)', BEGIN, END, table);
    console.error('bench/RESULTS.md: "Client echo benchmark (issue 4)" updated');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
