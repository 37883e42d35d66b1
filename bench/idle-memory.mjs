/**
 * Idle connections (issue 3): server memory per idle WebSocket connection, for wsframe (its
 * `echo` CLI), ws (bench/ws-echo-server.mjs) and the floor any Node socket server pays
 * (bench/net-floor-server.mjs: a bare `net` server answering a fixed 101); for the server CPU to
 * open them, also the native transport's floor (native-floor: bench/native-floor-server.mjs).
 *
 *   node bench/idle-memory.mjs [--counts 10000,19000] [--rounds 3] [--snapshot-count 2000]
 *                              [--servers wsframe,ws,floor] [--connect-limit 60] [--settle 1]
 *                              [--clients 1] [--reopen [--reopens 1]] [--write]
 *
 * Each server runs in its own process, started with --expose-gc and bench/idle-hook.cjs
 * preloaded (measurements over IPC, the servers untouched); bench/loadgen.c in idle mode opens
 * the connections from another process. Per measurement: fresh server, full GCs, RSS; open N
 * connections (all handshakes answered); settle (--settle, 1 s); full GCs, RSS again. The per-connection
 * figure is (RSS after − RSS before) / N; heapUsed and external are reported the same way.
 * Servers and counts are interleaved over the rounds; the table has medians. With --reopen, the
 * server's CPU for opening them is measured again after closing them all (--reopens times): the
 * open of a server whose code has run, the first one's included compiling it.
 *
 * The breakdown: heap snapshots of each server before and after --snapshot-count connections,
 * summed by node type and constructor name, the difference divided by the count (compiled
 * code left out: it grows with warm-up, not with connections).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { ensureBuilt, machine, startServer, writeGenerated } from './echo.mjs';
import { ask, killServer } from './lib/hooked-server.mjs';
import { markdownTable } from './lib/results-file.mjs';
import { median } from './lib/stats.mjs';
import { uwsCommand } from './lib/uws.mjs';
import { procCpuSeconds } from './lib/proc.mjs';

const { values: args } = parseArgs({
  options: {
    counts: { type: 'string', default: '10000,19000' },
    rounds: { type: 'string', default: '3' },
    'snapshot-count': { type: 'string', default: '2000' },
    // While iterating: `--servers wsframe,floor` (the ratio needs the floor).
    servers: { type: 'string', default: 'wsframe,ws,floor' },
    write: { type: 'boolean', default: false },
    // Seconds the load generator may take to open them (its connect phase); 60 by default.
    'connect-limit': { type: 'string', default: '60' },
    // Seconds the connections sit idle before the measurement. A burst of handshakes grows V8's
    // young generation and malloc's arenas; V8 gives the young generation back only once the
    // process has been idle a while (its memory reducer), so a short settle counts the burst.
    settle: { type: 'string', default: '1' },
    // Load generator processes that open the connections together (time to open).
    clients: { type: 'string', default: '1' },
    // Then close them and open as many again in the same server: the server CPU to open with its
    // code already compiled (the first open includes V8 compiling the handshake path).
    reopen: { type: 'boolean', default: false },
    // With --reopen: how many times to close them all and open 19,000 again (each one's CPU is printed).
    reopens: { type: 'string', default: '1' },
  },
});
const counts = args.counts.split(',').map(Number);
const rounds = Number(args.rounds);
const snapshotCount = Number(args['snapshot-count']);
const root = new URL('..', import.meta.url).pathname;
const work = join(root, 'bench', '.work');

const servers = {
  // issue 9: the native transport is the default; wsframe-node is net.Socket's.
  wsframe: ['bin/wsframe.js', 'echo', '--host', '127.0.0.1', '--port', '0'],
  'wsframe-node': ['bin/wsframe.js', 'echo', '--host', '127.0.0.1', '--port', '0', '--transport', 'node'],
  uws: ['bench/uws-echo-server.mjs', '--host', '127.0.0.1', '--port', '0'],
  ws: ['bench/ws-echo-server.mjs', '--host', '127.0.0.1', '--port', '0'],
  floor: ['bench/net-floor-server.mjs', '--host', '127.0.0.1', '--port', '0'],
  // The native transport with a fixed 101 and nothing else: what opening costs before wsframe's handshake.
  'native-floor': ['bench/native-floor-server.mjs', '--host', '127.0.0.1', '--port', '0'],
  // The same with the addon's answer to the request (its checks and Sec-WebSocket-Accept): wsframe's opening without a WebSocket.
  'native-floor-plain': ['bench/native-floor-server.mjs', '--plain', '--host', '127.0.0.1', '--port', '0'],
  // Attached to a node:http server (owned messages): the upgraded socket handed to the addon, or kept as a net.Socket.
  'wsframe-attached': ['bench/wsframe-echo-server.mjs', '--attached', '--host', '127.0.0.1', '--port', '0'],
  'wsframe-attached-node': ['bench/wsframe-echo-server.mjs', '--attached', '--transport', 'node', '--host', '127.0.0.1', '--port', '0'],
  // What a byte of per-connection JavaScript heap costs in RSS: the same echo (owned messages,
  // which change nothing an idle connection holds) without and with a ~400 B object per connection.
  'wsframe-owned': ['bench/wsframe-echo-server.mjs', '--host', '127.0.0.1', '--port', '0'],
  'wsframe-pad400': ['bench/wsframe-echo-server.mjs', '--heap-pad', '400', '--host', '127.0.0.1', '--port', '0'],
};
const nodeArgs = ['--expose-gc', '-r', './bench/idle-hook.cjs'];

/** uWebSockets.js runs through another glibc's loader (bench/setup-uws.sh). */
function commandOf(name) {
  if (name !== 'uws') return undefined;
  const command = uwsCommand();
  if (command === undefined) throw new Error('uWebSockets.js is not set up: run bash bench/setup-uws.sh');
  return command;
}

