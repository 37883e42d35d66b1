/**
 * Churn soak (issue 12): does a server that runs for a long time with connections coming and
 * going grow? `wsframe echo` runs in a child process (with bench/idle-hook.cjs preloaded, so it
 * can report its heap after full GCs); bench/lib/soak-client.mjs, in another process, holds
 * `--conns` connections, replaces `--churn` of them every second (half closed with a handshake,
 * half dropped at the TCP level), sends each a 64-byte message every `--message-interval` s, and
 * answers the server's heartbeat pings (`--ping-interval` s). Every `--sample` s the server's RSS,
 * V8 heap (used, after full GCs), open fds (/proc/PID/fd) and active handles are read.
 *
 * Verdict, two checks:
 * - in the run, after `--warmup` s: RSS and the heap fail when they rise by more than 5% of their
 *   mean both by a least-squares line through all their samples and by one through the last half
 *   of them (its slope taken over the whole span): a leak goes on to the end and rises on both; a
 *   one-time step (memory the warm-up's settle returned to the kernel, taken back) followed by a
 *   flat last half rises on the first only, and passes (bench/lib/soak-verdict.mjs says why).
 *   Judged are the samples taken while the client held at least 99% of its connections open, as
 *   memory follows that count (on a loaded machine reconnects lag; with fewer than 3 such samples
 *   the in-run verdict is "inconclusive"). Fds and handles follow the open connections exactly
 *   (they are plotted against them) and are judged by:
 * - settled: twice — at the end of the warm-up and at the end of the run — the churn stops,
 *   every connection is open again, and the server gets its `closeTimeout` and a margin to finish
 *   its closes. At the end it must hold exactly as many fds and handles as right after the
 *   ramp-up, before any churn (a socket or handle leaked by any of the replaced connections would
 *   be one more), and a heap (after full GCs) at most 5% larger than settled after the warm-up
 *   (before it, code and caches of the churn's paths are still being made).
 * The verdict is printed with a summary; an SVG plot (hand-written, no dependency) goes to
 * bench/soak-<transport>.svg; `--results` also writes a section of bench/RESULTS.md.
 *
 *   node bench/soak.mjs [--conns 10000] [--minutes 10] [--churn 0.01] [--message-interval 10]
 *                       [--ping-interval 10] [--sample 10] [--warmup 120]
 *                       [--transport node|native] [--results]
 *
 * `--transport` is passed to `wsframe echo --transport`; without it the CLI's default is used (a
 * CLI that predates the flag has only the node transport, and `--transport node` is then left out).
 */
import { fork, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBuilt, machine, startServer } from './echo.mjs';
import { ask, killServer } from './lib/hooked-server.mjs';
import { markdownTable, writeResultsSection } from './lib/results-file.mjs';
import { judgeTrend, TOLERANCE } from './lib/soak-verdict.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    conns: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '10' },
    churn: { type: 'string', default: '0.01' },
    'message-interval': { type: 'string', default: '10' },
    'ping-interval': { type: 'string', default: '10' },
    sample: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '120' },
    transport: { type: 'string' },
    results: { type: 'boolean', default: false },
  },
});
const conns = Number(values.conns);
const durationS = Number(values.minutes) * 60;
const churn = Number(values.churn);
const messageInterval = Number(values['message-interval']);
const sampleS = Number(values.sample);
const warmupS = Number(values.warmup);
const transport = values.transport;
if (transport !== undefined && transport !== 'node' && transport !== 'native') throw new Error('--transport takes node or native');
/** The sampled series; those with `judged` get the in-run check, the others the settled one. */
const SERIES = [
  { key: 'rssMB', label: 'RSS (MB)', judged: true },
  { key: 'heapMB', label: 'V8 heap used after GC (MB)', judged: true },
  { key: 'fds', label: 'open fds (grey: connections open)', judged: false },
  { key: 'handles', label: 'active handles (grey: connections open)', judged: false },
];
/** The server's own close timeout (5 s by default) and a margin: then every replaced connection is gone there. */
const SETTLE_MS = 8000;

