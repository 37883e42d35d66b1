/**
 * diagnostics_channel: a subscriber to every wsframe channel sees what a session publishes, in
 * order, on the server and on the client: the opening, heartbeats (with the measured round trip),
 * the close with who began it, a refused handshake on both sides, protocol errors on both sides,
 * a broadcast member dropped for falling behind, and the transport and proxy of a client.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { computeAccept } from '../../src/handshake/index.js';
import { WebSocketCollection } from '../../src/handler.js';
import type { WebSocket } from '../../src/websocket.js';
import { defaultTransport, echo, startSecureEchoServer, startServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { Tinyproxy } from '../helpers/tinyproxy.js';
import { selfSignedCertificate } from '../helpers/tls-certificate.js';

const channelNames = [
  'wsframe:connection:open',
  'wsframe:handshake:failed',
  'wsframe:connection:error',
  'wsframe:connection:ping',
  'wsframe:connection:pong',
  'wsframe:connection:close',
  'wsframe:broadcast:dropped',
];

type Published = { channel: string } & Record<string, unknown>;
let published: Published[] = [];
const subscribers = channelNames.map((channel) => ({ channel, listener: (message: unknown) => published.push({ channel, ...(message as object) }) }));
beforeEach(() => {
  published = [];
  for (const { channel, listener } of subscribers) diagnosticsChannel.subscribe(channel, listener);
});
afterEach(() => {
  for (const { channel, listener } of subscribers) diagnosticsChannel.unsubscribe(channel, listener);
});

const rawServers = new Set<Server>();
afterEach(async () => {
  await Promise.all([...rawServers].map((server) => new Promise((resolve) => server.close(resolve))));
  rawServers.clear();
});

/** Resolves once `condition` holds (the other side's events come a moment later). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const closesPublished = (): number => published.filter((message) => message.channel === 'wsframe:connection:close').length;

/** What one side published. */
function seenBy(role: string): Published[] {
  return published.filter((message) => message.role === role);
}

describe('a session', () => {
  it('publishes open, ping/pong with the round trip, and close on both sides, in order', async () => {
    let serverSide: WebSocket | undefined;
    const { server: wss, port } = await startServer({ pingInterval: 100 }, (ws) => {
      serverSide = ws;
      echo(ws);
    });
    const client = await connect(`ws://127.0.0.1:${port}/room?x=1`, { headers: { 'X-Trace': 't1' }, perMessageDeflate: false });
    await once(client, 'ping'); // the server's heartbeat
    await until(() => serverSide!.rtt !== undefined);
    client.ping('app'); // not a heartbeat: its pong has no round trip
    await once(client, 'pong');
    const closed = once(serverSide!, 'close');
    await client.close(1000, 'bye');
    await closed;

    const server = seenBy('server');
    expect(server.map((message) => message.channel)).toEqual([
      'wsframe:connection:open',
      'wsframe:connection:pong',
      'wsframe:connection:ping',
      'wsframe:connection:close',
    ]);
    expect(server[0]).toMatchObject({
      transport: wss.transport, // the standalone server's: native where the addon loaded
      tls: false,
      webSocket: serverSide,
      request: { url: '/room?x=1', headers: { 'x-trace': 't1', host: `127.0.0.1:${port}` } },
      response: { status: 101, protocol: '', extensions: '' },
      proxy: undefined,
    });
    expect(server[1]).toMatchObject({ webSocket: serverSide, rtt: serverSide!.rtt });
    expect(server[1]!.rtt).toBeGreaterThanOrEqual(0);
    expect(Buffer.from(server[2]!.payload as Uint8Array).toString()).toBe('app');
    expect(server[3]).toMatchObject({ webSocket: serverSide, code: 1000, reason: 'bye', wasClean: true, closedBy: 'client' });

    const clientSide = seenBy('client');
    expect(clientSide.map((message) => message.channel)).toEqual([
      'wsframe:connection:open',
      'wsframe:connection:ping',
      'wsframe:connection:pong',
      'wsframe:connection:close',
    ]);
    expect(clientSide[0]).toMatchObject({
      transport: defaultTransport, // a ws:// client's connection is handed to the addon after the 101 (where it loaded)
      tls: false,
      webSocket: client,
      request: { url: `ws://127.0.0.1:${port}/room?x=1`, headers: { 'X-Trace': 't1' } },
      response: { status: 101 },
    });
    expect(clientSide[2]).toMatchObject({ webSocket: client, rtt: undefined });
    expect(Buffer.from(clientSide[2]!.payload as Uint8Array).toString()).toBe('app');
    // The server echoes the code, not the reason (RFC 6455 §5.5.1).
    expect(clientSide[3]).toMatchObject({ webSocket: client, code: 1000, reason: '', wasClean: true, closedBy: 'client' });
  });

  it('a server-initiated close is closedBy server on both sides', async () => {
    const { port } = await startServer({}, (ws) => void ws.close(4000, 'done'));
    const client = await connect(`ws://127.0.0.1:${port}/`);
    await until(() => closesPublished() === 2);
    const closes = published.filter((message) => message.channel === 'wsframe:connection:close');
    expect(closes.map(({ role, webSocket, code, closedBy, wasClean }) => ({ role, client: webSocket === client, code, closedBy, wasClean }))).toEqual(
      expect.arrayContaining([
        { role: 'server', client: false, code: 4000, closedBy: 'server', wasClean: true },
        { role: 'client', client: true, code: 4000, closedBy: 'server', wasClean: true },
      ]),
    );
  });
});

