/**
 * Broadcast fan-out benchmark (issue 6): one message to 1,000 and 10,000 connections on loopback,
 * time until every member has received it; wsframe's WebSocketCollection.broadcast against ws's
 * usual loop (`for (const client of wss.clients) client.send(data)`). Each server runs in its own
 * process (bench/broadcast-server.mjs); the members and the trigger are held by the C subscriber
 * bench/broadcast-sub.c (epoll, one thread; compiled here with `cc -O2` into bench/.work/).
 *
 *   node bench/broadcast.mjs [--rounds 5] [--reps 5] [--warmup 2] [--conns 1000,10000]
 *                            [--sizes 32,1024,16384] [--write] [--cpu-prof DIR]
 *
 * What one measurement is: the subscriber writes a text frame "go SIZE" on its control
 * connection (t0 = just before that write()); the server broadcasts SIZE binary bytes to every
 * member on that message; each member's receipt is when the subscriber has parsed the last
 * byte of its message. "trigger→last" = last receipt − t0 (every member has it), the headline
 * figure; trigger→first and trigger→median are reported too. One clock (CLOCK_MONOTONIC), one
 * process. CPU over [t0, last receipt]: the server's (all threads, /proc/PID/task/∗/schedstat)
 * and the subscriber's own (CLOCK_PROCESS_CPUTIME_ID), to show which side is the bottleneck.
 *
 * Interleaving: both servers run for the whole run. Round r, for each member count: one
 * subscriber process per server in turn (wsframe first on even rounds, ws first on odd ones)
 * opens the members, then for every size (the starting size rotates per round) `--warmup`
 * broadcasts not counted and `--reps` counted; the round's value is the median of its reps.
 * Tables: median over rounds, ratio wsframe/ws of the medians (< 1: wsframe faster), and the
 * range of the per-round ratios.
 *
 * --cpu-prof DIR: the wsframe server runs under `node --cpu-prof --cpu-prof-dir DIR` (the profile
 * is written when the run ends; read it with bench/cpuprofile-top.mjs).
 * --write: replace the generated block of "Broadcast fan-out (issue 6)" in bench/RESULTS.md.
 * Needs dist/ (npx tsc -p tsconfig.build.json; built here when missing).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, stopServer } from './echo.mjs';
import { buildC } from './lib/build-c.mjs';
import { describeMachine } from './lib/machine.mjs';
import { markdownTable } from './lib/results-file.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    reps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    conns: { type: 'string', default: '1000,10000' },
    sizes: { type: 'string', default: '32,1024,16384' },
    write: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const reps = Number(args.reps);
const warmup = Number(args.warmup);
const connCounts = args.conns.split(',').map(Number);
const sizes = args.sizes.split(',').map(Number);
const impls = ['wsframe', 'ws'];

// ---- build ---------------------------------------------------------------------------------

function build() {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    if (tsc.status !== 0) throw new Error('tsc failed');
  }
  return buildC('broadcast-sub');
}

// ---- processes -----------------------------------------------------------------------------

function startBroadcastServer(impl) {
  const nodeArgs = impl === 'wsframe' && args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof']] : [];
  return startServer(impl, nodeArgs, [join(root, 'bench', 'broadcast-server.mjs'), '--impl', impl]);
}

/** A subscriber process: resolves once its members are open; `.line()` reads its next JSON line. */
async function startSubscriber(binary, server, conns) {
  const child = spawn(binary, ['--port', String(server.port), '--conns', String(conns), '--server-pid', String(server.pid)], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const line = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`subscriber (${server.name}, ${conns}) ended early`);
    return JSON.parse(value);
  };
  const ready = await line();
  if (!ready.ready) throw new Error(`subscriber (${server.name}, ${conns}) not ready: ${JSON.stringify(ready)}`);
  return {
    ready,
    async broadcast(size) {
      child.stdin.write(`go ${size}\n`);
      return line();
    },
    close() {
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      });
    },
  };
}