async function main() {
  ensureBuilt(false);
  const serverArgs = ['bin/wsframe.js', 'echo', '--host', '127.0.0.1', '--port', '0', '--ping-interval', values['ping-interval']];
  // A CLI from before --transport holds every connection in a net.Socket: that is `node`.
  const cliHasTransport = spawnSync(process.execPath, ['bin/wsframe.js', '--help'], { cwd: root, encoding: 'utf8' }).stdout.includes('--transport');
  if (transport === 'native' && !cliHasTransport) throw new Error('this wsframe CLI has no --transport flag: only the node transport exists');
  if (transport !== undefined && cliHasTransport) serverArgs.push('--transport', transport);
  const server = await startServer('wsframe', ['--expose-gc', '-r', './bench/idle-hook.cjs'], serverArgs, { ipc: true });
  const client = fork(join(root, 'bench/lib/soak-client.mjs'), [String(server.port), String(conns), String(churn), String(messageInterval)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const clientSays = (command) =>
    new Promise((resolve) => {
      client.once('message', resolve);
      client.send(command);
    });
  const rampStart = Date.now();
  await new Promise((resolve) => client.once('message', resolve)); // { ready }
  const rampS = (Date.now() - rampStart) / 1000;
  // The baseline of the exact check, before any churn: what the server holds for `conns` connections.
  const baseline = await ask(server, { cmd: 'measure' });
  const baselineFds = readdirSync(`/proc/${server.pid}/fd`).length;
  client.send('go');
  console.log(`${conns} connections open in ${rampS.toFixed(1)} s (${baselineFds} fds, ${baseline.handles} handles); soaking ${durationS} s (warm-up ${warmupS} s), sampling every ${sampleS} s`);

  /** Churn stopped, all connections open again, the server's closes done: what it holds then. */
  const settle = async () => {
    await clientSays('quiesce');
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return { ...(await ask(server, { cmd: 'measure' })), fds: readdirSync(`/proc/${server.pid}/fd`).length };
  };

  const samples = [];
  const start = Date.now();
  let warm;
  for (;;) {
    if (warm === undefined && (Date.now() - start) / 1000 >= warmupS) {
      warm = await settle();
      client.send('go');
    }
    const t = (Date.now() - start) / 1000;
    const measured = await ask(server, { cmd: 'measure' });
    const fds = readdirSync(`/proc/${server.pid}/fd`).length;
    const { stats } = await clientSays('stats');
    const sample = { t, rssMB: measured.rss / 2 ** 20, heapMB: measured.heapUsed / 2 ** 20, fds, handles: measured.handles, ...stats };
    samples.push(sample);
    console.log(
      `${t.toFixed(0).padStart(5)} s  rss ${sample.rssMB.toFixed(1)} MB  heap ${sample.heapMB.toFixed(1)} MB  fds ${fds}  handles ${sample.handles}` +
        `  open ${stats.open}  reconnects ${stats.closedCleanly + stats.dropped}  echoed ${stats.echoed}/${stats.sent}  unexpected ${stats.unexpectedCloses}  failed ${stats.failedConnects}`,
    );
    if (t >= durationS) break;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + (samples.length * sampleS) * 1000 - Date.now())));
  }
  const settled = await settle();
  const settledFds = settled.fds;
  client.send('stop');
  await killServer(server);

  const verdicts = judge(samples);
  const leakedFds = settledFds - baselineFds;
  const leakedHandles = ownHandles(settled) - ownHandles(baseline);
  const heapGrowth = settled.heapUsed / warm.heapUsed - 1;
  const settledPass = leakedFds <= 0 && leakedHandles <= 0 && heapGrowth <= TOLERANCE;
  const name = transport ?? 'default';
  const svgPath = join(root, 'bench', `soak-${name}.svg`);
  writeFileSync(svgPath, plot(samples, verdicts, `wsframe echo churn soak (${name} transport): ${conns} connections, ${churn * 100}% replaced per second`));
  const last = samples.at(-1);
  const summary = [
    `${conns} connections for ${values.minutes} min, ${Math.round(conns * churn)} replaced per second (half with a close handshake, half dropped), ` +
      `a 64-byte message per connection every ${messageInterval} s, a heartbeat ping every ${values['ping-interval']} s; ` +
      `transport: ${name}; ${machine().cpu}, Node ${machine().node}, load ${machine().load} at the end.`,
    `Ramp-up: ${rampS.toFixed(1)} s. Over the run: ${last.closedCleanly + last.dropped} replaced, ${last.echoed} of ${last.sent} messages echoed, ` +
      `${last.unexpectedCloses} connections closed by the server unasked, ${last.failedConnects} failed connects ${JSON.stringify(last.failures)} (retried after 1 s).`,
    '',
    markdownTable(
      ['series', `after warm-up (${warmupS} s)`, 'at the end', 'in the run: fitted rise after warm-up (whole span; last half, over the whole span)', 'settled: after the ramp-up → after the warm-up → at the end', 'verdict'],
      verdicts.map((v) => [
        v.label.replace(/ \(grey.*\)/, ''),
        v.first.toFixed(1),
        v.last.toFixed(1),
        !v.judged ? 'follows the open connections' : v.pass === undefined ? `inconclusive (${v.used} samples with ≥ 99% open)` : `${rises(v)} of its mean over ${v.used}; ${v.lateUsed} samples (fails if both > ${TOLERANCE * 100}%)`,
        {
          rssMB: `${mb(baseline.rss)} → ${mb(warm.rss)} → ${mb(settled.rss)} (judged in the run)`,
          heapMB: `${mb(baseline.heapUsed)} → ${mb(warm.heapUsed)} → ${mb(settled.heapUsed)}: ${(heapGrowth * 100).toFixed(1)}% since the warm-up (≤ ${TOLERANCE * 100}%)`,
          fds: `${baselineFds} → ${warm.fds} → ${settledFds}: ${leakedFds >= 0 ? '+' : ''}${leakedFds} (none allowed)`,
          handles: `${ownHandles(baseline)} → ${ownHandles(warm)} → ${ownHandles(settled)}: ${leakedHandles >= 0 ? '+' : ''}${leakedHandles} (none allowed)`,
        }[v.key],
        (v.judged ? v.pass !== false : true) && (v.key === 'heapMB' ? heapGrowth <= TOLERANCE : v.key === 'fds' ? leakedFds <= 0 : v.key === 'handles' ? leakedHandles <= 0 : true) ? 'pass' : 'FAIL',
      ]),
    ),
    '',
    `Settled: the churn stopped, all ${conns} connections open again, ${SETTLE_MS / 1000} s for the server's closes (after the ramp-up, before any churn; after the warm-up; at the end); handles by type ` +
      `(the harness's own pipes not counted) after the ramp-up ${JSON.stringify(baseline.handleTypes)}, after the churn ${JSON.stringify(settled.handleTypes)}.`,
    '',
    `Plot: bench/soak-${name}.svg.`,
  ].join('\n');
  console.log(`\n${summary}`);
  if (values.results) writeResultsSection(join(root, 'bench', 'RESULTS.md'), `Churn soak, ${name} transport (issue 12)`, summary + `\n\n![soak](soak-${name}.svg)`);
  process.exitCode = verdicts.every((v) => !v.judged || v.pass !== false) && settledPass ? 0 : 1;
}