/**
 * Opens `conns` connections from --clients load generator processes at once (each opens its
 * share, 256 handshakes in flight): one generator's thread can be slower than the server.
 */
async function openIdle(binary, port, conns) {
  const count = Number(args.clients);
  const shares = Array.from({ length: count }, (_, i) => Math.floor(conns / count) + (i < conns % count ? 1 : 0));
  const generators = await Promise.all(shares.map((share) => openGenerator(binary, port, share)));
  const ready = {
    connected: generators.reduce((sum, g) => sum + g.ready.connected, 0),
    failed: generators.reduce((sum, g) => sum + g.ready.failed, 0),
    connect_s: Math.max(...generators.map((g) => g.ready.connect_s)),
  };
  return { children: generators.map((g) => g.child), ready };
}

async function openGenerator(binary, port, conns) {
  const child = spawn(binary, ['--mode', 'idle', '--port', String(port), '--conns', String(conns), '--connect-limit', args['connect-limit']], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdout.setEncoding('utf8');
  let out = '';
  while (!out.includes('\n')) {
    const [chunk] = await once(child.stdout, 'data');
    out += chunk;
  }
  const ready = JSON.parse(out.split('\n')[0]);
  return { child, ready };
}

async function closeIdle(client) {
  await Promise.all(
    client.children.map((child) => {
      const exited = once(child, 'exit');
      child.stdin.end(); // loadgen resets its connections and exits
      return exited;
    }),
  );
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(binary, name, conns) {
  const server = await startServer(name, nodeArgs, servers[name], { ipc: true, command: commandOf(name) });
  try {
    await sleep(200);
    const before = await ask(server, { cmd: 'measure' });
    const cpuBefore = procCpuSeconds(server.pid);
    const client = await openIdle(binary, server.port, conns);
    const openCpu = procCpuSeconds(server.pid) - cpuBefore; // the server's CPU for the accepts and handshakes
    await sleep(Number(args.settle) * 1000);
    const after = await ask(server, { cmd: 'measure' });
    await closeIdle(client);
    const reopenCpus = [];
    const reopenSeconds = []; // the load generator's wall time to open them again
    for (let i = 0; args.reopen && i < Number(args.reopens); i++) {
      await sleep(1000); // the server's closes of the ones before
      const cpuAgain = procCpuSeconds(server.pid);
      const again = await openIdle(binary, server.port, conns);
      reopenCpus.push((procCpuSeconds(server.pid) - cpuAgain) * (client.ready.connected / again.ready.connected));
      reopenSeconds.push(again.ready.connect_s);
      await closeIdle(again);
    }
    const per = (key) => (after[key] - before[key]) / client.ready.connected;
    return {
      name,
      conns,
      connected: client.ready.connected,
      failed: client.ready.failed,
      connectSeconds: client.ready.connect_s,
      openCpu,
      reopenCpus,
      reopenSeconds,
      rss: per('rss'),
      heapUsed: per('heapUsed'),
      external: per('external'),
      arrayBuffers: per('arrayBuffers'),
      rssBefore: before.rss,
      rssAfter: after.rss,
    };
  } finally {
    await killServer(server);
  }
}

// ---- heap snapshot breakdown -----------------------------------------------------------------

function summarizeSnapshot(path) {
  const snapshot = JSON.parse(readFileSync(path, 'utf8'));
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const stride = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const { nodes, strings } = snapshot;
  const sums = new Map();
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + iType]];
    let name = strings[nodes[i + iName]];
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(strings)';
    else if (type === 'number' || type === 'heap number') name = '(numbers)';
    else if (type === 'code') name = '(code)';
    else if (name.length > 60) name = `${name.slice(0, 57)}…`;
    const key = `${type}\t${name}`;
    const entry = sums.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += nodes[i + iSize];
    sums.set(key, entry);
  }
  return sums;
}

