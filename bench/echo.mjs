/**
 * Echo benchmark (issue 3): wsframe's `echo` CLI against a `ws` echo server (bench/ws-echo-server.mjs,
 * ws 8 + bufferutil + utf-8-validate, perMessageDeflate off), each in its own process, driven by
 * the C load generator bench/loadgen.c (compiled here with `cc -O2` into bench/.work/).
 *
 *   node bench/echo.mjs [--rounds 5] [--duration 3] [--warmup 1] [--only NAME,NAME] [--build]
 *                       [--write]   (replace the generated part of "Echo benchmark (issue 3)" in bench/RESULTS.md)
 *                       [--cpu-prof DIR] (run the wsframe server under `node --cpu-prof`, profile into DIR)
 *   node bench/echo.mjs --client [flags of bench/client-echo.mjs]
 *                       (issue 4: the wsframe client against the ws client, same echo servers; see there)
 *
 * Scenarios run interleaved (round r: every scenario, wsframe then ws on even rounds, ws then
 * wsframe on odd ones), so a noisy neighbour hits both alike; the table has medians over the
 * rounds, the ratio of the medians, and the range of the per-round ratios. Server CPU is read
 * from /proc/PID/stat by the load generator over the same counted window, which gives a second,
 * less noise-sensitive figure: messages (or MB) per second of server CPU.
 *
 * Needs dist/ (npx tsc -p tsconfig.build.json) and the addon (npx node-gyp rebuild): built here
 * when missing, or always with --build.
 *
 * The deflate scenario (issue 5, section "permessage-deflate (issue 5)" of RESULTS.md, which
 * --write also updates): 100 connections × 4 in flight of 4 KiB JSON-like text, loadgen --deflate
 * (compresses with context takeover, inflates and checks every echo), against three servers:
 * `wsframe echo --deflate` (answers server_no_context_takeover), bench/wsframe-echo-server.mjs
 * --takeover (wsframe keeping its compression context), and bench/ws-echo-server.mjs --deflate
 * (ws's defaults). It needs zlib's headers for the load generator (zlib1g-dev; skipped with a
 * message without them) and runs in the first --deflate-rounds rounds (default 3), so the
 * whole run stays under 4 minutes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildC } from './lib/build-c.mjs';
import { median } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', '.work');

const isMain = process.argv[1] === fileURLToPath(import.meta.url);
// `--client`: the client benchmark (bench/client-echo.mjs), which parses its own flags.
const clientSuite = isMain && process.argv.includes('--client');
const { values: args } = parseArgs({
  strict: isMain && !clientSuite, // imported by idle-memory.mjs for its helpers: its flags are not ours
  args: isMain && !clientSuite ? process.argv.slice(2) : [],
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    only: { type: 'string' },
    build: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'deflate-rounds': { type: 'string', default: '3' },
  },
});
const deflateRounds = Number(args['deflate-rounds']);
/** zlib's headers: the load generator's --deflate needs them (Debian: zlib1g-dev). */
export const hasZlib = existsSync('/usr/include/zlib.h');
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const warmup = Number(args.warmup);

/** The servers of the compatibility scenarios: the core API (`wsframe echo`), wsframe/ws, ws. */
const compatServers = ['wsframe', 'wsframe-ws', 'ws'];

/** What each scenario measures; `metric` is what the target is about. */
const scenarios = [
  { name: 'latency-32B', conns: 1, inflight: 1, size: 32, binary: false, metric: 'latency' },
  { name: '32B x100', conns: 100, inflight: 16, size: 32, binary: false, metric: 'msgs', target: 3 },
  { name: '16KiB x100', conns: 100, inflight: 4, size: 16 * 1024, binary: true, metric: 'mb', target: 1.5 },
  { name: '1MiB x10', conns: 10, inflight: 2, size: 1024 * 1024, binary: true, metric: 'mb', target: 1.5 },
  // issue 5: permessage-deflate; its servers are the deflate variants, reported in their own section
  { name: 'deflate 4KiB x100', conns: 100, inflight: 4, size: 4096, binary: false, deflate: true, metric: 'msgs', servers: ['wsframe', 'ws', 'wsframe-takeover'] },
  // issue 11: the same echo code on wsframe/ws (bench/ws-echo-server.mjs --impl wsframe/ws), against the core API and ws
  ...[[32, 16, false, 'msgs'], [16 * 1024, 4, true, 'mb']].map(([size, inflight, binary, metric]) => ({
    name: `compat ${size >= 1024 ? `${size / 1024}KiB` : `${size}B`} x100`, conns: 100, inflight, size, binary, metric, compat: true, servers: compatServers,
  })),
].filter((s) => args.only === undefined || args.only.split(',').includes(s.name));
const plainScenarios = scenarios.filter((s) => !s.deflate && !s.compat);
const compatScenarios = scenarios.filter((s) => s.compat);
const deflateScenario = scenarios.find((s) => s.deflate);

