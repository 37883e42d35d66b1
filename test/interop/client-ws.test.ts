/**
 * Interop: the wsframe client (`connect()`) against a `ws` server (with bufferutil and
 * utf-8-validate). Covers: data frames at every length-encoding boundary up to 16 MiB, echoed
 * byte for byte (RFC 6455 §5.2, client frames masked per §5.3); a fragmented message written
 * by the ws server (§5.4); the close handshake both ways with codes and reasons (§5.5.1, §7.4);
 * ping/pong both ways (§5.5.2, §5.5.3); a ws server refusing the upgrade.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer as WsServer, type WebSocket as WsSocket } from 'ws';
import { connect } from '../../src/client.js';
import type { WebSocket } from '../../src/websocket.js';
import { binaryPayload, describeSize, LENGTH_BOUNDARY_SIZES, MiB, textPayload } from '../helpers/payloads.js';

const bigLimit = 17 * MiB;
const servers = new Set<WsServer>();
const clients = new Set<WebSocket>();

afterEach(async () => {
  for (const client of clients) client.terminate();
  clients.clear();
  for (const server of servers) {
    for (const ws of server.clients) ws.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
  servers.clear();
});

interface WsServerPeer {
  url: string;
  /** The server side of the next connection. */
  accepted: Promise<WsSocket>;
}

async function wsServer(onConnection: (ws: WsSocket) => void = () => {}, options: ConstructorParameters<typeof WsServer>[0] = {}): Promise<WsServerPeer> {
  const server = new WsServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: bigLimit, ...options });
  servers.add(server);
  const accepted = new Promise<WsSocket>((resolve) => server.once('connection', resolve));
  server.on('connection', onConnection);
  await once(server, 'listening');
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, accepted };
}

const echo = (ws: WsSocket): void => {
  ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
};

async function client(url: string): Promise<WebSocket> {
  const ws = await connect(url, { receiveBufferLimit: bigLimit });
  clients.add(ws);
  return ws;
}

describe('echo through a ws server at every length boundary (§5.2)', () => {
  it.each(LENGTH_BOUNDARY_SIZES.map((size) => [describeSize(size), size] as const))('text and binary of %s', async (_name, size) => {
    const { url } = await wsServer(echo);
    const ws = await client(url);
    const text = textPayload(size);
    ws.send(text);
    const t = await ws.receive();
    expect(t.type).toBe('text');
    expect(t.type === 'text' && t.data.length === text.length && t.data === text).toBe(true);

    const bytes = binaryPayload(size, size + 7);
    ws.send(bytes);
    const b = await ws.receive();
    expect(b.type).toBe('binary');
    expect(b.type === 'binary' && b.data.length).toBe(size);
    expect(b.type === 'binary' && b.data.equals(bytes)).toBe(true);
    await ws.close();
  });
});

describe('fragmented messages from the ws server (§5.4)', () => {
  it.each([
    ['text in 3 fragments', false, [Buffer.from('frag'), Buffer.from('men'), Buffer.from('ted é€😀')]],
    ['text split inside a 4-byte character', false, [Buffer.from('😀').subarray(0, 1), Buffer.from('😀').subarray(1, 3), Buffer.from('😀').subarray(3)]],
    ['binary with empty first and last fragments', true, [Buffer.alloc(0), binaryPayload(70_000, 3), Buffer.alloc(0)]],
    ['binary in 100 fragments of 1 KiB', true, Array.from({ length: 100 }, (_, i) => binaryPayload(1024, i + 1))],
  ])('%s arrive as one message', async (_name, binary, parts) => {
    const { url } = await wsServer((ws) => parts.forEach((part, i) => ws.send(part, { binary, fin: i === parts.length - 1 })));
    const ws = await client(url);
    const message = await ws.receive();
    const whole = Buffer.concat(parts);
    expect(message.type).toBe(binary ? 'binary' : 'text');
    // Buffer.equals: toEqual walks a buffer element by element, slow at these sizes.
    if (message.type === 'binary') expect(message.data.equals(whole)).toBe(true);
    else expect(message.type === 'text' && message.data).toBe(whole.toString());
    await ws.close();
  });

  it('a 16 MiB binary message in 1 MiB fragments arrives byte for byte', async () => {
    const data = binaryPayload(16 * MiB, 99);
    const { url } = await wsServer((ws) => {
      for (let offset = 0; offset < data.length; offset += MiB) ws.send(data.subarray(offset, offset + MiB), { binary: true, fin: offset + MiB >= data.length });
    });
    const ws = await client(url);
    const message = await ws.receive();
    expect(message.type === 'binary' && message.data.equals(data)).toBe(true);
    await ws.close();
  });
});