function mb(bytes) {
  return (bytes / 2 ** 20).toFixed(1);
}

/** Active handles but the pipes of the harness itself (stdout, the IPC channel the measurements come through). */
function ownHandles(measured) {
  return Object.entries(measured.handleTypes).reduce((sum, [type, count]) => (type === 'PipeWrap' ? sum : sum + count), 0);
}

/** For each series: its in-run verdict (bench/lib/soak-verdict.mjs) over the samples after warm-up taken with ≥ 99% of the connections open. */
function judge(samples) {
  const afterWarmup = samples.filter((s) => s.t >= warmupS);
  const after = afterWarmup.filter((s) => s.open >= 0.99 * conns);
  return SERIES.map((series) => ({
    ...series,
    first: afterWarmup[0][series.key],
    last: afterWarmup.at(-1)[series.key],
    ...judgeTrend(after.map((s) => s.t), after.map((s) => s[series.key])),
  }));
}

/** The two fitted rises of a verdict, in percent ("—": too few samples in the last half). */
function rises(verdict) {
  const percent = (share) => (Number.isNaN(share) ? '—' : `${(share * 100).toFixed(2)}%`);
  return `${percent(verdict.rise)}; ${percent(verdict.lateRise)}`;
}

/** Four panels, one per series, time in minutes across; the warm-up shaded. */
function plot(samples, verdicts, title) {
  const width = 900;
  const panelHeight = 170;
  const left = 70;
  const right = 20;
  const top = 40;
  const plotWidth = width - left - right;
  const tMax = Math.max(...samples.map((s) => s.t), 1);
  const x = (t) => left + (t / tMax) * plotWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + SERIES.length * panelHeight + 30}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="22" font-size="15">${escape(title)}</text>`,
  ];
  SERIES.forEach(({ key, label }, index) => {
    const y0 = top + index * panelHeight;
    const h = panelHeight - 45;
    const withOpen = key === 'fds' || key === 'handles';
    const ys = samples.flatMap((s) => (withOpen ? [s[key], s.open] : [s[key]]));
    const lo = Math.min(...ys) * 0.95;
    const hi = Math.max(...ys) * 1.05 || 1;
    const y = (v) => y0 + h - ((v - lo) / (hi - lo || 1)) * h;
    const verdict = verdicts[index];
    parts.push(
      `<rect x="${left}" y="${y0}" width="${x(Math.min(warmupS, tMax)) - left}" height="${h}" fill="#eee"/>`,
      `<rect x="${left}" y="${y0}" width="${plotWidth}" height="${h}" fill="none" stroke="#999"/>`,
      `<text x="${left + 6}" y="${y0 + 14}">${escape(label)}${verdict.judged && verdict.pass !== undefined ? ` — fitted rise after warm-up ${rises(verdict)} (whole span; last half): ${verdict.pass ? 'pass' : 'FAIL'}` : ''}</text>`,
      `<text x="${left - 6}" y="${y0 + 10}" text-anchor="end">${hi.toFixed(0)}</text>`,
      `<text x="${left - 6}" y="${y0 + h}" text-anchor="end">${lo.toFixed(0)}</text>`,
      withOpen ? `<polyline fill="none" stroke="#aaa" stroke-width="1" points="${samples.map((s) => `${x(s.t).toFixed(1)},${y(s.open).toFixed(1)}`).join(' ')}"/>` : '',
      `<polyline fill="none" stroke="${verdict.pass === false ? '#d62728' : '#1f77b4'}" stroke-width="2" points="${samples.map((s) => `${x(s.t).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ')}"/>`,
    );
    for (let minute = 0; minute <= tMax / 60; minute++) {
      parts.push(`<text x="${x(minute * 60)}" y="${y0 + h + 15}" text-anchor="middle" fill="#555">${minute}</text>`);
    }
  });
  parts.push(`<text x="${left + plotWidth / 2}" y="${top + SERIES.length * panelHeight + 10}" text-anchor="middle">minutes (grey: warm-up)</text>`, '</svg>');
  return parts.join('\n') + '\n';
}

function escape(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
