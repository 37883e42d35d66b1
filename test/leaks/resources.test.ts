/**
 * Nothing leaks: after servers and clients are closed — cleanly, by timeouts, by protocol errors,
 * with permessage-deflate and pings on, through proxies that fail — no socket, server or timer of
 * ours is left.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { WebSocketServer } from '../../src/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { carrierUrl, clientCarrier, itOverTcp } from '../helpers/carrier.js';
import { standaloneOptions } from '../helpers/servers.js';
import { WebSocket as WhatwgWebSocket, WebSocketStream } from '../../src/web/index.js';
import { activeResources } from '../helpers/active-resources.js';

/**
 * Timers created by wsframe's own code (src/) that are still pending: unref'd timers (the sweep)
 * do not show among active resources, so they are tracked here, by wrapping the timer functions.
 */
const pendingTimers = new Set<unknown>();
function track<T extends (...args: never[]) => unknown>(create: T, clear: (handle: unknown) => void, once: boolean): [T, (handle: unknown) => void] {
  const tracked = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const ours = /[\/]src[\/]/.test(new Error().stack ?? '');
    const handle = (create as unknown as (...a: unknown[]) => unknown)(
      (...callArgs: unknown[]) => {
        if (once) pendingTimers.delete(handle);
        callback(...callArgs);
      },
      ms,
      ...args,
    );
    if (ours) pendingTimers.add(handle);
    return handle;
  }) as unknown as T;
  return [tracked, (handle) => { pendingTimers.delete(handle); clear(handle); }];
}
[globalThis.setTimeout, globalThis.clearTimeout] = track(setTimeout, clearTimeout as (h: unknown) => void, true) as [typeof setTimeout, typeof clearTimeout];
[globalThis.setInterval, globalThis.clearInterval] = track(setInterval, clearInterval as (h: unknown) => void, false) as [typeof setInterval, typeof clearInterval];

const resources = activeResources;