// ---- build ---------------------------------------------------------------------------------

function run(command, argv) {
  const result = spawnSync(command, argv, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed (${result.status})`);
}

export function ensureBuilt(force) {
  if (force || !existsSync(join(root, 'dist', 'cli.js'))) run('npx', ['tsc', '-p', 'tsconfig.build.json']);
  if (force || !existsSync(join(root, 'build', 'Release'))) run('npx', ['node-gyp', 'rebuild']);
  mkdirSync(work, { recursive: true });
  // With zlib's headers the load generator can speak permessage-deflate (--deflate); the marker
  // file says how the binary was built, so installing zlib1g-dev later rebuilds it.
  const marker = join(work, 'loadgen.zlib');
  const binary = buildC('loadgen', {
    flags: hasZlib ? ['-DLOADGEN_ZLIB'] : [],
    libs: hasZlib ? ['-lz'] : [],
    force: existsSync(marker) !== hasZlib,
  });
  if (hasZlib) writeFileSync(marker, '');
  else rmSync(marker, { force: true });
  return binary;
}

export function kernelInfo() {
  const probe = spawnSync(process.execPath, ['-e', "const k=require('./dist/index.js').kernels;console.log(JSON.stringify({name:k.name,isa:k.isa}))"], { cwd: root, encoding: 'utf8' });
  try {
    return JSON.parse(probe.stdout.trim());
  } catch {
    return { name: 'unknown', isa: 'unknown' };
  }
}

export function machine() {
  const cpu = cpus();
  return {
    cpu: `${cpu[0]?.model?.trim() ?? 'unknown'}, ${cpu.length} cores`,
    node: process.version,
    load: loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

// ---- servers -------------------------------------------------------------------------------

/** Starts a server process and resolves { name, pid, port, child } once it prints `listening`. */
export function startServer(name, nodeArgs, scriptArgs, options = {}) {
  // options.command: what starts node (bench/lib/uws.mjs: through another glibc's loader);
  // options.env: variables added to this process's environment.
  const [command, ...prefix] = options.command ?? [process.execPath];
  const child = spawn(command, [...prefix, ...nodeArgs, ...scriptArgs], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: options.ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const match = /listening on ws:\/\/[^:]+:(\d+)/.exec(out);
      if (match) {
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining (access logs etc.)
        resolve({ name, pid: child.pid, port: Number(match[1]), child, banner: out.trim() });
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${out}`)));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the server has exited. */
export function stopServer(server, graceMs = 5000) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
    setTimeout(() => server.child.kill('SIGKILL'), graceMs).unref();
  });
}

/** One load generator run against `server`; `seconds` counted after `warm` seconds (default: this run's flags). */
export function loadgen(binary, server, scenario, seconds = duration, warm = warmup) {
  const argv = [
    '--port', String(server.port), '--server-pid', String(server.pid),
    '--conns', String(scenario.conns), '--inflight', String(scenario.inflight), '--size', String(scenario.size),
    '--duration', String(seconds), '--warmup', String(warm),
  ];
  if (scenario.binary) argv.push('--binary');
  if (scenario.deflate) argv.push('--deflate');
  const result = spawnSync(binary, argv, { encoding: 'utf8', timeout: (seconds + warm + 70) * 1000 });
  const line = result.stdout.trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`loadgen failed against ${server.name} (${scenario.name}): ${result.stdout} ${result.stderr}`);
  }
}

// ---- statistics ----------------------------------------------------------------------------

const fmt = (x, digits = 0) => (x >= 100 || digits === 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));
const ratio = (x) => `${x.toFixed(2)}×`;

function value(result, scenario) {
  return scenario.metric === 'mb' ? result.mb_per_s : result.msgs_per_s;
}

