/**
 * WebSocketHandler and WebSocketCollection over real sockets: join/leave/broadcast order,
 * errors in callbacks, slow members, 1,000 members, frames shared between members, backplane.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import WS from 'ws';
import { ChatHandler, chatName } from '../../src/chat/chat-handler.js';
import { WebSocketCollection, serveHandlers } from '../../src/handler.js';
import { MemoryBackplane } from '../../src/backplane/memory-backplane.js';
import { PreparedMessage } from '../../src/protocol/prepared-message.js';
import { Protocol, protocolSettings } from '../../src/protocol/protocol.js';
import { RawClient } from '../helpers/raw-client.js';
import { carrierUrl, wsClientCarrier } from '../helpers/carrier.js';
import { startServer } from '../helpers/servers.js';

/** The library's chat handler, plus messages that make it fail, to see where its errors go. */
class FaultyChatHandler extends ChatHandler {
  constructor(name: string, room: WebSocketCollection, private readonly log: string[]) {
    super(name, room);
  }
  override onMessage(message: string | Buffer): void | Promise<void> {
    if (message === 'throw') throw new Error('handler bug');
    if (message === 'reject') return Promise.reject(new Error('async handler bug'));
    return super.onMessage(message);
  }
  override onError(error: unknown): void {
    this.log.push((error as Error).message);
  }
}

async function chatServer(room = new WebSocketCollection(), log: string[] = []) {
  const { server, port } = await startServer({});
  serveHandlers(server, (request) => {
    const name = chatName(request.url);
    return name === undefined ? undefined : new FaultyChatHandler(name, room, log);
  });
  return { port, room, log };
}

/** A ws client that records every text it gets. */
async function member(port: number, name: string): Promise<{ client: WS; got: string[] }> {
  const client = new WS(carrierUrl(port, `/chat?name=${name}`), wsClientCarrier);
  const got: string[] = [];
  client.on('message', (data) => got.push(String(data)));
  await once(client, 'open');
  return { client, got };
}

describe('handlers and a collection: the chat sample', () => {
  it('join, welcome, says, left — in order, to the right members', async () => {
    const { port, room } = await chatServer();
    const john = await member(port, 'John');
    await expect.poll(() => john.got).toEqual(['John joined.', 'Welcome John.']);
    const mary = await member(port, 'Mary');
    await expect.poll(() => mary.got).toEqual(['Mary joined.', 'Welcome Mary.']);
    await expect.poll(() => john.got.length).toBe(3);
    expect(john.got[2]).toBe('Mary joined.');
    john.client.send('hello');
    await expect.poll(() => mary.got.at(-1)).toBe('John says: hello');
    await expect.poll(() => john.got.at(-1)).toBe('John says: hello');
    expect(room.size).toBe(2);
    john.client.close();
    await expect.poll(() => mary.got.at(-1)).toBe('John left.');
    expect(room.size).toBe(1);
    mary.client.close();
  });

  it('a request without a handler is closed with 1008', async () => {
    const { port } = await chatServer();
    const client = new WS(carrierUrl(port, '/chat'), wsClientCarrier);
    const [code] = await once(client, 'close');
    expect(code).toBe(1008);
  });

  it('errors thrown or rejected inside callbacks go to onError; the connection and the process go on', async () => {
    const log: string[] = [];
    const { port } = await chatServer(new WebSocketCollection(), log);
    const john = await member(port, 'John');
    john.client.send('throw');
    john.client.send('reject');
    john.client.send('still here');
    await expect.poll(() => john.got.at(-1)).toBe('John says: still here');
    expect(log).toEqual(['handler bug', 'async handler bug']);
    john.client.close();
  });

  it('broadcast with except skips the sender', async () => {
    const room = new WebSocketCollection();
    const { port } = await startServer({}, (ws) => {
      room.add(ws);
      ws.on('message', (data: Buffer) => room.broadcast(String(data), { except: ws }));
    });
    const a = await member(port, 'a');
    const b = await member(port, 'b');
    await expect.poll(() => room.size).toBe(2);
    a.client.send('from a');
    await expect.poll(() => b.got).toEqual(['from a']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.got).toEqual([]);
    a.client.close();
    b.client.close();
  });
});