// ---- statistics ----------------------------------------------------------------------------

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const key = (impl, conns, size) => `${impl}/${conns}/${size}`;

// ---- run -----------------------------------------------------------------------------------

async function main() {
  const binary = build();
  const machine = describeMachine();
  const started = Date.now();
  const servers = {};
  for (const impl of impls) servers[impl] = await startBroadcastServer(impl);
  /** key → per-round summaries: { last, first, median, serverCpu, subCpu, serverIssue } */
  const perRound = new Map();
  const problems = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const conns of connCounts) {
        const order = round % 2 === 0 ? impls : [...impls].reverse();
        for (const impl of order) {
          const sub = await startSubscriber(binary, servers[impl], conns);
          const sizeOrder = sizes.map((_, i) => sizes[(i + round) % sizes.length]);
          for (const size of sizeOrder) {
            const samples = [];
            for (let i = 0; i < warmup + reps; i++) {
              const result = await sub.broadcast(size);
              const members = Number(result.server?.split(' ')[1]);
              if (result.timeout || result.bad || result.received !== conns || members !== conns) {
                problems.push(`${impl} ${conns} × ${size} B, round ${round + 1}: ${JSON.stringify(result)}`);
              }
              if (i >= warmup) samples.push(result);
            }
            const summary = {
              last: median(samples.map((s) => s.last_us)),
              first: median(samples.map((s) => s.first_us)),
              median: median(samples.map((s) => s.median_us)),
              serverCpu: median(samples.map((s) => s.server_cpu_us)),
              subCpu: median(samples.map((s) => s.sub_cpu_us)),
              window: median(samples.map((s) => s.window_us)),
              serverIssue: median(samples.map((s) => Number(s.server.split(' ')[2]) / 1000)),
            };
            const k = key(impl, conns, size);
            if (!perRound.has(k)) perRound.set(k, []);
            perRound.get(k).push(summary);
            console.error(
              `round ${round + 1} ${impl.padEnd(7)} ${String(conns).padStart(5)} × ${String(size).padStart(5)} B: ` +
                `last ${(summary.last / 1000).toFixed(2)} ms, first ${(summary.first / 1000).toFixed(2)} ms, ` +
                `server CPU ${(summary.serverCpu / 1000).toFixed(2)} ms, subscriber CPU ${(summary.subCpu / 1000).toFixed(2)} ms`,
            );
          }
          await sub.close();
          // Let the server take the members' RSTs before the other server is measured.
          await new Promise((resolve) => setTimeout(resolve, 200 + conns / 20));
        }
      }
    }
  } finally {
    for (const impl of impls) await stopServer(servers[impl], 10000); // 10,000 members take a while to close
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const block = report(perRound, problems, machine, seconds);
  console.log(block);
  if (args.write) writeBlock(block);
}

const ms = (us) => (us / 1000).toFixed(us < 10000 ? 2 : 1);