function summarize(results) {
  const rows = [];
  const names = ['wsframe', 'ws'];
  for (const scenario of plainScenarios) {
    const by = Object.fromEntries(names.map((n) => [n, results.filter((r) => r.scenario === scenario.name && r.server === n)]));
    const stat = (n, f) => median(by[n].map(f));
    const perRound = by.wsframe.map((r, i) => value(r, scenario) / value(by.ws[i], scenario));
    const row = { scenario, rounds: by.wsframe.length };
    for (const n of names) {
      row[n] = {
        value: stat(n, (r) => value(r, scenario)),
        msgs: stat(n, (r) => r.msgs_per_s),
        p50: stat(n, (r) => r.latency_us.p50),
        p99: stat(n, (r) => r.latency_us.p99),
        serverCpu: stat(n, (r) => r.cpu_server_pct),
        loadgenCpu: stat(n, (r) => r.cpu_loadgen_pct),
        perCpu: stat(n, (r) => (value(r, scenario) * r.seconds) / Math.max(r.cpu_server_s, 1e-9)),
        errors: by[n].reduce((sum, r) => sum + r.errors + (r.connected - r.alive), 0),
      };
    }
    row.ratio = row.wsframe.value / row.ws.value;
    row.ratioRange = [Math.min(...perRound), Math.max(...perRound)];
    row.perCpuRatio = row.wsframe.perCpu / row.ws.perCpu;
    if (scenario.metric === 'latency') {
      row.p50Ratio = row.ws.p50 / row.wsframe.p50;
      row.p99Ratio = row.ws.p99 / row.wsframe.p99;
    }
    rows.push(row);
  }
  return rows;
}

function markdown(rows, info) {
  const lines = [];
  lines.push(
    `- Machine: ${info.machine.cpu}; Node ${info.machine.node}; load average at start ${info.machine.load}` +
      ` (shared machine: only the ratios mean something).`,
    `- wsframe kernels: ${info.kernels.name} (${info.kernels.isa}); ws: ${info.wsBanner}.`,
    `- ${rounds} interleaved rounds × ${duration} s counted (after ${warmup} s warm-up) per scenario and server; ` +
      `medians over the rounds; "range" is the lowest and highest per-round ratio. Whole run: ${info.seconds} s. ` +
      `\`npm run bench:echo\`, ${info.date}.`,
    `- CPU columns: share of one core over the counted window, server process (all threads, /proc/PID/stat) ` +
      `and load generator (getrusage). "per server CPU-s": the throughput divided by the server's CPU time.`,
    '',
    '| scenario | metric | wsframe | ws | wsframe/ws (range) | target | per server CPU-s: wsframe / ws (ratio) | server CPU % wsframe / ws | loadgen CPU % wsframe / ws |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const row of rows) {
    const s = row.scenario;
    const label = `${s.name}: ${s.conns} conn × ${s.inflight} in flight, ${s.size >= 1024 ? `${s.size / 1024} KiB` : `${s.size} B`} ${s.binary ? 'binary' : 'text'}`;
    const cpu = `${fmt(row.wsframe.serverCpu)} / ${fmt(row.ws.serverCpu)}`;
    const lg = `${fmt(row.wsframe.loadgenCpu)} / ${fmt(row.ws.loadgenCpu)}`;
    const unit = s.metric === 'mb' ? 'MB/s' : 'msg/s';
    const perCpu = `${fmt(row.wsframe.perCpu)} / ${fmt(row.ws.perCpu)} (${ratio(row.perCpuRatio)})`;
    const range = `${ratio(row.ratio)} (${row.ratioRange.map((x) => x.toFixed(2)).join('–')})`;
    if (s.metric === 'latency') {
      lines.push(
        `| ${label} | p50 / p99 µs | ${fmt(row.wsframe.p50, 1)} / ${fmt(row.wsframe.p99, 1)} | ${fmt(row.ws.p50, 1)} / ${fmt(row.ws.p99, 1)} | ` +
          `p50 ${ratio(row.p50Ratio)}, p99 ${ratio(row.p99Ratio)} faster | — | ${perCpu} msg | ${cpu} | ${lg} |`,
      );
      lines.push(`| ${label} | msg/s | ${fmt(row.wsframe.msgs)} | ${fmt(row.ws.msgs)} | ${range} | — | | | |`);
      continue;
    }
    const met = row.ratio >= s.target ? 'met' : '**missed**';
    lines.push(
      `| ${label} | ${unit} | ${fmt(row.wsframe.value, 1)} | ${fmt(row.ws.value, 1)} | ${range} | ≥ ${s.target}× ${met} | ${perCpu} | ${cpu} | ${lg} |`,
    );
  }
  const errors = rows.flatMap((r) => ['wsframe', 'ws'].filter((n) => r[n].errors > 0).map((n) => `${n} ${r.scenario.name}: ${r[n].errors}`));
  lines.push('', errors.length ? `Errors/dropped connections: ${errors.join('; ')}.` : 'No errors, no dropped connections.');
  return lines.join('\n');
}