it('a session of every kind leaves no socket, server or timer behind', async () => {
  const before = resources();
  const server = new WebSocketServer(standaloneOptions({ perMessageDeflate: true, pingInterval: 50, idleTimeout: 2000, closeTimeout: 200 }));
  server.on('connection', (ws) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  // Clean closes from the client, with compression.
  for (let i = 0; i < 5; i++) {
    const ws = await connect(carrierUrl(port), { ...clientCarrier, pingInterval: 50 });
    ws.send('x'.repeat(5000));
    await ws.receive();
    await ws.close(1000);
  }
  // A protocol error, a peer that vanishes, a peer that never answers our close.
  const bad = await RawClient.upgraded(port);
  bad.send(3, 'reserved opcode');
  await bad.waitClosed();
  const vanishing = await RawClient.upgraded(port);
  vanishing.destroy();
  const silent = await RawClient.upgraded(port);
  await expect.poll(() => server.clients.size).toBeGreaterThan(0);
  // Handshakes that fail on the client side.
  await expect(connect(carrierUrl(port), { ...clientCarrier, protocols: ['x'], headers: { 'Sec-WebSocket-Version': '8' } })).rejects.toBeDefined();
  await expect(connect(carrierUrl(port), { ...clientCarrier, handshakeTimeout: 1, signal: AbortSignal.abort() })).rejects.toBeDefined();

  // Client handshakes against a server that never answers, and one that starts and goes silent.
  const { createServer } = await import('node:net');
  const mute = createServer((socket) => socket.on('data', () => {}));
  const halting = createServer((socket) => socket.once('data', () => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n')));
  for (const silentServer of [mute, halting]) {
    silentServer.listen(0, '127.0.0.1');
    await once(silentServer, 'listening');
    const silentPort = (silentServer.address() as AddressInfo).port;
    await expect(connect(`ws://127.0.0.1:${silentPort}`, { handshakeTimeout: 100 })).rejects.toMatchObject({ code: 'WS_ERR_HANDSHAKE_TIMEOUT' });
    silentServer.close();
    await once(silentServer, 'close'); // closes only once every accepted socket is gone: none leaked
  }
  // The proxy phase: a proxy that never answers CONNECT, and one that hangs up.
  const silentProxy = createServer((socket) => socket.on('data', () => {}));
  const hangingUp = createServer((socket) => socket.once('data', () => socket.destroy()));
  for (const [proxy, code] of [[silentProxy, 'WS_ERR_PROXY_TIMEOUT'], [hangingUp, 'WS_ERR_PROXY_TUNNEL_CLOSED']] as const) {
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    await expect(connect(`ws://127.0.0.1:${port}`, { proxy: proxyUrl, handshakeTimeout: 100 })).rejects.toMatchObject({ code });
    proxy.close();
    await once(proxy, 'close');
  }

  await server.close(); // the silent peer gets 1001 and, after closeTimeout, its TCP dropped
  silent.destroy();
  await expect.poll(() => resources(), { timeout: 5000 }).toEqual(before);
  expect(pendingTimers.size).toBe(0);
});

it('heartbeats and timeouts of many connections run from one sweep timer, not one per socket', async () => {
  let intervals = 0;
  let timeouts = 0;
  const countFromSrc = (): boolean => /[\\/]src[\\/]/.test(new Error().stack ?? '');
  const [setI, setT] = [globalThis.setInterval, globalThis.setTimeout];
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => (countFromSrc() && intervals++, setI(...args))) as typeof setInterval;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => (countFromSrc() && timeouts++, setT(...args))) as typeof setTimeout;
  const before = resources();
  try {
    // RawClients do not answer pings: an interval long enough that none is closed before all 50 are
    // counted, even on a loaded machine (at 100 ms some were, before the poll saw 50).
    const server = new WebSocketServer(standaloneOptions({ pingInterval: 2000, idleTimeout: 5000, handshakeTimeout: 5000 }));
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const clients = await Promise.all(Array.from({ length: 50 }, () => RawClient.upgraded(port)));
    await expect.poll(() => server.clients.size).toBe(50);
    expect(intervals).toBe(1);
    expect(timeouts).toBe(0);
    for (const client of clients) client.destroy();
    await server.close();
    // Gone, and nothing left behind (the next test's `before` is taken on a settled process).
    await expect.poll(() => resources(), { timeout: 5000 }).toEqual(before);
  } finally {
    globalThis.setInterval = setI;
    globalThis.setTimeout = setT;
  }
});

// The request heads the standalone server reads itself (HTTP/1.1); over HTTP/2, node:http2 reads them.
itOverTcp('the handshake timeout of clients that connect one after another runs on one sweep timer, not one per connection', async () => {
  let intervals = 0;
  const setI = globalThis.setInterval;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => (/[\\/]src[\\/]/.test(new Error().stack ?? '') && intervals++, setI(...args))) as typeof setInterval;
  const before = resources();
  try {
    // No heartbeat or idle timeout: the head timeouts are the sweeper's only member, and each
    // handshake ends before the next client connects.
    const server = new WebSocketServer(standaloneOptions({ handshakeTimeout: 5000 }));
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    for (let i = 0; i < 5; i++) {
      const client = await RawClient.upgraded(port);
      await expect.poll(() => server.clients.size).toBe(1);
      client.destroy();
      await expect.poll(() => server.clients.size).toBe(0);
    }
    expect(intervals).toBe(1);
    await server.close();
    expect(pendingTimers.size).toBe(0); // closing took the sweep off its timer
    await expect.poll(() => resources(), { timeout: 5000 }).toEqual(before);
  } finally {
    globalThis.setInterval = setI;
  }
});

it('wsframe/web sessions of every kind leave no socket, immediate or timer behind', async () => {
  const before = resources();
  // Plain TCP on every project: the browser's WebSocket has no way to trust a test certificate.
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, closeTimeout: 200, verify: (request) => !request.url?.includes('refuse') });
  server.on('connection', (ws) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
  await once(server, 'listening');
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  // WebSocket: an echo (a Blob among the sends) and a clean close; close() while CONNECTING; a refusal.
  const echoed = new WhatwgWebSocket(url);
  await once(echoed, 'open');
  echoed.send(new Blob(['blob']));
  echoed.send('text');
  await once(echoed, 'message');
  echoed.close(1000);
  await once(echoed, 'close');
  const abandoned = new WhatwgWebSocket(url);
  abandoned.close();
  await once(abandoned, 'close');
  const refused = new WhatwgWebSocket(`${url}?refuse`);
  await once(refused, 'close');

  // WebSocketStream: a write and a clean close; a signal aborted at once; a cancelled readable with messages unread.
  const clean = new WebSocketStream(url);
  await (await clean.opened).writable.getWriter().write('x');
  clean.close();
  await clean.closed;
  const aborted = new WebSocketStream(url, { signal: AbortSignal.abort() });
  await aborted.closed.catch(() => {});
  const cancelled = new WebSocketStream(url);
  const { readable, writable } = await cancelled.opened;
  await writable.getWriter().write('unread');
  await readable.cancel();
  await cancelled.closed;

  await server.close();
  await expect.poll(() => resources(), { timeout: 5000 }).toEqual(before);
  expect(pendingTimers.size).toBe(0);
});
