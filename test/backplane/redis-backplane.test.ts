/**
 * RedisBackplane against a real redis-server (test/helpers/redis-server.ts): publish/subscribe
 * between two backplanes, collections in two "processes" (two servers, two backplanes) sharing
 * broadcasts, a Redis that goes away and comes back on the same port, a Redis that is never
 * there, malformed messages, close(), and ioredis loaded only on use.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import WS from 'ws';
import type { BackplaneMessage } from '../../src/backplane/backplane.js';
import { RedisBackplane } from '../../src/backplane/redis-backplane.js';
import type { RedisBackplaneOptions, RedisBackplaneStatus } from '../../src/backplane/redis-backplane.js';
import { WebSocketCollection } from '../../src/handler.js';
import { RedisServer, freePort } from '../helpers/redis-server.js';
import { startServer } from '../helpers/servers.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A backplane whose errors and status changes are recorded; closed after the test. */
function backplane(url: string, options: RedisBackplaneOptions = {}) {
  const errors: string[] = [];
  const statuses: RedisBackplaneStatus[] = [];
  const bp = new RedisBackplane({ url, retryDelayMs: 20, maxRetryDelayMs: 100, onError: (error) => errors.push(error.message), onStatusChange: (status) => statuses.push(status), ...options });
  cleanups.push(() => bp.close());
  return { bp, errors, statuses };
}

/** A plain ioredis client for looking at the server from outside. */
function inspector(url: string): Redis {
  const client = new Redis(url, { lazyConnect: false, retryStrategy: () => 50 });
  client.on('error', () => {});
  cleanups.push(() => client.disconnect());
  return client;
}