describe('broadcast mechanics', () => {
  it('frames a message once: every member queues the very same chunks', () => {
    const sink = { message() {}, fragment() {}, ping() {}, pong() {}, close() {}, error() {} };
    const members = [new Protocol(protocolSettings({ role: 'server' }), sink), new Protocol(protocolSettings({ role: 'server' }), sink)];
    const prepared = new PreparedMessage('the same bytes for all', true);
    for (const protocol of members) protocol.sendPrepared(prepared);
    const [first, second] = members.map((protocol) => protocol.dataToSend());
    expect(first).toHaveLength(2);
    expect(first![0]).toBe(second![0]); // the header buffer itself, not a copy
    expect(first![1]).toBe(second![1]); // the payload
    expect(Buffer.concat(first!).toString('latin1')).toBe('\x81\x16the same bytes for all');
  });

  it('reaches 1,000 members, each exactly once and intact', async () => {
    const room = new WebSocketCollection();
    const { port } = await startServer({}, (ws) => room.add(ws));
    const clients: RawClient[] = [];
    for (let i = 0; i < 1000; i++) clients.push(await RawClient.upgraded(port));
    await expect.poll(() => room.size).toBe(1000);
    expect(room.broadcast('x'.repeat(300))).toBe(1000);
    room.broadcast(Buffer.from([1, 2, 3]));
    for (const client of clients) {
      const text = await client.frame();
      const binary = await client.frame();
      expect([text.opcode, text.payload.length, binary.opcode, [...binary.payload]]).toEqual([1, 300, 2, [1, 2, 3]]);
    }
    for (const client of clients) client.destroy();
  });

  it('a slow member is closed (1008) when its queue passes the bound; the others keep receiving', async () => {
    const room = new WebSocketCollection({ maxBufferedAmount: 64 * 1024 });
    const { port } = await startServer({}, (ws) => room.add(ws));
    const slow = await RawClient.upgraded(port);
    const fast = await RawClient.upgraded(port);
    await expect.poll(() => room.size).toBe(2);
    slow.socket.pause(); // never reads: the kernel buffers fill, then the server's queue grows
    let fastReceived = 0;
    const message = Buffer.alloc(16 * 1024, 1);
    for (let i = 0; i < 2000 && room.size === 2; i++) {
      room.broadcast(message);
      await fast.frame();
      fastReceived++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(room.size).toBe(1);
    expect(room.has([...room][0]!)).toBe(true);
    slow.socket.resume();
    expect(await slow.closeCode(10_000)).toBe(1008);
    expect(fastReceived).toBeGreaterThan(4);
    slow.destroy();
    fast.destroy();
  });

  it('permessage-deflate members without context takeover share one compressed frame', async () => {
    const room = new WebSocketCollection();
    const { port } = await startServer({ perMessageDeflate: true }, (ws) => room.add(ws));
    const clients = await Promise.all([0, 1, 2].map(async () => {
      const client = new WS(carrierUrl(port), { ...wsClientCarrier, perMessageDeflate: true });
      const got: string[] = [];
      client.on('message', (data) => got.push(String(data)));
      await once(client, 'open');
      return { client, got };
    }));
    await expect.poll(() => room.size).toBe(3);
    const big = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, name: 'member' })));
    const prepared = new PreparedMessage(big, true);
    const compressor = { shareKey: 'k', calls: 0, compress(data: Uint8Array) { this.calls++; return data; } };
    prepared.compressedFrames(compressor);
    prepared.compressedFrames(compressor);
    expect(compressor.calls).toBe(1);
    room.broadcast(big);
    for (const { got } of clients) await expect.poll(() => got).toEqual([big]);
    for (const { client } of clients) client.close();
  });

  it('a backplane carries broadcasts between collections (processes); local delivery does not wait for it', async () => {
    const backplane = new MemoryBackplane();
    const roomA = new WebSocketCollection({ backplane });
    const roomB = new WebSocketCollection({ backplane });
    const { port: portA } = await startServer({}, (ws) => roomA.add(ws));
    const { port: portB } = await startServer({}, (ws) => roomB.add(ws));
    const a = await member(portA, 'a');
    const b = await member(portB, 'b');
    await expect.poll(() => roomA.size + roomB.size).toBe(2);
    roomA.broadcast('from A');
    roomB.broadcast(Buffer.from([7, 7]));
    // Each side gets its own broadcast at once and the other's through the backplane: both, once each.
    await expect.poll(() => [...b.got].sort()).toEqual(['\x07\x07', 'from A']);
    await expect.poll(() => [...a.got].sort()).toEqual(['\x07\x07', 'from A']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.got).toHaveLength(2);
    roomA.close();
    roomB.close();
    a.client.close();
    b.client.close();
  });
});
