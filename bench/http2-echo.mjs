/**
 * WebSockets over one HTTP/2 session (RFC 8441) against the same number over HTTP/1.1, side by
 * side in one run (issue 10). One wsframe echo server (standalone, `http2: true`, cleartext: HTTP/2
 * by prior knowledge and HTTP/1.1 on one port, so the server is the same for both columns) and the
 * wsframe client, each in its own process:
 * - throughput: N WebSockets, K messages in flight on each, replies/s over a window, at 32 B and
 *   16 KiB; the HTTP/2 column opens all N as streams of one session, the HTTP/1.1 column N TCP
 *   connections. Client and server CPU over the same window from /proc.
 * - memory: the server's memory (after two GCs) with M idle WebSockets open, less the same
 *   server's with none, per WebSocket; a fresh server per measurement.
 * Interleaved: every round runs both carriers, HTTP/2 first on even rounds, HTTP/1.1 first on odd.
 *
 *   node bench/http2-echo.mjs [--rounds 3] [--duration 2] [--warmup 1] [--idle 2000] [--write]
 *
 * (Worker modes used by the driver: --server, --client.)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';
import { procCpuSeconds } from './lib/proc.mjs';
import { markdownTable, writeResultsSection } from './lib/results-file.mjs';
import { median } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const self = fileURLToPath(import.meta.url);

const { values: a } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    client: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    idle: { type: 'string', default: '2000' },
    write: { type: 'boolean', default: false },
    carrier: { type: 'string' },
    port: { type: 'string' },
    'server-pid': { type: 'string' },
    conns: { type: 'string' },
    inflight: { type: 'string' },
    size: { type: 'string' },
    hold: { type: 'boolean', default: false },
  },
});

const scenarios = [
  { name: '32 B, 100 WebSockets x 16 in flight', conns: 100, inflight: 16, size: 32 },
  { name: '16 KiB, 100 WebSockets x 4 in flight', conns: 100, inflight: 4, size: 16 * 1024 },
];

if (a.server) await serve();
else if (a.client) await client();
else await drive();

/** The echo server: prints its port; answers 'memory' on IPC with process.memoryUsage() after two GCs. */
async function serve() {
  const { WebSocketServer } = require(join(root, 'dist', 'index.js'));
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, http2: true, receiveBufferLimit: 1 << 20 });
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await once(server, 'listening');
  process.on('message', (message) => {
    if (message !== 'memory') return;
    global.gc();
    global.gc();
    process.send({ memory: process.memoryUsage(), clients: server.clients.size });
  });
  process.send({ port: server.address().port });
}

/** One client process: open the WebSockets over the carrier, then either hold them idle or run the echo window. */
async function client() {
  const { connect } = require(join(root, 'dist', 'index.js'));
  const url = `ws://127.0.0.1:${a.port}/`;
  const http2 = a.carrier === 'h2';
  const conns = Number(a.conns);
  const sockets = [];
  for (let i = 0; i < conns; i += 50) {
    const batch = Math.min(50, conns - i);
    sockets.push(...(await Promise.all(Array.from({ length: batch }, () => connect(url, { http2, perMessageDeflate: false })))));
  }
  if (a.hold) {
    process.send({ open: sockets.length });
    await new Promise(() => {}); // killed by the driver
  }
  const payload = Buffer.alloc(Number(a.size), 0x61).toString();
  let received = 0;
  for (const ws of sockets) {
    ws.on('message', () => {
      received++;
      ws.send(payload);
    });
    for (let k = 0; k < Number(a.inflight); k++) ws.send(payload);
  }
  await new Promise((resolve) => setTimeout(resolve, Number(a.warmup) * 1000));
  const start = { t: performance.now(), n: received, cpu: process.cpuUsage(), server: procCpuSeconds(a['server-pid']) };
  await new Promise((resolve) => setTimeout(resolve, Number(a.duration) * 1000));
  const end = { t: performance.now(), n: received, cpu: process.cpuUsage(start.cpu), server: procCpuSeconds(a['server-pid']) };
  const seconds = (end.t - start.t) / 1000;
  process.send({
    msgs: (end.n - start.n) / seconds,
    clientCpu: (end.cpu.user + end.cpu.system) / 1e6 / seconds,
    serverCpu: (end.server - start.server) / seconds,
  });
  process.exit(0);
}