async function subscribers(client: Redis, channel: string): Promise<number> {
  const reply = (await client.pubsub('NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

async function redis(): Promise<RedisServer> {
  const server = await RedisServer.start();
  cleanups.push(() => server.stop('SIGKILL'));
  return server;
}

const message = (data: string, origin = 'o'): BackplaneMessage => ({ origin, binary: false, data });

describe('RedisBackplane: pub/sub', () => {
  it('delivers what one backplane publishes to the subscribers of both, per channel; unsubscribe stops it', async () => {
    const server = await redis();
    const a = backplane(server.url);
    const b = backplane(server.url);
    const gotA: BackplaneMessage[] = [];
    const gotB: BackplaneMessage[] = [];
    const gotOther: BackplaneMessage[] = [];
    a.bp.subscribe('room', (m) => gotA.push(m));
    const offB = b.bp.subscribe('room', (m) => gotB.push(m));
    b.bp.subscribe('other', (m) => gotOther.push(m));
    const look = inspector(server.url);
    await expect.poll(() => a.bp.status).toBe('ready');
    await expect.poll(() => b.bp.status).toBe('ready');
    await expect.poll(() => subscribers(look, 'room')).toBe(2);
    expect(await a.bp.whenReady(1000)).toBe(true);

    a.bp.publish('room', message('hello'));
    a.bp.publish('room', { origin: 'x', binary: true, data: Buffer.from([0, 255]).toString('base64') });
    await expect.poll(() => gotB.length).toBe(2);
    expect(gotB).toEqual([message('hello'), { origin: 'x', binary: true, data: 'AP8=' }]);
    await expect.poll(() => gotA.length).toBe(2); // the publisher's own subscribers get it too
    expect(gotOther).toEqual([]);

    offB();
    offB(); // twice is harmless
    await expect.poll(() => subscribers(look, 'room')).toBe(1);
    a.bp.publish('room', message('after'));
    await expect.poll(() => gotA.at(-1)?.data).toBe('after');
    expect(gotB).toHaveLength(2);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    expect(a.statuses).toEqual(['ready']);
  });

  it('two collections with their own servers and backplanes share broadcasts; the sender is not served twice', async () => {
    const server = await redis();
    const rooms = [0, 1].map(() => new WebSocketCollection({ backplane: backplane(server.url).bp, channel: 'wsframe:test' }));
    const ends = await Promise.all(
      rooms.map(async (room) => {
        const { server: ws, port } = await startServer({});
        ws.on('connection', (socket) => {
          room.add(socket);
          socket.on('message', (data: Buffer, isBinary: boolean) => room.broadcast(isBinary ? data : data.toString('utf8')));
        });
        const client = new WS(`ws://127.0.0.1:${port}/`);
        const got: string[] = [];
        client.on('message', (data, isBinary) => got.push(isBinary ? `bin:${Buffer.from(data as Buffer).toString('hex')}` : String(data)));
        await once(client, 'open');
        cleanups.push(() => client.terminate());
        return { client, got };
      }),
    );
    await expect.poll(() => subscribers(inspector(server.url), 'wsframe:test')).toBe(2);
    await expect.poll(() => rooms.every((room) => room.size === 1)).toBe(true);

    ends[0]!.client.send('from 0');
    await expect.poll(() => ends[1]!.got).toEqual(['from 0']);
    ends[1]!.client.send(Buffer.from([1, 2, 3]));
    await expect.poll(() => ends[0]!.got).toEqual(['from 0', 'bin:010203']);
    await new Promise((r) => setTimeout(r, 100));
    expect(ends[1]!.got).toEqual(['from 0', 'bin:010203']); // once each: local delivery, not again from Redis
    for (const room of rooms) room.close();
  });

  it('whenReady() resolves once the SUBSCRIBE is confirmed: a message published right after it arrives', async () => {
    const server = await redis();
    const a = backplane(server.url);
    const got: string[] = [];
    a.bp.subscribe('fresh', (m) => got.push(m.data));
    expect(a.bp.status).toBe('connecting');
    expect(await a.bp.whenReady(5000)).toBe(true);
    expect(await subscribers(inspector(server.url), 'fresh')).toBe(1);
    a.bp.publish('fresh', message('first'));
    await expect.poll(() => got).toEqual(['first']);
  });

  it('a malformed message on the channel is reported, not delivered, and does not stop later ones', async () => {
    const server = await redis();
    const a = backplane(server.url);
    const got: BackplaneMessage[] = [];
    a.bp.subscribe('room', (m) => got.push(m));
    const look = inspector(server.url);
    await expect.poll(() => subscribers(look, 'room')).toBe(1);
    await look.publish('room', 'not json');
    await look.publish('room', JSON.stringify({ origin: 1 }));
    a.bp.publish('room', message('fine'));
    await expect.poll(() => got).toEqual([message('fine')]);
    expect(a.errors).toHaveLength(2);
    expect(a.errors.every((e) => e.startsWith("malformed message on 'room'"))).toBe(true);
  });

  it('close() quits both connections (the server sees them go) and later calls do nothing', async () => {
    const server = await redis();
    const a = backplane(server.url);
    a.bp.subscribe('room', () => {});
    await expect.poll(() => a.bp.status).toBe('ready');
    const look = inspector(server.url);
    const ours = async () => ((await look.client('LIST')) as string).split('\n').filter((line) => line.includes('name=wsframe-backplane-')).length;
    await expect.poll(ours).toBe(2);
    await a.bp.close();
    expect(a.bp.status).toBe('closed');
    await expect.poll(ours).toBe(0);
    expect(() => a.bp.publish('room', message('late'))).not.toThrow();
    expect(a.bp.subscribe('room', () => {})).toBeTypeOf('function');
    await a.bp.close();
    expect(a.errors).toEqual([]);
  });
});

describe('RedisBackplane: Redis goes away', () => {
  it('reports the loss, drops publishes without throwing, keeps local delivery, and resumes when Redis is back on the same port', async () => {
    const server = await redis();
    const a = backplane(server.url);
    const b = backplane(server.url);
    const room = new WebSocketCollection({ backplane: a.bp, channel: 'c' });
    const gotB: string[] = [];
    b.bp.subscribe('c', (m) => gotB.push(m.data));
    const look = inspector(server.url);
    await expect.poll(() => subscribers(look, 'c')).toBe(2);

    // A local member, to show that local delivery never waits on Redis.
    const { server: ws, port } = await startServer({});
    ws.on('connection', (socket) => room.add(socket));
    const client = new WS(`ws://127.0.0.1:${port}/`);
    cleanups.push(() => client.terminate());
    const local: string[] = [];
    client.on('message', (data) => local.push(String(data)));
    await once(client, 'open');
    await expect.poll(() => room.size).toBe(1);

    room.broadcast('before');
    await expect.poll(() => gotB).toEqual(['before']);

    await server.stop();
    await expect.poll(() => a.bp.status).toBe('reconnecting');
    await expect.poll(() => a.errors.some((e) => /connection lost/.test(e))).toBe(true);
    expect(a.statuses).toEqual(['ready', 'reconnecting']);

    expect(room.broadcast('while down 1')).toBe(1);
    expect(room.broadcast('while down 2')).toBe(1);
    await expect.poll(() => local).toEqual(['before', 'while down 1', 'while down 2']);
    expect(a.bp.dropped).toBe(2);
    // Several reconnect attempts fail the same way; each distinct problem is reported once per connection.
    await new Promise((r) => setTimeout(r, 400));
    const refused = a.errors.filter((e) => /ECONNREFUSED/.test(e));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThanOrEqual(2);
    expect(a.errors.filter((e) => /publish dropped/.test(e))).toHaveLength(1);

    await server.start();
    await expect.poll(() => a.bp.status, { timeout: 5000 }).toBe('ready');
    await expect.poll(() => b.bp.status, { timeout: 5000 }).toBe('ready');
    await expect.poll(() => subscribers(look, 'c'), { timeout: 5000 }).toBe(2); // resubscribed by itself
    room.broadcast('after');
    await expect.poll(() => gotB).toEqual(['before', 'after']);
    expect(a.statuses).toEqual(['ready', 'reconnecting', 'ready']);
    expect(a.errors.some((e) => /2 message\(s\) published meanwhile were dropped/.test(e))).toBe(true);
    room.close();
  });

  it('a Redis that is never there: construction does not throw, status stays connecting, errors are reported once, close() stops the retries', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const a = backplane(url, { retryDelayMs: 10, maxRetryDelayMs: 20 });
    const off = a.bp.subscribe('c', () => {});
    a.bp.publish('c', message('nobody'));
    await new Promise((r) => setTimeout(r, 300)); // ~15 failed attempts per connection
    expect(a.bp.status).toBe('connecting');
    expect(a.bp.dropped).toBe(1);
    expect(await a.bp.whenReady(50)).toBe(false);
    const refused = a.errors.filter((e) => /ECONNREFUSED/.test(e));
    expect(refused).toHaveLength(2); // publisher and subscriber, once each
    expect(refused[0]).toContain(url);
    off();
    await a.bp.close();
    expect(a.bp.status).toBe('closed');
    const seen = a.errors.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(a.errors).toHaveLength(seen);
    expect(a.statuses).toEqual(['closed']);
  });

  it('a password in the URL is not repeated in error messages', async () => {
    const url = `redis://:s3cret@127.0.0.1:${await freePort()}`;
    const a = backplane(url);
    await expect.poll(() => a.errors.length).toBeGreaterThan(0);
    expect(a.errors.join('\n')).not.toContain('s3cret');
  });
});

describe('ioredis is loaded lazily', () => {
  it('loading the library and the backplane module does not load ioredis; constructing a RedisBackplane does', () => {
    const dist = resolve(__dirname, '../../dist');
    if (!existsSync(resolve(dist, 'backplane/redis-backplane.js'))) throw new Error('dist is not built: run npx tsc -p tsconfig.build.json');
    const script = `
      const loaded = () => Object.keys(require.cache).some((p) => p.includes('/node_modules/ioredis/'));
      require(${JSON.stringify(resolve(dist, 'index.js'))});
      const { RedisBackplane } = require(${JSON.stringify(resolve(dist, 'backplane/redis-backplane.js'))});
      const before = loaded();
      const bp = new RedisBackplane({ url: 'redis://127.0.0.1:1', onError: () => {} });
      const after = loaded();
      bp.close().then(() => console.log(JSON.stringify({ before, after })));
    `;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(JSON.parse(out)).toEqual({ before: false, after: true });
  });
});