/** The deflate scenario: every server against ws, per round, then medians. */
function deflateMarkdown(scenario, results, info) {
  const names = scenario.servers;
  const by = Object.fromEntries(names.map((n) => [n, results.filter((r) => r.scenario === scenario.name && r.server === n)]));
  const row = (n) => {
    const rs = by[n];
    const stat = (f) => median(rs.map(f));
    const ratios = rs.map((r) => r.msgs_per_s / by.ws.find((w) => w.round === r.round).msgs_per_s);
    const perCpu = (r) => (r.msgs_per_s * r.seconds) / Math.max(r.cpu_server_s, 1e-9);
    const perCpuRatio = stat(perCpu) / median(by.ws.map(perCpu));
    return {
      n,
      msgs: stat((r) => r.msgs_per_s),
      ratio: stat((r) => r.msgs_per_s) / median(by.ws.map((r) => r.msgs_per_s)),
      range: [Math.min(...ratios), Math.max(...ratios)],
      perCpu: stat(perCpu),
      perCpuRatio,
      p50: stat((r) => r.latency_us.p50 / 1000),
      p99: stat((r) => r.latency_us.p99 / 1000),
      serverCpu: stat((r) => r.cpu_server_pct),
      loadgenCpu: stat((r) => r.cpu_loadgen_pct),
      echoWire: stat((r) => r.echo_payload_avg),
      sentWire: stat((r) => r.sent_payload_avg),
      extensions: [...new Set(rs.map((r) => r.extensions))].join(' / '),
      errors: rs.reduce((sum, r) => sum + r.errors + (r.connected - r.alive), 0),
      rounds: rs.length,
    };
  };
  const rows = names.map(row);
  const label = { wsframe: '`wsframe echo --deflate`', ws: 'ws `perMessageDeflate: true`', 'wsframe-takeover': 'wsframe with takeover both ways' };
  const lines = [
    `- Machine: ${info.machine.cpu}; Node ${info.machine.node}; load average at start ${info.machine.load}` +
      ` (shared machine: only the ratios mean something). \`npm run bench:echo\`, ${info.date}.`,
    `- ${scenario.conns} connections × ${scenario.inflight} in flight, ${scenario.size / 1024} KiB JSON-like text (16 documents in turn), ` +
      `loadgen \`--deflate\` (sends with context takeover: ${fmt(rows[0].sentWire)} B per message on the wire; inflates and checks every echo). ` +
      `${rows[0].rounds} interleaved rounds × ${duration} s counted (after ${warmup} s warm-up); medians; ranges are the per-round ratios to ws.`,
    '',
    '| server | negotiated (server\'s answer) | msg/s | vs ws (range) | per server CPU-s (vs ws) | p50 / p99 ms | server CPU % | loadgen CPU % | echo B on the wire |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${label[r.n] ?? r.n} | \`${r.extensions}\` | ${fmt(r.msgs)} | ${r.n === 'ws' ? '—' : `${ratio(r.ratio)} (${r.range.map((x) => x.toFixed(2)).join('–')})`} | ` +
        `${fmt(r.perCpu)} (${ratio(r.perCpuRatio)}) | ${fmt(r.p50, 1)} / ${fmt(r.p99, 1)} | ${fmt(r.serverCpu)} | ${fmt(r.loadgenCpu)} | ${fmt(r.echoWire)} |`,
    );
  }
  const errors = rows.filter((r) => r.errors > 0).map((r) => `${r.n}: ${r.errors}`);
  lines.push('', errors.length ? `Errors/dropped connections: ${errors.join('; ')}.` : 'No errors, no dropped connections; every echo inflated to the bytes sent.');
  return lines.join('\n');
}

