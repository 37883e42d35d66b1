/**
 * A real redis-server (Debian's /usr/bin/redis-server; scripts/install-test-deps.sh installs it)
 * as a child process on a free 127.0.0.1 port, with no persistence. `stop()` ends it,
 * `start()` brings it back on the same port. Every server started here is stopped after the
 * test file (afterAll) and when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export const redisServerPath = '/usr/bin/redis-server';

const running = new Set<RedisServer>();

afterAll(async () => {
  await Promise.all([...running].map((server) => server.stop('SIGKILL')));
});
process.once('exit', () => {
  for (const server of running) server.child?.kill('SIGKILL');
});

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Whether a Redis server answers PING with +PONG on 127.0.0.1:port (within timeoutMs). */
export function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

export class RedisServer {
  child: ChildProcess | undefined;
  output = '';
  private dir: string | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Start a server on a free port (or on `port`) and wait until it answers PING. */
  static async start(port?: number): Promise<RedisServer> {
    if (!existsSync(redisServerPath)) throw new Error(`${redisServerPath} is missing: run scripts/install-test-deps.sh (apt-get install redis-server)`);
    const server = new RedisServer(port ?? (await freePort()));
    await server.start();
    return server;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** (Re)start on this server's port; resolves once it accepts connections (bounded). */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.running) return;
    const dir = (this.dir = mkdtempSync(join(tmpdir(), 'wsframe-redis-')));
    const child = spawn(redisServerPath, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    running.add(this);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.output += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.output += text));
    const deadline = Date.now() + timeoutMs;
    while (!(await ping(this.port))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`redis-server on port ${this.port} exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${this.output}`);
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server on port ${this.port} did not accept connections within ${timeoutMs} ms:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Stop the server (SIGTERM: a clean shutdown that closes its clients; SIGKILL: a crash) and wait for its exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    this.child = undefined;
    running.delete(this);
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