describe('failures', () => {
  it('a refused handshake: the server publishes its status and code, then the client what it got', async () => {
    const { port } = await startServer({ verify: () => ({ accept: false, status: 401, reason: 'who are you' }) });
    const error = await connect(`ws://127.0.0.1:${port}/private`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_HANDSHAKE_BAD_STATUS' });
    expect(published).toEqual([
      { channel: 'wsframe:handshake:failed', role: 'server', status: 401, code: 'WS_ERR_HANDSHAKE_REFUSED', reason: 'who are you', url: '/private' },
      { channel: 'wsframe:handshake:failed', role: 'client', status: 401, code: 'WS_ERR_HANDSHAKE_BAD_STATUS', reason: (error as Error).message, url: `ws://127.0.0.1:${port}/private` },
    ]);
  });

  it('the server refusing a malformed request publishes the validation code', async () => {
    const { port } = await startServer();
    const raw = await RawClient.open(port);
    raw.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    expect((await raw.response()).status).toBe(400);
    expect(published).toEqual([
      expect.objectContaining({ channel: 'wsframe:handshake:failed', role: 'server', status: 400, code: 'WS_ERR_HANDSHAKE_BAD_KEY' }),
    ]);
    raw.destroy();
  });

  it('a protocol error by the client: the server publishes open, the error, and a close it began', async () => {
    const { port } = await startServer();
    const raw = await RawClient.upgraded(port);
    raw.send(0x1, 'unmasked', { mask: false }); // RFC 6455 §5.1: the server must fail this
    expect(await raw.closeCode()).toBe(1002);
    await raw.waitClosed();
    await until(() => closesPublished() === 1);
    expect(published.map((message) => message.channel)).toEqual(['wsframe:connection:open', 'wsframe:connection:error', 'wsframe:connection:close']);
    expect(published[1]).toMatchObject({ role: 'server', code: 'WS_ERR_EXPECTED_MASK', closeCode: 1002 });
    expect(published[2]).toMatchObject({ role: 'server', code: 1006, wasClean: false, closedBy: 'server' });
  });

  it('a protocol error by the server: the client publishes the error and its close', async () => {
    // A raw server that accepts, then sends a masked frame (RFC 6455 §5.1: the client must fail it).
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (head) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(head.toString('latin1'))?.[1] ?? '';
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
        socket.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2]));
      });
    });
    rawServers.add(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = await connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { closeTimeout: 200 });
    await new Promise((resolve) => client.once('close', resolve)); // not once(): it rejects on the 'error' event
    expect(published.map((message) => message.channel)).toEqual(['wsframe:connection:open', 'wsframe:connection:error', 'wsframe:connection:close']);
    expect(published[1]).toMatchObject({ role: 'client', webSocket: client, code: 'WS_ERR_UNEXPECTED_MASK', closeCode: 1002 });
    expect(published[2]).toMatchObject({ role: 'client', webSocket: client, closedBy: 'client', wasClean: false });
  });
});

describe('broadcast', () => {
  it('a member over maxBufferedAmount is published as dropped, then closed', async () => {
    let accepted!: (ws: WebSocket) => void;
    const member = new Promise<WebSocket>((resolve) => (accepted = resolve));
    const { port } = await startServer({}, (ws) => accepted(ws));
    const room = new WebSocketCollection({ maxBufferedAmount: 100 });
    const client = await connect(`ws://127.0.0.1:${port}/`);
    const ws = await member;
    room.add(ws);
    expect(room.broadcast('x'.repeat(500))).toBe(0);
    const dropped = published.filter((message) => message.channel === 'wsframe:broadcast:dropped');
    expect(dropped).toEqual([{ channel: 'wsframe:broadcast:dropped', webSocket: ws, bufferedAmount: 0, messageSize: 500, maxBufferedAmount: 100, closeCode: 1008 }]);
    const [code] = await once(client, 'close');
    expect(code).toBe(1008);
  });
});

describe('transport and proxy', () => {
  it('wss:// through a proxy: tls, and the proxy without its credentials', async () => {
    const certificate = selfSignedCertificate();
    const { url, port } = await startSecureEchoServer(certificate);
    const proxy = await Tinyproxy.start({ connectPorts: [port], basicAuth: { user: 'u', password: 'p' } });
    const client = await connect(url, { ca: certificate.cert, proxy: `http://u:p@127.0.0.1:${proxy.port}` });
    const open = seenBy('client').find((message) => message.channel === 'wsframe:connection:open');
    expect(open).toMatchObject({ transport: 'node', tls: true, proxy: `${proxy.url}/` });
    await client.close();
  });
});