function startServer() {
  const child = spawn(process.execPath, ['--expose-gc', self, '--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve) => child.once('message', ({ port }) => resolve({ child, port })));
}

function ask(child, question) {
  child.send(question);
  return new Promise((resolve) => child.once('message', resolve));
}

function startClient(args) {
  const child = spawn(process.execPath, [self, '--client', ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return { child, reply: new Promise((resolve) => child.once('message', resolve)) };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

async function drive() {
  const rounds = Number(a.rounds);
  const idle = Number(a.idle);
  const carriers = ['h2', 'h1'];
  const throughput = Object.fromEntries(scenarios.map((s) => [s.name, { h2: [], h1: [] }]));
  const memory = { h2: [], h1: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? carriers : [...carriers].reverse();
    for (const scenario of scenarios) {
      for (const carrier of order) {
        const { child: server, port } = await startServer();
        const { child, reply } = startClient([
          '--carrier', carrier, '--port', String(port), '--server-pid', String(server.pid), '--conns', String(scenario.conns),
          '--inflight', String(scenario.inflight), '--size', String(scenario.size), '--duration', a.duration, '--warmup', a.warmup,
        ]);
        throughput[scenario.name][carrier].push(await reply);
        await stop(child);
        await stop(server);
      }
    }
    for (const carrier of order) {
      const { child: server, port } = await startServer();
      const before = await ask(server, 'memory');
      const { child, reply } = startClient(['--carrier', carrier, '--port', String(port), '--conns', String(idle), '--hold']);
      await reply;
      const after = await ask(server, 'memory');
      if (after.clients !== idle) throw new Error(`${after.clients} of ${idle} WebSockets open`);
      const per = (key) => (after.memory[key] - before.memory[key]) / idle;
      memory[carrier].push({ rss: per('rss'), heap: per('heapUsed'), external: per('external') });
      await stop(child);
      await stop(server);
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }

  const m = describeMachine();
  const rows = scenarios.map((s) => {
    const h2 = throughput[s.name].h2;
    const h1 = throughput[s.name].h1;
    const msgs = (runs) => median(runs.map((r) => r.msgs));
    const cpu = (runs, key) => median(runs.map((r) => r[key] * 100)).toFixed(0);
    return [
      s.name,
      Math.round(msgs(h2)).toLocaleString('en-US'),
      Math.round(msgs(h1)).toLocaleString('en-US'),
      `${(msgs(h2) / msgs(h1)).toFixed(2)}×`,
      `${cpu(h2, 'serverCpu')}% / ${cpu(h1, 'serverCpu')}%`,
      `${cpu(h2, 'clientCpu')}% / ${cpu(h1, 'clientCpu')}%`,
    ];
  });
  const mem = (carrier, key) => Math.round(median(memory[carrier].map((r) => r[key])));
  const memRows = ['rss', 'heap', 'external'].map((key) => [
    { rss: 'RSS', heap: 'JS heap used', external: 'external (Buffers)' }[key],
    `${mem('h2', key)} B`,
    `${mem('h1', key)} B`,
  ]);
  const body = `Generated by \`node bench/http2-echo.mjs --write\` (${rounds} rounds, ${a.duration} s windows after ${a.warmup} s warm-up; medians), ${m.cpu}, ${m.cores} cores, Node ${process.version}.
One wsframe echo server process (standalone, \`http2: true\`, cleartext: HTTP/2 by prior knowledge and
HTTP/1.1 on the same port) and one wsframe client process; the only difference between the columns is
the carrier: all WebSockets as streams of one HTTP/2 session, or one TCP connection each.

${markdownTable(['messages/s', 'HTTP/2 (one session)', 'HTTP/1.1 (a connection each)', 'HTTP/2 ÷ HTTP/1.1', 'server CPU h2 / h1', 'client CPU h2 / h1'], rows)}

Server memory per idle WebSocket (${idle} open, fresh server each time, after two GCs, minus the empty server):

${markdownTable(['per WebSocket', 'HTTP/2 stream', 'HTTP/1.1 connection'], memRows)}
`;
  process.stdout.write(`${body}\n`);
  if (a.write) writeResultsSection(join(root, 'bench', 'RESULTS.md'), 'WebSockets over HTTP/2 (issue 10)', body);
}