/** The compatibility scenarios: wsframe/ws against the core API and against ws, per round, then medians. */
function compatMarkdown(rows, results, info) {
  const lines = [
    `- Machine: ${info.machine.cpu}; Node ${info.machine.node}; load average at start ${info.machine.load}` +
      ` (shared machine: only the ratios mean something). \`node bench/echo.mjs --only '${rows.map((s) => s.name).join(',')}'\`, ${info.date}.`,
    '- Servers: `wsframe echo` (the core API: `ws.on(\'message\', …)` + `send`), bench/ws-echo-server.mjs `--impl wsframe/ws` ' +
      '(ws\'s echo code, unchanged, on wsframe/ws) and bench/ws-echo-server.mjs (ws 8 + bufferutil + utf-8-validate). ' +
      `${rounds} interleaved rounds (order rotated each round) × ${duration} s counted; medians; ranges are the per-round ratios.`,
    '',
    '| scenario | metric | core API | wsframe/ws | ws | wsframe/ws ÷ core (range) | wsframe/ws ÷ ws (range) | per server CPU-s: wsframe/ws ÷ core, ÷ ws |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of rows) {
    const by = Object.fromEntries(compatServers.map((n) => [n, results.filter((r) => r.scenario === s.name && r.server === n)]));
    const med = (n, f) => median(by[n].map(f));
    const v = (r) => value(r, s);
    const perCpu = (r) => (v(r) * r.seconds) / Math.max(r.cpu_server_s, 1e-9);
    const versus = (n) => {
      const perRound = by['wsframe-ws'].map((r) => v(r) / v(by[n].find((o) => o.round === r.round)));
      return `${ratio(med('wsframe-ws', v) / med(n, v))} (${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`;
    };
    const cpu = `${ratio(med('wsframe-ws', perCpu) / med('wsframe', perCpu))}, ${ratio(med('wsframe-ws', perCpu) / med('ws', perCpu))}`;
    const unit = s.metric === 'mb' ? 'MB/s' : 'msg/s';
    const label = `${s.conns} conn × ${s.inflight} in flight, ${s.size >= 1024 ? `${s.size / 1024} KiB binary` : `${s.size} B text`}`;
    lines.push(`| ${label} | ${unit} | ${fmt(med('wsframe', v), 1)} | ${fmt(med('wsframe-ws', v), 1)} | ${fmt(med('ws', v), 1)} | ${versus('wsframe')} | ${versus('ws')} | ${cpu} |`);
  }
  const errors = rows.flatMap((s) => compatServers.map((n) => [n, results.filter((r) => r.scenario === s.name && r.server === n).reduce((sum, r) => sum + r.errors + (r.connected - r.alive), 0)]).filter(([, e]) => e > 0).map(([n, e]) => `${n} ${s.name}: ${e}`));
  lines.push('', errors.length ? `Errors/dropped connections: ${errors.join('; ')}.` : 'No errors, no dropped connections.');
  return lines.join('\n');
}

const COMPAT_BEGIN = '<!-- echo.mjs: compat table (begin) -->';
const COMPAT_END = '<!-- echo.mjs: compat table (end) -->';

const DEFLATE_BEGIN = '<!-- echo.mjs: deflate table (begin) -->';
const DEFLATE_END = '<!-- echo.mjs: deflate table (end) -->';

const BEGIN = '<!-- echo.mjs: generated table (begin) -->';
const END = '<!-- echo.mjs: generated table (end) -->';

