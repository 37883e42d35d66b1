/**
 * Memory per connection with permessage-deflate (issue 5), idle and active, next to the same
 * servers without it:
 *
 *   wsframe           `wsframe echo`                       (no deflate)
 *   wsframe-deflate   `wsframe echo --deflate`             (answers server_ and client_no_context_takeover)
 *   wsframe-takeover  bench/wsframe-echo-server.mjs --takeover (takeover both ways)
 *   ws                bench/ws-echo-server.mjs             (perMessageDeflate off)
 *   ws-deflate        bench/ws-echo-server.mjs --deflate   (ws's defaults: takeover both ways)
 *
 *   node bench/deflate-memory.mjs [--conns 3000] [--rounds 3] [--messages 10] [--only a,b] [--write]
 *
 * Method as bench/idle-memory.mjs (each server in its own process with --expose-gc and
 * bench/idle-hook.cjs; full GCs before each reading), three readings on one server: before any
 * connection; "idle": N connections open, handshakes done, nothing sent (loadgen --mode idle,
 * offering permessage-deflate to the deflate servers); "active": after every connection sent
 * --messages 4 KiB JSON-like texts and received their echoes (loadgen `send N`: with deflate,
 * compressed with context takeover on the client side, echoes inflated and checked; without,
 * the same documents uncompressed). 10 messages of 4 KiB are 40 KiB of plaintext each way:
 * more than a 32 KiB window, so a takeover window is full. Per connection: (reading − before) / N.
 * Servers are interleaved over the rounds (rotated); the table has medians. About 3 minutes at
 * the defaults (4,000 connections: just under 4).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { ensureBuilt, hasZlib, machine, startServer, writeGenerated } from './echo.mjs';
import { ask, killServer } from './lib/hooked-server.mjs';
import { median } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: {
    conns: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    messages: { type: 'string', default: '10' },
    only: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});
const conns = Number(args.conns);
const rounds = Number(args.rounds);
const messages = Number(args.messages);

const host = ['--host', '127.0.0.1', '--port', '0'];
const allServers = {
  wsframe: { argv: ['bin/wsframe.js', 'echo', ...host], deflate: false },
  'wsframe-deflate': { argv: ['bin/wsframe.js', 'echo', ...host, '--deflate'], deflate: true },
  'wsframe-takeover': { argv: ['bench/wsframe-echo-server.mjs', ...host, '--takeover'], deflate: true },
  ws: { argv: ['bench/ws-echo-server.mjs', ...host], deflate: false },
  'ws-deflate': { argv: ['bench/ws-echo-server.mjs', ...host, '--deflate'], deflate: true },
};
const names = Object.keys(allServers).filter((n) => args.only === undefined || args.only.split(',').includes(n));
const nodeArgs = ['--expose-gc', '-r', './bench/idle-hook.cjs'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lines the load generator prints, one at a time. */
function lineReader(stream) {
  stream.setEncoding('utf8');
  let buffered = '';
  const waiting = [];
  const lines = [];
  stream.on('data', (chunk) => {
    buffered += chunk;
    let i;
    while ((i = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      if (waiting.length) waiting.shift()(line);
      else lines.push(line);
    }
  });
  return () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((resolve) => waiting.push(resolve)));
}

