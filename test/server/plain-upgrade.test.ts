/**
 * The standalone server's common handshake in the addon (native/plain_upgrade.cc; the comparison
 * with the TypeScript handshake is test/handshake/plain-upgrade.test.ts): it is taken where the
 * server allows it, the connection and the request the application gets are what the TypeScript
 * path gives, and the server's own rules (path, maxHeaderSize, maxConnections, verify, origins, a
 * subprotocol function, permessage-deflate) still decide. On both transports (the node one reads
 * heads with the same code).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nativeAddon } from '../../src/native.js';
import type { UpgradeRequestInfo, WebSocketServerOptions } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';
import { nativeTransport, parkedConnections } from '../../src/transport/native-transport.js';
import { RawClient, answer, clientFrame, upgradeRequest } from '../helpers/raw-client.js';
import { accessLogRecorder } from '../helpers/access-log.js';
import { defaultTransport, echo, plainTcp, startServer } from '../helpers/servers.js';

const TEXT = 1;

/**
 * Counts the addon's answers: how many requests it answered, and how many it declined — asked by
 * the server on a net.Socket (plainUpgrade), or answered by the native listener itself (its stats).
 */
function watchPlainUpgrades(): { answered: () => number; declined: () => number } {
  const spy = vi.spyOn(nativeAddon!, 'plainUpgrade');
  const stats = () => nativeTransport?.stats() ?? { plainOpened: 0, plainDeclined: 0 };
  const before = stats();
  return {
    answered: () => spy.mock.results.filter((result) => result.type === 'return' && result.value > 0).length + stats().plainOpened - before.plainOpened,
    declined: () => spy.mock.results.filter((result) => result.type === 'return' && result.value === 0).length + stats().plainDeclined - before.plainDeclined,
  };
}