/** Replace the generated block inside `## heading` of RESULTS.md; everything else stays. */
export function writeGenerated(heading, begin, end, body) {
  const path = join(root, 'bench', 'RESULTS.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const block = `${begin}\n${body.trim()}\n${end}`;
  const header = `## ${heading}\n`;
  let start = text.indexOf(header);
  if (start === -1) {
    writeFileSync(path, `${text.trimEnd()}\n\n${header}\n${block}\n`);
    return;
  }
  const next = text.indexOf('\n## ', start + header.length);
  const sectionEnd = next === -1 ? text.length : next + 1;
  const section = text.slice(start, sectionEnd);
  const b = section.indexOf(begin);
  const e = section.indexOf(end);
  const updated =
    b !== -1 && e > b
      ? section.slice(0, b) + block + section.slice(e + end.length)
      : `${section.trimEnd()}\n\n${block}\n${next === -1 ? '' : '\n'}`;
  writeFileSync(path, text.slice(0, start) + updated + text.slice(sectionEnd));
}

// ---- main ----------------------------------------------------------------------------------

async function main() {
  const began = Date.now();
  const binary = ensureBuilt(args.build);
  const info = { machine: machine(), kernels: kernelInfo(), date: new Date().toISOString().slice(0, 10) };
  const profDir = args['cpu-prof'];
  const wsframe = await startServer(
    'wsframe',
    profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
    ['bin/wsframe.js', 'echo', '--host', '127.0.0.1', '--port', '0', '--receive-buffer-limit', String(4 * 1024 * 1024)],
  );
  const ws = await startServer('ws', [], ['bench/ws-echo-server.mjs', '--host', '127.0.0.1', '--port', '0']);
  info.wsBanner = /\(([^)]*)\)/.exec(ws.banner)?.[1] ?? ws.banner;
  const servers = { wsframe, ws };
  if (deflateScenario !== undefined && !hasZlib) {
    console.error('deflate scenario skipped: the load generator needs zlib\'s headers (apt-get install zlib1g-dev)');
    scenarios.splice(scenarios.indexOf(deflateScenario), 1);
  } else if (deflateScenario !== undefined) {
    const argv = ['--host', '127.0.0.1', '--port', '0'];
    servers['wsframe:deflate'] = await startServer('wsframe (deflate)', [], ['bin/wsframe.js', 'echo', ...argv, '--receive-buffer-limit', String(4 * 1024 * 1024), '--deflate']);
    servers['ws:deflate'] = await startServer('ws (deflate)', [], ['bench/ws-echo-server.mjs', ...argv, '--deflate']);
    servers['wsframe-takeover:deflate'] = await startServer('wsframe (deflate, takeover)', [], ['bench/wsframe-echo-server.mjs', ...argv, '--takeover']);
  }
  if (compatScenarios.length > 0) {
    servers['wsframe-ws'] = await startServer('wsframe/ws', [], ['bench/ws-echo-server.mjs', '--impl', 'wsframe/ws', '--host', '127.0.0.1', '--port', '0']);
  }
  console.error(`servers: wsframe pid ${wsframe.pid} port ${wsframe.port}; ws pid ${ws.pid} port ${ws.port} (${info.wsBanner})`);
  console.error(`kernels: ${info.kernels.name} ${info.kernels.isa}; ${info.machine.cpu}; node ${info.machine.node}; load ${info.machine.load}`);

  const results = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const scenario of scenarios) {
        if (scenario.deflate && round >= deflateRounds) continue;
        const names = scenario.servers ?? ['wsframe', 'ws'];
        const order = names.map((_, i) => names[(i + round) % names.length]); // rotated each round
        for (const name of order) {
          const r = loadgen(binary, servers[scenario.deflate ? `${name}:deflate` : name], scenario);
          results.push({ ...r, server: name, scenario: scenario.name, round });
          const shown = scenario.metric === 'mb' ? `${r.mb_per_s.toFixed(1)} MB/s` : `${Math.round(r.msgs_per_s)} msg/s`;
          console.error(
            `round ${round + 1}/${rounds} ${scenario.name.padEnd(12)} ${name.padEnd(8)} ${shown.padStart(14)}  ` +
              `p50 ${r.latency_us.p50.toFixed(1)} µs p99 ${r.latency_us.p99.toFixed(1)} µs  ` +
              `cpu server ${r.cpu_server_pct.toFixed(0)}% loadgen ${r.cpu_loadgen_pct.toFixed(0)}%` +
              (r.errors ? `  errors ${r.errors} (${r.first_error})` : ''),
          );
        }
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => stopServer(server)));
  }
  info.seconds = Math.round((Date.now() - began) / 1000);
  writeFileSync(join(work, 'echo-results.json'), JSON.stringify({ info, results }, null, 2));
  const deflateRan = scenarios.includes(deflateScenario);
  if (plainScenarios.length > 0) {
    const table = markdown(summarize(results), info);
    console.log(table);
    if (args.write) {
      writeGenerated('Echo benchmark (issue 3)', BEGIN, END, table);
      console.error('bench/RESULTS.md: "Echo benchmark (issue 3)" updated');
    }
  }
  if (compatScenarios.length > 0) {
    const table = compatMarkdown(compatScenarios, results, info);
    console.log(`\n${table}`);
    if (args.write) {
      writeGenerated('ws compatibility layer (issue 11)', COMPAT_BEGIN, COMPAT_END, table);
      console.error('bench/RESULTS.md: "ws compatibility layer (issue 11)" updated');
    }
  }
  if (deflateRan) {
    const table = deflateMarkdown(deflateScenario, results, info);
    console.log(`\n${table}`);
    if (args.write) {
      writeGenerated('permessage-deflate (issue 5)', DEFLATE_BEGIN, DEFLATE_END, table);
      console.error('bench/RESULTS.md: "permessage-deflate (issue 5)" updated');
    }
  }
}

if (clientSuite) {
  import('./client-echo.mjs')
    .then((client) => client.main(process.argv.slice(2).filter((arg) => arg !== '--client')))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
} else if (isMain) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