async function measure(binary, name) {
  const spec = allServers[name];
  const server = await startServer(name, nodeArgs, spec.argv, { ipc: true });
  let client;
  try {
    await sleep(200);
    const before = await ask(server, { cmd: 'measure' });
    const argv = ['--mode', 'idle', '--port', String(server.port), '--conns', String(conns), '--size', '4096', spec.deflate ? '--deflate' : '--json'];
    client = spawn(binary, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
    const next = lineReader(client.stdout);
    const ready = JSON.parse(await next());
    await sleep(1000);
    const idle = await ask(server, { cmd: 'measure' });
    client.stdin.write(`send ${messages}\n`);
    const sent = JSON.parse(await next());
    await sleep(1000);
    const active = await ask(server, { cmd: 'measure' });
    const per = (reading, key) => (reading[key] - before[key]) / ready.connected;
    const pick = (reading) => ({
      rss: per(reading, 'rss'),
      heapUsed: per(reading, 'heapUsed'),
      external: per(reading, 'external'),
      arrayBuffers: per(reading, 'arrayBuffers'),
    });
    return { name, connected: ready.connected, failed: ready.failed, extensions: ready.extensions, sent, idle: pick(idle), active: pick(active) };
  } finally {
    if (client && client.exitCode === null) {
      const exited = once(client, 'exit');
      client.stdin.end(); // loadgen resets its connections and exits
      await exited;
    }
    await killServer(server);
  }
}

const n0 = (x) => Math.round(x).toLocaleString('en-US');

async function main() {
  const began = Date.now();
  const binary = ensureBuilt(false);
  if (!hasZlib) throw new Error("the load generator needs zlib's headers for --deflate (apt-get install zlib1g-dev)");
  const info = machine();
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const r = await measure(binary, name);
      results.push(r);
      console.error(
        `round ${round + 1}/${rounds} ${name.padEnd(16)} connected ${r.connected} [${r.extensions}] echoes ${r.sent.echoes} errors ${r.sent.errors} | ` +
          `idle rss ${n0(r.idle.rss)} heap ${n0(r.idle.heapUsed)} ext ${n0(r.idle.external)} | ` +
          `active rss ${n0(r.active.rss)} heap ${n0(r.active.heapUsed)} ext ${n0(r.active.external)} B/conn`,
      );
    }
  }
  const rows = names.map((name) => {
    const rs = results.filter((r) => r.name === name);
    const m = (phase, key) => median(rs.map((r) => r[phase][key]));
    const range = (phase) => `${n0(Math.min(...rs.map((r) => r[phase].rss)))}–${n0(Math.max(...rs.map((r) => r[phase].rss)))}`;
    return {
      name,
      extensions: [...new Set(rs.map((r) => r.extensions || '(none)'))].join(' / '),
      connected: Math.min(...rs.map((r) => r.connected)),
      errors: rs.reduce((sum, r) => sum + r.sent.errors + (r.connected - r.sent.alive) + r.failed, 0),
      idle: { rss: m('idle', 'rss'), range: range('idle'), heap: m('idle', 'heapUsed'), ext: m('idle', 'external') },
      active: { rss: m('active', 'rss'), range: range('active'), heap: m('active', 'heapUsed'), ext: m('active', 'external') },
    };
  });
  const base = Object.fromEntries(rows.map((r) => [r.name, r]));
  const plainOf = (name) => base[name.startsWith('ws-') || name === 'ws' ? 'ws' : 'wsframe'];
  const lines = [
    `- Machine: ${info.cpu}; Node ${info.node}; load average at start ${info.load}. ${rounds} rounds, servers rotated; medians. ` +
      `\`node bench/deflate-memory.mjs\`, ${new Date().toISOString().slice(0, 10)}, ${Math.round((Date.now() - began) / 1000)} s.`,
    `- ${n0(conns)} connections per server. idle: after the handshakes; active: after each connection sent ${messages} × 4 KiB JSON-like text and got the echoes. ` +
      'B/conn = (reading − reading before any connection) / connections, all after full GCs; heap = V8 heapUsed; external = Buffers and native memory V8 is told of (Node counts zlib streams there). ' +
      '"deflate extra" = the RSS column minus the same library without deflate in the same phase.',
    '',
    '| server | negotiated | idle RSS B/conn (range) | idle heap / external | idle deflate extra | active RSS B/conn (range) | active heap / external | active deflate extra |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const plain = plainOf(r.name);
    const extra = (phase) => (r === plain || plain === undefined ? '—' : n0(r[phase].rss - plain[phase].rss));
    lines.push(
      `| ${r.name} | \`${r.extensions}\` | ${n0(r.idle.rss)} (${r.idle.range}) | ${n0(r.idle.heap)} / ${n0(r.idle.ext)} | ${extra('idle')} | ` +
        `${n0(r.active.rss)} (${r.active.range}) | ${n0(r.active.heap)} / ${n0(r.active.ext)} | ${extra('active')} |`,
    );
  }
  const errors = rows.filter((r) => r.errors > 0).map((r) => `${r.name}: ${r.errors}`);
  lines.push('', errors.length ? `Errors/failed connections: ${errors.join('; ')}.` : 'No errors or failed connections; every echo checked byte for byte.');
  const body = lines.join('\n');
  console.log(body);
  if (args.write) {
    writeGenerated('permessage-deflate (issue 5)', '<!-- deflate-memory.mjs: generated (begin) -->', '<!-- deflate-memory.mjs: generated (end) -->', body);
    console.error('bench/RESULTS.md: "permessage-deflate (issue 5)" updated');
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