/** A server whose 'connection' listener keeps each request; echoes. */
async function serverKeepingRequests(options: WebSocketServerOptions = {}) {
  const requests: UpgradeRequestInfo[] = [];
  const started = await startServer({ ...plainTcp, ...options }, (ws) => echo(ws));
  started.server.on('connection', (_ws: WebSocket, request: UpgradeRequestInfo) => requests.push(request));
  return { ...started, requests };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(nativeAddon === undefined)('the common handshake in the addon', () => {
  it('answers a plain upgrade; the connection echoes; the request is what the TypeScript path makes of the same bytes', async () => {
    const plain = watchPlainUpgrades();
    const extra = { Host: 'example.com', Origin: 'http://example.com', 'User-Agent': 'test', Cookie: 'a=1', 'X-Twice': 'one' };
    const fast = await serverKeepingRequests();
    const slow = await serverKeepingRequests({ verify: () => true }); // verify: the TypeScript path
    for (const { port } of [fast, slow]) {
      const client = await RawClient.upgraded(port, extra, '/room?id=7');
      client.send(TEXT, 'hello');
      expect((await client.frame()).payload.toString()).toBe('hello');
      client.destroy();
    }
    expect(plain.answered()).toBe(1);
    const [mine, theirs] = [fast.requests[0]!, slow.requests[0]!];
    expect({ method: mine.method, url: mine.url, httpVersion: mine.httpVersion, rawHeaders: mine.rawHeaders, headers: mine.headers }).toEqual({
      method: theirs.method,
      url: theirs.url,
      httpVersion: theirs.httpVersion,
      rawHeaders: theirs.rawHeaders,
      headers: theirs.headers,
    });
    expect(mine.url).toBe('/room?id=7');
    expect(mine.headers['user-agent']).toBe('test');
  });

  it('delivers frames that came in the same read as the head', async () => {
    const plain = watchPlainUpgrades();
    const { port } = await startServer(plainTcp, echo);
    const client = await RawClient.open(port);
    client.socket.write(Buffer.concat([Buffer.from(upgradeRequest(port)), clientFrame(TEXT, 'with the head')]));
    expect((await client.response()).status).toBe(101);
    expect((await client.frame()).payload.toString()).toBe('with the head');
    expect(plain.answered()).toBe(1);
    client.destroy();
  });

  it('answers an extension offer without an extension where the server negotiates none, and leaves it to permessage-deflate where one does', async () => {
    const plain = watchPlainUpgrades();
    const offer = { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' };
    const none = await startServer(plainTcp, echo);
    const reply = await RawClient.open(none.port);
    reply.write(upgradeRequest(none.port, offer));
    const plainHead = await reply.response();
    expect(plainHead.status).toBe(101);
    expect(plainHead.headers['sec-websocket-extensions']).toBeUndefined();
    reply.destroy();
    expect(plain.answered()).toBe(1);

    const deflating = await startServer({ ...plainTcp, perMessageDeflate: true }, echo);
    const negotiated = await RawClient.open(deflating.port);
    negotiated.write(upgradeRequest(deflating.port, offer));
    expect((await negotiated.response()).headers['sec-websocket-extensions']).toContain('permessage-deflate');
    negotiated.destroy();
    expect(plain.answered()).toBe(1);
    expect(plain.declined()).toBe(1);
  });

  it('the server still refuses what the addon accepts but its options do not: another path, a head over maxHeaderSize, past maxConnections', async () => {
    const plain = watchPlainUpgrades();
    const withPath = await startServer({ ...plainTcp, path: '/ws' }, echo);
    expect((await answer(withPath.port, upgradeRequest(withPath.port, {}, '/other'))).status).toBe(400);
    const small = await startServer({ ...plainTcp, maxHeaderSize: 100 }, echo);
    expect((await answer(small.port, upgradeRequest(small.port))).status).toBe(431);
    const one = await startServer({ ...plainTcp, maxConnections: 1 }, echo);
    const first = await RawClient.upgraded(one.port);
    await expect.poll(() => one.server.clients.size).toBe(1);
    expect((await answer(one.port, upgradeRequest(one.port))).status).toBe(503);
    first.destroy();
    // The server on a net.Socket asks the addon, then refuses the path and the size itself; the
    // native listener applies those rules before it answers. The 503 was never asked.
    expect(plain.answered()).toBe(defaultTransport === 'native' ? 1 : 3);
  });

  it('is not asked where the application decides on each request: verify, origins, a subprotocol function', async () => {
    const plain = watchPlainUpgrades();
    const settings: WebSocketServerOptions[] = [{ verify: () => true }, { origins: ['http://example.com'] }, { protocols: () => undefined }];
    for (const options of settings) {
      const { port } = await startServer({ ...plainTcp, ...options }, echo);
      (await RawClient.upgraded(port, { Origin: 'http://example.com' })).destroy();
    }
    expect(plain.answered() + plain.declined()).toBe(0);
  });

  it('counts the 101 and writes the access log line; trustProxy reads X-Forwarded-For from the head', async () => {
    watchPlainUpgrades();
    const log = accessLogRecorder();
    const addresses: string[] = [];
    const { port, server } = await startServer({ ...plainTcp, accessLog: log.stream, trustProxy: true }, (ws) => addresses.push(ws.remoteAddress));
    const client = await RawClient.upgraded(port, { 'X-Forwarded-For': '203.0.113.9, 10.0.0.1', 'User-Agent': 'agent/1' }, '/logged');
    expect(server.stats.statuses[101]).toBe(1);
    expect(addresses).toEqual(['203.0.113.9']);
    await expect.poll(() => log.requests().length).toBe(1);
    expect(log.requests()[0]).toContain('/logged');
    expect(log.requests()[0]).toContain('101');
    client.destroy();
  });

  it.runIf(defaultTransport === 'native' && nativeTransport !== undefined)('a WebSocket opened with nothing to do is parked at once, and the first message wakes it', async () => {
    const before = parkedConnections();
    const { port } = await startServer(plainTcp, echo);
    const client = await RawClient.upgraded(port);
    await expect.poll(() => parkedConnections()).toBe(before + 1);
    client.send(TEXT, 'wake up');
    expect((await client.frame()).payload.toString()).toBe('wake up');
    client.destroy();
  });

  it.runIf(defaultTransport === 'native' && nativeTransport !== undefined)('one whose connection listener sent something is not parked until the next tick', async () => {
    const before = parkedConnections();
    const { port } = await startServer(plainTcp, (ws) => ws.send('welcome'));
    const client = await RawClient.upgraded(port);
    expect((await client.frame()).payload.toString()).toBe('welcome');
    expect(parkedConnections()).toBe(before);
    client.destroy();
  });
});