describe('close handshake (§7.1.2, §7.4)', () => {
  it.each([
    [1000, 'done'],
    [1001, 'going away'],
    [3000, ''],
    [4000, 'é€😀'],
    [4999, 'r'.repeat(123)],
  ])('the client closes with %i %j: ws reports it, and the client sees it echoed', async (code, reason) => {
    const peer = await wsServer();
    const ws = await client(peer.url);
    const server = await peer.accepted;
    const serverClosed = once(server, 'close');
    const clientClosed = once(ws, 'close');
    await ws.close(code, reason);
    const [serverCode, serverReason] = await serverClosed;
    expect([serverCode, String(serverReason)]).toEqual([code, reason]);
    const [clientCode, , wasClean] = await clientClosed;
    expect([clientCode, wasClean]).toEqual([code, true]);
    expect(ws.state).toBe('CLOSED');
  });

  it.each([
    [1000, 'normal'],
    [1011, 'internal error'],
    [3000, 'registered'],
    [4999, 'é€😀'],
  ])('the ws server closes with %i %j: the client reports it and answers with the code', async (code, reason) => {
    const peer = await wsServer((ws) => ws.close(code, reason));
    const ws = await client(peer.url);
    const server = await peer.accepted;
    const serverClosed = once(server, 'close');
    expect(await ws.receive()).toEqual({ type: 'close', code, reason });
    expect(ws.getCloseStatus()).toEqual({ code, reason });
    const [serverCode] = await serverClosed;
    expect(serverCode).toBe(code);
  });

  it('the ws server closes without a code: the client reports 1005', async () => {
    const peer = await wsServer((ws) => ws.close());
    const ws = await client(peer.url);
    const [code, , wasClean] = await once(ws, 'close');
    expect([code, wasClean]).toEqual([1005, true]);
  });

  it('the ws server terminating the TCP connection is 1006, not clean', async () => {
    const peer = await wsServer((ws) => setTimeout(() => ws.terminate(), 20));
    const ws = await client(peer.url);
    const [code, , wasClean] = await once(ws, 'close');
    expect([code, wasClean]).toEqual([1006, false]);
  });
});

describe('ping and pong (§5.5.2, §5.5.3)', () => {
  it('a ping from the ws server is answered with a pong carrying its payload', async () => {
    const peer = await wsServer();
    const ws = await client(peer.url);
    const server = await peer.accepted;
    const clientSawPing = once(ws, 'ping');
    const pong = once(server, 'pong');
    server.ping(Buffer.from('are you there'));
    expect(String((await pong)[0])).toBe('are you there');
    expect(Buffer.from((await clientSawPing)[0] as Uint8Array).toString()).toBe('are you there');
    // Still usable afterwards.
    server.send('after ping');
    expect(await ws.receive()).toEqual({ type: 'text', data: 'after ping' });
    await ws.close();
  });

  it('a ping from the client is answered by ws', async () => {
    const peer = await wsServer();
    const ws = await client(peer.url);
    const pong = once(ws, 'pong');
    ws.ping('hello?');
    expect(Buffer.from((await pong)[0] as Uint8Array).toString()).toBe('hello?');
    await ws.close();
  });
});

describe('handshake with a ws server', () => {
  it('negotiates a subprotocol ws chose', async () => {
    const peer = await wsServer(() => {}, { handleProtocols: (offered) => (offered.has('b') ? 'b' : false) });
    const ws = await connect(peer.url, { protocols: ['a', 'b'] });
    clients.add(ws);
    expect(ws.protocol).toBe('b');
    await ws.close();
  });

  it('sends every extra header line, also names that differ only in case and list values', async () => {
    let raw: string[] = [];
    const peer = await wsServer(() => {}, { verifyClient: (info: { req: { rawHeaders: string[] } }) => ((raw = info.req.rawHeaders), true) });
    const ws = await connect(peer.url, { headers: { 'X-Two': '1', 'x-two': '2', 'X-List': ['a', 'b'], Authorization: 'Bearer t' } });
    clients.add(ws);
    const pairs = raw.flatMap((name, i) => (i % 2 === 0 && /^(x-two|x-list|authorization)$/i.test(name) ? [`${name}: ${raw[i + 1]}`] : []));
    expect(pairs).toEqual(['X-Two: 1', 'x-two: 2', 'X-List: a', 'X-List: b', 'Authorization: Bearer t']);
    // The handshake's own headers are still there (node:http adds no Host to a raw list).
    const names = raw.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
    expect(names).toEqual(expect.arrayContaining(['host', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version']));
    await ws.close();
  });

  it('a refusal by verifyClient rejects with its status', async () => {
    const peer = await wsServer(() => {}, { verifyClient: (_info, done) => done(false, 403, 'no') });
    await expect(connect(peer.url)).rejects.toMatchObject({ code: 'WS_ERR_HANDSHAKE_BAD_STATUS', statusCode: 403 });
  });
});