function report(perRound, problems, machine, seconds) {
  const rows = [];
  const cpuRows = [];
  for (const conns of connCounts) {
    for (const size of sizes) {
      const [a, b] = impls.map((impl) => perRound.get(key(impl, conns, size)) ?? []);
      const med = (list, field) => median(list.map((s) => s[field]));
      const ratios = a.map((s, i) => s.last / b[i]?.last).filter(Number.isFinite);
      const lastA = med(a, 'last');
      const lastB = med(b, 'last');
      const label = `${conns.toLocaleString('en-US')} × ${size >= 1024 ? `${size / 1024} KiB` : `${size} B`}`;
      rows.push([
        label,
        `**${ms(lastA)}** / ${ms(lastB)}`,
        `**${(lastA / lastB).toFixed(2)}** (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
        `${ms(med(a, 'first'))} / ${ms(med(b, 'first'))}`,
        `${ms(med(a, 'median'))} / ${ms(med(b, 'median'))}`,
        `${ms(med(a, 'serverIssue'))} / ${ms(med(b, 'serverIssue'))}`,
      ]);
      const perMember = (list) => (med(list, 'serverCpu') / conns).toFixed(1);
      const share = (list) => Math.round((100 * med(list, 'subCpu')) / med(list, 'window'));
      cpuRows.push([
        label,
        `${ms(med(a, 'serverCpu'))} / ${ms(med(b, 'serverCpu'))}`,
        `${perMember(a)} / ${perMember(b)}`,
        `${(med(a, 'serverCpu') / med(b, 'serverCpu')).toFixed(2)}`,
        `${ms(med(a, 'subCpu'))} / ${ms(med(b, 'subCpu'))}`,
        `${share(a)} / ${share(b)}`,
      ]);
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  return [
    `- Machine: ${machine.cpu.trim()}, ${machine.cores} cores; Node ${machine.node}; load average at start ${machine.load} (shared machine: only the ratios mean something).`,
    `- ${rounds} interleaved rounds; per round, server, member count and size: ${warmup} broadcasts not counted, then the median of ${reps}. Tables: median over the rounds; "range" is the lowest and highest per-round ratio. Whole run: ${seconds} s. \`npm run bench:broadcast\`, ${date}.`,
    '- Times in ms from the trigger (the subscriber\'s write of "go SIZE" on the control connection); "last" = every member has the whole message. "server issue": the server\'s own time from the "go" message event to the setImmediate after the broadcast (every member\'s write handed to its socket).',
    '',
    '| members × message | trigger→last ms: wsframe / ws | wsframe/ws (range) | trigger→first ms: wsframe / ws | trigger→median ms: wsframe / ws | server issue ms: wsframe / ws |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    'CPU over [trigger, last receipt], per broadcast (medians): the server process (all threads) and the subscriber.',
    '',
    markdownTable(
      ['members × message', 'server CPU ms: wsframe / ws', 'server CPU µs per member: wsframe / ws', 'server CPU wsframe/ws', 'subscriber CPU ms: wsframe / ws', 'subscriber CPU % of the window: wsframe / ws'],
      cpuRows,
    ),
    '',
    problems.length === 0 ? 'Every member received every message (binary, the right length), no connection lost.' : `Problems:\n\n${problems.map((p) => `- ${p}`).join('\n')}`,
  ].join('\n');
}

const BEGIN = '<!-- broadcast.mjs: generated table (begin) -->';
const END = '<!-- broadcast.mjs: generated table (end) -->';
const HEADING = '## Broadcast fan-out (issue 6)';

/** Replace the generated block inside the section (re-reading the file just before writing); create the section when missing. */
function writeBlock(block) {
  const path = join(root, 'bench', 'RESULTS.md');
  const text = readFileSync(path, 'utf8');
  const generated = `${BEGIN}\n${block}\n${END}`;
  const start = text.indexOf(`${HEADING}\n`);
  if (start === -1) {
    const intro = [
      HEADING,
      '',
      "wsframe's `WebSocketCollection.broadcast` against ws's usual broadcast loop (`for (const client of wss.clients) client.send(data)`),",
      'each server in its own process (`bench/broadcast-server.mjs`), members held by the C subscriber `bench/broadcast-sub.c`',
      '(epoll, one thread) in a third process. Run: `npm run bench:broadcast` (`node bench/broadcast.mjs`; `--write` replaces the',
      'generated block below, `--cpu-prof DIR` profiles the wsframe server).',
    ].join('\n');
    writeFileSync(path, `${text.trimEnd()}\n\n${intro}\n\n${generated}\n`);
    return;
  }
  const next = text.indexOf('\n## ', start + HEADING.length);
  const sectionEnd = next === -1 ? text.length : next;
  const b = text.indexOf(BEGIN, start);
  const e = text.indexOf(END, start);
  if (b === -1 || e === -1 || e > sectionEnd) throw new Error('the generated block of the broadcast section is missing');
  writeFileSync(path, `${text.slice(0, b)}${generated}${text.slice(e + END.length)}`);
  console.error('bench/RESULTS.md: "Broadcast fan-out (issue 6)" updated');
}

await main();
