/**
 * The `wsframe` CLI as a child process (bin/wsframe.js over dist/, so run
 * `npx tsc -p tsconfig.build.json` first; `npm test` does). Every process started here is killed
 * after its test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach } from 'vitest';
import { carrier, carrierCertificate } from './carrier.js';

export const repoRoot = resolve(__dirname, '../..');
export const cliPath = resolve(repoRoot, 'bin/wsframe.js');
const builtCli = resolve(repoRoot, 'dist/cli.js');

const running = new Set<ChildProcess>();

afterEach(async () => {
  await Promise.all([...running].map((child) => stopChild(child, 'SIGKILL')));
  running.clear();
});

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function assertBuilt(): void {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run 'npx tsc -p tsconfig.build.json' first`);
}

function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<Exit> {
  const exited = exitOf(child);
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exited;
}

/** A process whose stdout/stderr are collected; `waitFor` resolves once stdout matches. */
export class CliProcess {
  stdout = '';
  stderr = '';
  private readonly watchers = new Set<() => void>();

  protected constructor(readonly child: ChildProcess) {
    running.add(child);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      for (const watch of this.watchers) watch();
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    child.once('exit', () => {
      running.delete(child);
      for (const watch of this.watchers) watch();
    });
  }

  static spawn(command: string, args: string[]): CliProcess {
    return new CliProcess(spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** The first stdout match of `pattern`; rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern} on stdout; got ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`)), timeoutMs);
      const check = (): void => {
        const match = this.stdout.match(pattern);
        if (match) done(undefined, match);
        else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done(new Error(`exited (${this.child.exitCode ?? this.child.signalCode}) before ${pattern}; stderr: ${this.stderr}`));
        }
      };
      const done = (error?: Error, match?: RegExpMatchArray): void => {
        clearTimeout(timer);
        this.watchers.delete(check);
        if (error) reject(error);
        else resolve(match!);
      };
      this.watchers.add(check);
      check();
    });
  }

  exited(): Promise<Exit> {
    return exitOf(this.child);
  }

  /** The exit, once stdout and stderr are drained too ('exit' can come before the pipes close). */
  async finished(): Promise<Exit> {
    const exit = await this.exited();
    await Promise.all([this.child.stdout!, this.child.stderr!].map((stream) => (stream.closed ? undefined : new Promise((resolve) => stream.once('close', resolve)))));
    return exit;
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    return stopChild(this.child, signal);
  }
}

/** The flags that put `wsframe echo` on this run's carrier (carrier.ts): `--tls-cert`/`--tls-key` in `tls`, `--http2` in `http2`. */
function carrierFlags(): string[] {
  if (carrier === 'http2') return ['--http2'];
  if (carrierCertificate !== undefined) return ['--tls-cert', carrierCertificate.certFile, '--tls-key', carrierCertificate.keyFile];
  return [];
}

/** `wsframe echo` on 127.0.0.1 with a free port (on this run's carrier), once it printed its `listening` line. */
export class EchoCli extends CliProcess {
  port = 0;

  static async start(args: string[] = []): Promise<EchoCli> {
    assertBuilt();
    const cli = new EchoCli(spawn(process.execPath, [cliPath, 'echo', '--host', '127.0.0.1', '--port', '0', ...carrierFlags(), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
    const [, port] = await cli.waitFor(/listening on wss?:\/\/127\.0\.0\.1:(\d+)/);
    cli.port = Number(port);
    return cli;
  }
}

/** `wsframe connect URL ...args` with standard input piped: `typeLine` sends a line, `endInput` ends input. */
export class ConnectCli extends CliProcess {
  static start(url: string, args: string[] = []): ConnectCli {
    assertBuilt();
    const cli = new ConnectCli(spawn(process.execPath, [cliPath, 'connect', url, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] }));
    cli.child.stdin!.on('error', () => {}); // EPIPE once the process is gone: its exit is what tests check
    return cli;
  }

  typeLine(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  endInput(): void {
    this.child.stdin!.end();
  }
}

/** Run `wsframe ...args` to its end (bounded), with its output. */
export async function runCli(args: string[], timeoutMs = 10_000): Promise<Exit & { stdout: string; stderr: string }> {
  assertBuilt();
  const cli = CliProcess.spawn(process.execPath, [cliPath, ...args]);
  const timer = setTimeout(() => void cli.stop('SIGKILL'), timeoutMs);
  const exit = await cli.finished();
  clearTimeout(timer);
  return { ...exit, stdout: cli.stdout, stderr: cli.stderr };
}
