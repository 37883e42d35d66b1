/**
 * A real HTTP proxy: Debian's tinyproxy (/usr/bin/tinyproxy; scripts/install-test-deps.sh installs
 * it) as a child process on a free 127.0.0.1 port, with a generated configuration: CONNECT only
 * to `connectPorts` (others get 403), optionally Basic credentials (407 without), and a log at
 * level Connect that the tests read to see which tunnels were asked for. Every proxy started
 * here is stopped after the test file and when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { freePort } from './redis-server.js';

export const tinyproxyPath = '/usr/bin/tinyproxy';

const running = new Set<Tinyproxy>();

afterAll(async () => {
  await Promise.all([...running].map((proxy) => proxy.stop()));
});
process.once('exit', () => {
  for (const proxy of running) proxy.child.kill('SIGKILL');
});

export interface TinyproxyOptions {
  /** The target ports CONNECT may reach (tinyproxy's ConnectPort). */
  connectPorts: number[];
  /** Require these Basic credentials (tinyproxy's BasicAuth). */
  basicAuth?: { user: string; password: string };
  /** Forward every tunnel to the proxy at 127.0.0.1:PORT (tinyproxy's Upstream). */
  upstreamPort?: number;
}

export class Tinyproxy {
  private output = '';

  private constructor(
    readonly port: number,
    readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  /** http://127.0.0.1:PORT */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: TinyproxyOptions, timeoutMs = 10_000): Promise<Tinyproxy> {
    if (!existsSync(tinyproxyPath)) throw new Error(`${tinyproxyPath} is missing: run scripts/install-test-deps.sh (apt-get install tinyproxy)`);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'wsframe-tinyproxy-'));
    const config = [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 10',
      `LogFile "${join(dir, 'tinyproxy.log')}"`,
      'LogLevel Connect',
      'MaxClients 50',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      ...options.connectPorts.map((connectPort) => `ConnectPort ${connectPort}`),
      ...(options.basicAuth ? [`BasicAuth ${options.basicAuth.user} ${options.basicAuth.password}`] : []),
      ...(options.upstreamPort !== undefined ? [`Upstream http 127.0.0.1:${options.upstreamPort}`] : []),
    ];
    writeFileSync(join(dir, 'tinyproxy.conf'), `${config.join('\n')}\n`);
    // -d: stay in the foreground, so the child is the proxy and stop() ends it.
    const child = spawn(tinyproxyPath, ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proxy = new Tinyproxy(port, child, dir);
    running.add(proxy);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (proxy.output += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (proxy.output += text));
    const deadline = Date.now() + timeoutMs;
    while (!(await accepts(port))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`tinyproxy on port ${port} exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${proxy.output}`);
      }
      if (Date.now() > deadline) {
        await proxy.stop();
        throw new Error(`tinyproxy on port ${port} did not accept connections within ${timeoutMs} ms:\n${proxy.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return proxy;
  }

  /** The targets of the CONNECT requests logged so far ("127.0.0.1:PORT"), in order. */
  connects(): string[] {
    const file = join(this.dir, 'tinyproxy.log');
    const log = existsSync(file) ? readFileSync(file, 'utf8') : '';
    return [...log.matchAll(/Request \(file descriptor \d+\): CONNECT (\S+) HTTP/g)].map((match) => match[1]!);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    running.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
