/**
 * Python's `websockets` (Debian's python3-websockets, for /usr/bin/python3 — not a pyenv python
 * on PATH) as a peer: runs test/interop/echo_client.py with a JSON plan and returns its JSON.
 * `bash scripts/install-test-deps.sh` installs the package.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { CliProcess } from './cli-process.js';

export const systemPython = '/usr/bin/python3';
const script = resolve(__dirname, '../interop/echo_client.py');

/** The installed websockets version, or undefined when /usr/bin/python3 cannot import it. */
export function pythonWebsocketsVersion(): string | undefined {
  const probe = spawnSync(systemPython, ['-c', 'import websockets; print(websockets.__version__)'], { encoding: 'utf8', timeout: 10_000 });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

export type PythonStep =
  | { op: 'echo'; type: 'text' | 'binary'; size: number }
  | { op: 'fragments'; type: 'text' | 'binary'; parts: string[] }
  | { op: 'ping'; data: string }
  | { op: 'close'; code: number; reason: string }
  | { op: 'send_and_await_close'; type: 'text' | 'binary'; size: number }
  | { op: 'await_close' };

export interface PythonResult {
  type?: 'text' | 'binary';
  length?: number;
  sha256?: string;
  code?: number;
  reason?: string;
  pong?: boolean;
  error?: string;
}

/** Run test/interop/NAME with /usr/bin/python3 and ARGS; the JSON its last stdout line holds. */
export async function runPythonScript<T>(name: string, args: string[], timeoutMs = 30_000): Promise<T> {
  const python = CliProcess.spawn(systemPython, [resolve(__dirname, '../interop', name), ...args]);
  const timer = setTimeout(() => void python.stop('SIGKILL'), timeoutMs);
  const exit = await python.finished();
  clearTimeout(timer);
  if (exit.code !== 0) throw new Error(`${name} exited ${exit.code ?? exit.signal}: ${python.stderr}`);
  return JSON.parse(python.stdout.trim().split('\n').pop()!) as T;
}

/** Run the plan (a list of connections, each a list of steps) against ws://127.0.0.1:port/. */
export async function runPythonPlan(port: number, plan: PythonStep[][], timeoutMs = 30_000): Promise<PythonResult[]> {
  const python = CliProcess.spawn(systemPython, [script, `ws://127.0.0.1:${port}/`, JSON.stringify(plan)]);
  const timer = setTimeout(() => void python.stop('SIGKILL'), timeoutMs);
  const exit = await python.finished();
  clearTimeout(timer);
  if (exit.code !== 0) throw new Error(`echo_client.py exited ${exit.code ?? exit.signal}: ${python.stderr}`);
  const line = python.stdout.trim().split('\n').pop()!;
  return (JSON.parse(line) as { results: PythonResult[] }).results;
}

const serverScript = resolve(__dirname, '../interop/echo_server.py');

/** test/interop/echo_server.py (a `websockets` server) on 127.0.0.1, a free port; killed after the test. */
export class PythonServer {
  private constructor(
    private readonly process: CliProcess,
    readonly port: number,
  ) {}

  /** `script`: another server in test/interop/ that prints the same `listening`/`closed` lines. */
  static async start(script = serverScript, args: string[] = []): Promise<PythonServer> {
    const python = CliProcess.spawn(systemPython, [resolve(__dirname, '../interop', script), ...args]);
    const [, port] = await python.waitFor(/^listening (\d+)$/m);
    return new PythonServer(python, Number(port));
  }

  url(path: string): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  /** The close frame the server received on the connection to `path` (1006: none), once it ended. */
  async closed(path: string): Promise<{ code: number; reason: string }> {
    const { code, reason } = await this.closedReport(path);
    return { code, reason };
  }

  /** The whole `closed {...}` report of the connection to `path` (a server may add fields). */
  async closedReport<T extends { code: number; reason: string }>(path: string): Promise<T> {
    const escaped = JSON.stringify(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const [, report] = await this.process.waitFor(new RegExp(`^closed (\\{"path": ${escaped},.*\\})$`, 'm'));
    return JSON.parse(report!) as T;
  }
}
