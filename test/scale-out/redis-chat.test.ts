/**
 * Scale-out: `wsframe chat --redis URL` in separate processes sharing one real redis-server
 * (test/helpers/redis-server.ts, a free loopback port): messages cross between processes both
 * ways; with Redis stopped each process still serves its own members and says so on stderr
 * without crashing; with Redis back on the same port, delivery across processes resumes. Also
 * `--workers 2 --redis` (node:cluster, one port) and `--workers 2` alone (refused, exit 2).
 * Needs dist/ (npx tsc -p tsconfig.build.json).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import WS from 'ws';
import { CliProcess, cliPath, repoRoot, runCli } from '../helpers/cli-process.js';
import { RedisServer } from '../helpers/redis-server.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `wsframe chat --port 0 ...args` once it printed its listening line. */
class ChatCli extends CliProcess {
  port = 0;

  static async start(args: string[]): Promise<ChatCli> {
    const cli = new ChatCli(spawn(process.execPath, [cliPath, 'chat', '--host', '127.0.0.1', '--port', '0', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
    cleanups.push(() => cli.stop('SIGKILL'));
    const [, port] = await cli.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//, 15_000);
    cli.port = Number(port);
    return cli;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

/** A chat member: a ws client that records every line it hears. */
async function member(port: number, name: string): Promise<{ client: WS; got: string[]; say: (text: string) => void }> {
  const client = new WS(`ws://127.0.0.1:${port}/chat?name=${name}`);
  const got: string[] = [];
  client.on('message', (data) => got.push(String(data)));
  cleanups.push(() => client.terminate());
  await once(client, 'open');
  return { client, got, say: (text) => client.send(text) };
}

async function redis(): Promise<RedisServer> {
  const server = await RedisServer.start();
  cleanups.push(() => server.stop('SIGKILL'));
  return server;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('chat --redis: two processes, one room', () => {
  it('messages cross both ways; without Redis each process serves its own and reports it; with Redis back they cross again', async () => {
    const server = await redis();
    const one = await ChatCli.start(['--redis', server.url]);
    const two = await ChatCli.start(['--redis', server.url]);
    expect(one.port).not.toBe(two.port);
    expect(one.stderr).toMatch(/redis ready/);

    const alice = await member(one.port, 'alice');
    await expect.poll(() => alice.got).toEqual(['alice joined.', 'Welcome alice.']);
    const bob = await member(two.port, 'bob');
    await expect.poll(() => bob.got).toEqual(['bob joined.', 'Welcome bob.']);
    await expect.poll(() => alice.got.at(-1)).toBe('bob joined.'); // two → one
    alice.say('hi from one');
    await expect.poll(() => bob.got.at(-1)).toBe('alice says: hi from one'); // one → two
    bob.say('hi from two');
    await expect.poll(() => alice.got.at(-1)).toBe('bob says: hi from two');
    expect(alice.got.filter((line) => line === 'bob says: hi from two')).toHaveLength(1);

    // Redis goes away: both processes notice (stderr), keep running, and serve their own members.
    await server.stop();
    for (const cli of [one, two]) {
      await expect.poll(() => cli.stderr, { timeout: 5000 }).toMatch(/redis: Redis publisher connection to redis:\/\/127\.0\.0\.1:\d+: connection lost/);
      await expect.poll(() => cli.stderr, { timeout: 5000 }).toMatch(/redis: Redis subscriber connection to .*: connection lost/);
      await expect.poll(() => cli.stderr).toMatch(/redis reconnecting/);
    }
    alice.say('local on one');
    bob.say('local on two');
    await expect.poll(() => alice.got.at(-1)).toBe('alice says: local on one');
    await expect.poll(() => bob.got.at(-1)).toBe('bob says: local on two');
    await sleep(300);
    expect(bob.got).not.toContain('alice says: local on one'); // at-most-once: dropped, not queued
    expect(alice.got).not.toContain('bob says: local on two');
    expect(one.alive && two.alive).toBe(true);
    expect(one.stderr + two.stderr).not.toMatch(/Unhandled|ioredis\]/);

    // Redis is back on the same port: delivery across processes resumes by itself.
    await server.start();
    let n = 0;
    const crossed = (): boolean => bob.got.some((line) => line.startsWith('alice says: ping '));
    const deadline = Date.now() + 15_000;
    while (!crossed() && Date.now() < deadline) {
      alice.say(`ping ${n++}`);
      await sleep(250);
    }
    expect(crossed()).toBe(true);
    await expect.poll(() => one.stderr).toMatch(/redis ready[\s\S]*reconnecting[\s\S]*redis ready/);
    await expect.poll(() => two.stderr).toMatch(/redis ready[\s\S]*reconnecting[\s\S]*redis ready/);
    await expect.poll(() => bob.client.readyState).toBe(WS.OPEN);
    bob.say('back from two');
    await expect.poll(() => alice.got.at(-1), { timeout: 5000 }).toBe('bob says: back from two');
    expect(one.stderr).toMatch(/message\(s\) published meanwhile were dropped/);

    // Clean stop: SIGTERM → exit 0.
    for (const cli of [one, two]) expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 40_000);
});

describe('chat --redis with no Redis yet', () => {
  it('starts anyway after a bounded wait, says so, serves its own members, and joins the backplane when Redis comes up', async () => {
    const server = await redis();
    await server.stop(); // its port, now with nothing listening
    const started = Date.now();
    const one = await ChatCli.start(['--redis', server.url]);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(one.stderr).toMatch(/redis not reachable yet at start; serving local members and retrying/);
    expect(one.stderr).toMatch(/ECONNREFUSED/);
    const solo = await member(one.port, 'solo');
    solo.say('alone');
    await expect.poll(() => solo.got).toEqual(['solo joined.', 'Welcome solo.', 'solo says: alone']);
    await server.start();
    await expect.poll(() => one.stderr, { timeout: 10_000 }).toMatch(/redis ready/);
    expect(await one.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});

describe('chat --workers', () => {
  it('--workers 2 --redis: two processes on one port, clients on it hear each other; SIGTERM stops the workers and the primary', async () => {
    const server = await redis();
    const chat = await ChatCli.start(['--workers', '2', '--redis', server.url]);
    const [, a, b] = chat.stdout.match(/2 workers, pids (\d+), (\d+)/) ?? [];
    const pids = [Number(a), Number(b)];
    expect(pids.every((pid) => pid > 0 && pid !== chat.child.pid && pidAlive(pid))).toBe(true);
    // Both workers hold their two backplane connections.
    const look = new Redis(server.url, { retryStrategy: () => null });
    look.on('error', () => {});
    cleanups.push(() => look.disconnect());
    const names = ((await look.client('LIST')) as string).match(/name=wsframe-backplane-(pub|sub)/g) ?? [];
    expect(names).toHaveLength(4);
    look.disconnect();

    const ann = await member(chat.port, 'ann');
    const ben = await member(chat.port, 'ben');
    await expect.poll(() => ann.got).toContain('ben joined.');
    ben.say('same port');
    await expect.poll(() => ann.got.at(-1)).toBe('ben says: same port');
    ann.say('and back');
    await expect.poll(() => ben.got.at(-1)).toBe('ann says: and back');
    expect(ben.got.filter((line) => line === 'ann says: and back')).toHaveLength(1);

    const exit = await chat.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    await expect.poll(() => pids.some(pidAlive)).toBe(false);
  });

  it('clients are spread over both workers: killing one drops some members but not all, and the rest still talk', async () => {
    const server = await redis();
    const chat = await ChatCli.start(['--workers', '2', '--redis', server.url]);
    const pids = (chat.stdout.match(/pids (\d+), (\d+)/) ?? []).slice(1).map(Number);
    expect(pids).toHaveLength(2);
    const members: (Awaited<ReturnType<typeof member>> & { name: string; closed: boolean })[] = [];
    for (const name of ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']) {
      const joined = { name, closed: false, ...(await member(chat.port, name)) };
      joined.client.on('close', () => (joined.closed = true));
      await expect.poll(() => joined.got).toContain(`Welcome ${name}.`);
      members.push(joined);
    }
    process.kill(pids[0]!, 'SIGKILL');
    await expect.poll(() => chat.stderr).toMatch(/exited \(SIGKILL\); not restarted, 1 left/);
    // node:cluster hands connections to the workers in turn: some members were on the killed one.
    await expect.poll(() => members.some((m) => m.closed)).toBe(true);
    await sleep(500); // every connection of the killed worker has seen its end by now (the kernel closed them at once)
    const alive = members.filter((m) => !m.closed);
    expect(alive.length).toBeGreaterThan(0);
    expect(alive.length).toBeLessThan(members.length);
    alive[0]!.say('after the crash');
    for (const other of alive) await expect.poll(() => other.got.at(-1)).toBe(`${alive[0]!.name} says: after the crash`);
  });

  it('the primary restarts no worker and exits 1 once all are gone', async () => {
    const server = await redis();
    const chat = await ChatCli.start(['--workers', '2', '--redis', server.url]);
    const pids = (chat.stdout.match(/pids (\d+), (\d+)/) ?? []).slice(1).map(Number);
    expect(pids).toHaveLength(2);
    process.kill(pids[0]!, 'SIGKILL');
    await expect.poll(() => chat.stderr).toMatch(/exited \(SIGKILL\); not restarted, 1 left/);
    expect(chat.alive).toBe(true);
    const member2 = await member(chat.port, 'still'); // the other worker still serves the port
    await expect.poll(() => member2.got).toContain('Welcome still.');
    process.kill(pids[1]!, 'SIGKILL');
    expect(await chat.exited()).toEqual({ code: 1, signal: null });
  });

  it('--workers 2 without --redis is refused with exit 2: the processes would each have their own room', async () => {
    const result = await runCli(['chat', '--port', '0', '--workers', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--workers 2 needs --redis URL/);
    expect(result.stderr).toMatch(/split between processes/);
    expect(result.stdout).not.toMatch(/listening/);
  });

  it('rejects a --redis value that is not a redis:// URL, and a --workers that is not a positive number', async () => {
    for (const args of [['--redis', 'http://127.0.0.1:6379'], ['--workers', '0'], ['--workers', 'two']]) {
      const result = await runCli(['chat', '--port', '0', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
    }
  });
});