async function breakdown(binary, name, conns) {
  const server = await startServer(name, nodeArgs, servers[name], { ipc: true, command: commandOf(name) });
  const paths = [join(work, `${name}-before.heapsnapshot`), join(work, `${name}-after.heapsnapshot`)];
  try {
    await sleep(200);
    await ask(server, { cmd: 'snapshot', path: paths[0] });
    const client = await openIdle(binary, server.port, conns);
    await sleep(Number(args.settle) * 1000);
    await ask(server, { cmd: 'snapshot', path: paths[1] });
    await closeIdle(client);
    const [before, after] = paths.map(summarizeSnapshot);
    const rows = [];
    for (const [key, a] of after) {
      const b = before.get(key) ?? { count: 0, size: 0 };
      const size = (a.size - b.size) / client.ready.connected;
      const count = (a.count - b.count) / client.ready.connected;
      // Compiled code and feedback grow with warm-up, not with connections: left out.
      if (Math.abs(size) >= 4 && !key.startsWith('code\t')) rows.push({ key, count, size });
    }
    rows.sort((x, y) => y.size - x.size);
    const total = rows.reduce((sum, r) => sum + r.size, 0);
    return { name, conns: client.ready.connected, rows, total };
  } finally {
    await killServer(server);
    for (const path of paths) rmSync(path, { force: true });
  }
}

// ---- main ------------------------------------------------------------------------------------

const round0 = (x) => Math.round(x).toLocaleString('en-US');

async function main() {
  const began = Date.now();
  const binary = ensureBuilt(false);
  const info = machine();
  const names = args.servers.split(',');
  const unknown = names.filter((name) => !(name in servers));
  if (unknown.length > 0) throw new Error(`unknown server ${unknown.join(', ')}; known: ${Object.keys(servers).join(', ')}`);
  if (args.write && names.length !== Object.keys(servers).length) throw new Error('--write needs every server');
  const results = [];
  for (let round = 0; round < rounds; round++) {
    for (const conns of counts) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const name of order) {
        const r = await measure(binary, name, conns);
        results.push(r);
        console.error(
          `round ${round + 1}/${rounds} ${String(conns).padStart(6)} ${name.padEnd(8)} connected ${r.connected} ` +
            `rss ${round0(r.rss)} B/conn heap ${round0(r.heapUsed)} external ${round0(r.external)} (connect ${r.connectSeconds}s, server CPU ${r.openCpu.toFixed(2)} s` +
            `${r.reopenCpus.length > 0 ? `, opening again ${r.reopenCpus.map((cpu) => cpu.toFixed(2)).join(', ')} s in ${r.reopenSeconds.join(', ')} s` : ''}; ` +
            `RSS ${round0(r.rssBefore / 1024)} → ${round0(r.rssAfter / 1024)} KiB)`,
        );
      }
    }
  }
  const lines = [
    `- Machine: ${info.cpu}; Node ${info.node}; load average at start ${info.load}. ` +
      `${rounds} rounds, servers interleaved; medians. Whole run: see below. \`node bench/idle-memory.mjs\`, ${new Date().toISOString().slice(0, 10)}.`,
    '- bytes per connection = (RSS after − RSS before) / connections, both after full GCs (`--expose-gc`, bench/idle-hook.cjs); ' +
      'heap = V8 heapUsed, external = memory held by Buffers and native objects V8 knows of.',
    '',
  ];
  const table = [];
  for (const conns of counts) {
    const floor = median(results.filter((r) => r.name === 'floor' && r.conns === conns).map((r) => r.rss));
    for (const name of names) {
      const rs = results.filter((r) => r.name === name && r.conns === conns);
      const rss = median(rs.map((r) => r.rss));
      table.push([
        String(conns),
        name,
        `${Math.min(...rs.map((r) => r.connected))}`,
        round0(rss),
        `${round0(Math.min(...rs.map((r) => r.rss)))}–${round0(Math.max(...rs.map((r) => r.rss)))}`,
        round0(median(rs.map((r) => r.heapUsed))),
        round0(median(rs.map((r) => r.external))),
        `${(rss / floor).toFixed(2)}×`,
        name === 'floor' ? '—' : round0(rss - floor),
      ]);
    }
  }
  lines.push(
    markdownTable(
      ['connections', 'server', 'connected', 'RSS B/conn (median)', 'RSS range', 'heap B/conn', 'external B/conn', 'vs floor', 'over floor B/conn'],
      table,
    ),
  );

  if (snapshotCount > 0) {
    lines.push('', `Heap snapshot difference per connection at ${snapshotCount.toLocaleString('en-US')} connections (type, constructor; ≥ 4 B/conn):`, '');
    const breakdowns = [];
    for (const name of names) breakdowns.push(await breakdown(binary, name, snapshotCount));
    for (const b of breakdowns) {
      lines.push(`<details><summary>${b.name}: ${round0(b.total)} B/conn in the heap snapshot</summary>`, '');
      lines.push(
        markdownTable(
          ['type', 'name', 'objects/conn', 'B/conn'],
          b.rows.slice(0, 30).map((r) => [...r.key.split('\t').map((s) => s.replaceAll('|', '\\|')), r.count.toFixed(2), round0(r.size)]),
        ),
      );
      lines.push('', '</details>', '');
    }
  }
  lines.push('', `Whole run: ${Math.round((Date.now() - began) / 1000)} s.`);
  const body = lines.join('\n');
  console.log(body);
  if (args.write) {
    writeGenerated('Idle connections (issue 3)', '<!-- idle-memory.mjs: generated (begin) -->', '<!-- idle-memory.mjs: generated (end) -->', body);
    console.error('bench/RESULTS.md: "Idle connections (issue 3)" updated');
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
