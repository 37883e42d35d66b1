/**
 * The two APIs over real sockets: WebSocket (messages: receive, async iteration, events, send
 * backpressure) and WebSocketContext (IIS-style fragments), plus the ways to host a server.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import WS from 'ws';
import { RawClient, clientFrame, closePayload } from '../helpers/raw-client.js';
import { carrierUrl, wsClientCarrier } from '../helpers/carrier.js';
import { echo, startServer } from '../helpers/servers.js';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';
import type { WebSocketContext } from '../../src/context.js';

const TEXT = 1, BINARY = 2, CONT = 0, CLOSE = 8;

async function connected(port: number): Promise<WS> {
  const client = new WS(carrierUrl(port), wsClientCarrier);
  await once(client, 'open');
  return client;
}

describe('WebSocket: receive() and async iteration', () => {
  it('receive() gives typed messages in order, then the close', async () => {
    const results: unknown[] = [];
    const { port } = await startServer({}, async (ws) => {
      for (let i = 0; i < 3; i++) results.push(await ws.receive());
    });
    const client = await connected(port);
    client.send('hello');
    client.send(Buffer.from([1, 2, 3]));
    client.close(4000, 'done');
    await expect.poll(() => results.length).toBe(3);
    expect(results[0]).toEqual({ type: 'text', data: 'hello' });
    expect(results[1]).toMatchObject({ type: 'binary' });
    expect([...(results[1] as { data: Buffer }).data]).toEqual([1, 2, 3]);
    expect(results[2]).toEqual({ type: 'close', code: 4000, reason: 'done' });
  });

  it('async iteration yields every message that arrived before a protocol error, then ends', async () => {
    const got: string[] = [];
    let ended = false;
    let closeCode: number | undefined;
    const { port } = await startServer({}, async (ws) => {
      ws.on('close', (code: number) => (closeCode = code));
      for await (const message of ws) got.push(String(message.data));
      ended = true;
    });
    const client = await RawClient.upgraded(port);
    client.write(Buffer.concat([clientFrame(TEXT, 'a'), clientFrame(TEXT, 'b'), clientFrame(TEXT, Buffer.from([0xff]))]));
    expect(await client.closeCode()).toBe(1007);
    await expect.poll(() => ended).toBe(true);
    expect(got).toEqual(['a', 'b']);
    expect(closeCode).toBe(1006); // our close went out, the peer's never came: no close status received
  });

  it('receive() rejects with the typed error after the messages before it', async () => {
    const outcomes: string[] = [];
    const { port } = await startServer({}, async (ws) => {
      await new Promise((resolve) => setTimeout(resolve, 50)); // let everything arrive first
      for (;;) {
        try {
          const message = await ws.receive();
          outcomes.push(message.type === 'close' ? 'close' : String(message.data));
          if (message.type === 'close') return;
        } catch (error) {
          outcomes.push((error as { code: string }).code);
          return;
        }
      }
    });
    const client = await RawClient.upgraded(port);
    client.write(Buffer.concat([clientFrame(TEXT, 'one'), clientFrame(CONT, 'orphan')]));
    expect(await client.closeCode()).toBe(1002);
    await expect.poll(() => outcomes).toEqual(['one', 'WS_ERR_INVALID_CONTINUATION_FRAME']);
  });

  it('a peer flooding a reader that never reads costs bounded memory (the socket is paused)', async () => {
    const limit = 1 << 20;
    let server: WebSocket | undefined;
    const { port } = await startServer({ receiveBufferLimit: limit }, (ws) => (server = ws)); // never reads
    const client = await RawClient.upgraded(port);
    await expect.poll(() => server).toBeDefined();
    const before = process.memoryUsage().arrayBuffers;
    const frame = clientFrame(BINARY, Buffer.alloc(64 * 1024, 1));
    const total = 256; // 16 MiB offered
    for (let i = 0; i < total; i++) client.socket.write(frame);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const grown = process.memoryUsage().arrayBuffers - before;
    // What the server pinned: the receive buffer limit plus socket reads in flight, not 16 MiB.
    // (The client's own unsent bytes live in its writable queue, counted by writableLength.)
    const unsent = client.socket.writableLength;
    expect(unsent).toBeGreaterThan(4 * limit);
    expect(grown - unsent).toBeLessThan(6 * limit);
    // Reading drains the queue and the rest flows again.
    let read = 0;
    while (read < total) {
      const message = await server!.receive();
      expect(message.type).toBe('binary');
      read++;
    }
    client.destroy();
  });
});

describe('a peer that sends and never reads', () => {
  it('pings flooded at a server while never reading the pongs: the server stops reading instead of queueing without bound', async () => {
    const limit = 256 * 1024;
    let server: WebSocket | undefined;
    const { port } = await startServer({ receiveBufferLimit: limit }, (ws) => (server = ws));
    const client = await RawClient.upgraded(port);
    client.socket.pause(); // never reads: the pongs back up
    await expect.poll(() => server).toBeDefined();
    const ping = clientFrame(9, Buffer.alloc(125, 7));
    const flood = Buffer.concat(Array.from({ length: 2000 }, () => ping)); // 262 KB of pings → 254 KB of pongs each round
    // ~10 MB of pongs asked for, and more until the client's own queue backs up: how much the
    // kernel buffers on the way first depends on TCP autotuning (tcp_rmem reaches 32 MB here).
    let rounds = 0;
    for (; rounds < 40 || (client.socket.writableLength <= limit && rounds < 200); rounds++) {
      client.socket.write(flood);
      if (rounds >= 40) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 800));
    // The server's own queue stays near the limit; what it did not read waits in the kernel and
    // in the client's unsent queue (TCP flow control), not in the server's memory.
    expect(server!.bufferedAmount).toBeLessThan(limit + flood.length);
    expect(client.socket.writableLength).toBeGreaterThan(limit);
    // Once the client reads again, everything is answered.
    let pongs = 0;
    client.socket.resume();
    for (; pongs < rounds * 2000; pongs++) expect((await client.frame(5000)).opcode).toBe(10);
    client.destroy();
  });

  it('an echo to a client that sends without reading stays bounded too', async () => {
    const limit = 256 * 1024;
    let server: WebSocket | undefined;
    const { port } = await startServer({ receiveBufferLimit: limit }, (ws) => {
      server = ws;
      echo(ws);
    });
    const client = await RawClient.upgraded(port);
    client.socket.pause();
    await expect.poll(() => server).toBeDefined();
    const frame = clientFrame(2, Buffer.alloc(16 * 1024, 1));
    for (let i = 0; i < 600; i++) client.socket.write(frame); // ~10 MB to echo
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(server!.bufferedAmount).toBeLessThan(limit + 64 * 1024);
    client.destroy();
  });
});

describe('a peer that stops reading for a while', () => {
  // With a receiveBufferLimit under the carrier's own high-water mark (Node's 16 KiB), the output
  // that stops the server reading is a queue Node would empty without a 'drain'.
  it('an echo server with a small receiveBufferLimit reads again once its output drained', async () => {
    const limit = 4096;
    let server: WebSocket | undefined;
    let echoed = 0;
    const { port } = await startServer({ receiveBufferLimit: limit }, (ws) => {
      server = ws;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        ws.send(data, { binary: isBinary });
        echoed++;
      });
    });
    const client = await RawClient.upgraded(port);
    client.socket.pause();
    await expect.poll(() => server).toBeDefined();
    // 1 KiB messages, each echoed before the next goes, until the echoes fill the kernel's
    // buffers and back up in the server's queue past the limit (by 1 KiB: under Node's 16 KiB),
    // which stops the server reading.
    let sent = 0;
    while (server!.bufferedAmount <= limit) {
      expect(sent).toBeLessThan(200_000);
      client.send(BINARY, Buffer.alloc(1024, sent & 0xff));
      sent++;
      while (echoed < sent) await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve)); // the echo's flush
    }
    expect(server!.bufferedAmount).toBeLessThan(16 * 1024);
    client.socket.resume();
    client.send(TEXT, 'last');
    for (let i = 0; i < sent; i++) expect((await client.frame()).payload[0]).toBe(i & 0xff);
    const last = await client.frame();
    expect([last.opcode, last.payload.toString()]).toEqual([TEXT, 'last']);
    client.destroy();
  });
});

describe('WebSocket: sending', () => {
  it('send() returns false past the high-water mark, and drain follows', async () => {
    let server: WebSocket | undefined;
    const { port } = await startServer({ highWaterMark: 1024 }, (ws) => (server = ws));
    const client = await RawClient.upgraded(port);
    client.socket.pause(); // do not read, so the kernel buffers fill
    await expect.poll(() => server).toBeDefined();
    let accepted = true;
    let sent = 0;
    while (accepted && sent < 10_000) {
      accepted = server!.send(Buffer.alloc(64 * 1024));
      sent++;
    }
    expect(accepted).toBe(false);
    expect(server!.bufferedAmount).toBeGreaterThan(1024);
    const drained = once(server!, 'drain');
    client.socket.resume();
    await drained;
    client.destroy();
  });

  // Node emits 'drain' only after its queue reached the stream's own high-water mark (16 KiB):
  // here the queue holds about 1 KiB when send() says false, and the drain must come anyway.
  it("drain follows when what waits is under the carrier's own high-water mark", async () => {
    let server: WebSocket | undefined;
    const { port } = await startServer({ highWaterMark: 512 }, (ws) => (server = ws));
    const client = await RawClient.upgraded(port);
    client.socket.pause();
    await expect.poll(() => server).toBeDefined();
    // 1 KiB at a time (each over the mark, each drained) until the kernel's buffers are full and
    // the last one waits in the server's queue.
    for (let sent = 0; server!.bufferedAmount === 0; sent++) {
      expect(sent).toBeLessThan(200_000);
      server!.send(Buffer.alloc(1024));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(server!.bufferedAmount).toBeLessThan(16 * 1024);
    const drained = once(server!, 'drain');
    client.socket.resume();
    await drained;
    expect(server!.bufferedAmount).toBe(0);
    client.destroy();
  });

  it('sendAsync resolves when written and rejects with WS_ERR_NOT_OPEN after close', async () => {
    let server: WebSocket | undefined;
    const { port } = await startServer({}, (ws) => (server = ws));
    const client = await connected(port);
    await expect.poll(() => server).toBeDefined();
    const got = once(client, 'message');
    await server!.sendAsync('written');
    expect(String((await got)[0])).toBe('written');
    client.close();
    await once(server!, 'close');
    await expect(server!.sendAsync('late')).rejects.toMatchObject({ code: 'WS_ERR_NOT_OPEN' });
    expect(server!.send('late')).toBe(false);
  });

  it('ping() is answered with a pong event; text from bytes must be UTF-8', async () => {
    let server: WebSocket | undefined;
    const { port } = await startServer({}, (ws) => (server = ws));
    const client = await connected(port);
    await expect.poll(() => server).toBeDefined();
    const pong = once(server!, 'pong');
    server!.ping('are you there');
    expect(String((await pong)[0])).toBe('are you there');
    expect(() => server!.send(Buffer.from([0xff]), { binary: false })).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_UTF8' }));
    client.close();
  });

  it('an error event without a listener does not crash the process', async () => {
    const { port } = await startServer({}, () => {});
    const client = await RawClient.upgraded(port);
    client.send(3, 'reserved opcode');
    expect(await client.closeCode()).toBe(1002);
  });
});

describe('WebSocketContext (api: fragment)', () => {
  it('reads fragments as they arrive, with utf8/final flags, into a caller buffer', async () => {
    const reads: Array<{ text: string; utf8: boolean; final: boolean; connectionClose: boolean }> = [];
    const { port } = await startServer({ api: 'fragment' }, async (client) => {
      const context = client as unknown as WebSocketContext;
      const buffer = new Uint8Array(4);
      for (;;) {
        const fragment = await context.readFragment(buffer);
        reads.push({ text: Buffer.from(fragment.data).toString(), utf8: fragment.utf8, final: fragment.final, connectionClose: fragment.connectionClose });
        if (fragment.connectionClose) break;
      }
      expect(context.getCloseStatus()).toEqual({ code: 1000, reason: 'ok' });
    });
    const client = await RawClient.upgraded(port);
    client.send(TEXT, 'abcdef', { fin: false });
    client.send(CONT, 'gh', { fin: true });
    client.send(BINARY, 'xy');
    client.send(CLOSE, closePayload(1000, 'ok'));
    await expect.poll(() => reads.length).toBe(5);
    expect(reads).toEqual([
      { text: 'abcd', utf8: true, final: false, connectionClose: false },
      { text: 'ef', utf8: true, final: false, connectionClose: false },
      { text: 'gh', utf8: true, final: true, connectionClose: false },
      { text: 'xy', utf8: false, final: true, connectionClose: false },
      { text: '', utf8: false, final: true, connectionClose: true },
    ]);
  });

  it('writes fragments as one message, validates text fragments as a stream, sends close', async () => {
    let context: WebSocketContext | undefined;
    const { port } = await startServer({ api: 'fragment' }, (c) => (context = c as unknown as WebSocketContext));
    const client = await RawClient.upgraded(port);
    await expect.poll(() => context).toBeDefined();
    const euro = Buffer.from('€'); // 3 bytes, split across fragments
    await context!.writeFragment(euro.subarray(0, 2), { utf8: true, final: false });
    await context!.writeFragment(euro.subarray(2), { final: true });
    const first = await client.frame();
    const second = await client.frame();
    expect([first.opcode, first.fin, second.opcode, second.fin]).toEqual([TEXT, false, CONT, true]);
    expect(Buffer.concat([first.payload, second.payload]).toString()).toBe('€');
    await expect(context!.writeFragment(Buffer.from([0xc0, 0x80]), { utf8: true })).rejects.toMatchObject({ code: 'WS_ERR_INVALID_UTF8' });
    await context!.sendConnectionClose(1001, 'bye');
    const close = await client.frame();
    expect([close.opcode, close.payload.readUInt16BE(0)]).toEqual([CLOSE, 1001]);
    client.send(CLOSE, closePayload(1001));
    await context!.closed;
    expect(context!.state).toBe('CLOSED');
  });

  it('cancelOutstandingIO rejects pending reads with AbortError and keeps the connection', async () => {
    let context: WebSocketContext | undefined;
    const { port } = await startServer({ api: 'fragment' }, (c) => (context = c as unknown as WebSocketContext));
    const client = await RawClient.upgraded(port);
    await expect.poll(() => context).toBeDefined();
    const pending = context!.readFragment();
    context!.cancelOutstandingIO();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    client.send(BINARY, 'after');
    expect(Buffer.from((await context!.readFragment()).data).toString()).toBe('after');
    context!.closeTcpConnection();
    await client.waitClosed();
  });
});

describe('hosting', () => {
  it('attaches to an existing http.Server at a path, leaving other requests alone', async () => {
    const httpServer = http.createServer((_req, res) => res.end('plain http'));
    const wss = new WebSocketServer({ server: httpServer, path: '/ws' }, echo);
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    const port = (httpServer.address() as AddressInfo).port;
    const client = new WS(`ws://127.0.0.1:${port}/ws`);
    await once(client, 'open');
    client.send('via attached server');
    expect(String((await once(client, 'message'))[0])).toBe('via attached server');
    const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(body).toBe('plain http');
    client.close();
    await wss.close();
    httpServer.close();
  });

  it('handleUpgrade serves a framework that routes upgrades itself; isWebSocketRequest tells them apart', async () => {
    const wss = new WebSocketServer({}, echo);
    const seen: boolean[] = [];
    const httpServer = http.createServer((req, res) => {
      seen.push(WebSocketServer.isWebSocketRequest(req));
      res.end();
    });
    httpServer.on('upgrade', (req, socket, head) => {
      seen.push(WebSocketServer.isWebSocketRequest(req));
      wss.handleUpgrade(req, socket as import('node:net').Socket, head);
    });
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    const port = (httpServer.address() as AddressInfo).port;
    await fetch(`http://127.0.0.1:${port}/`);
    const client = new WS(`ws://127.0.0.1:${port}/anything`);
    await once(client, 'open');
    client.send('routed');
    expect(String((await once(client, 'message'))[0])).toBe('routed');
    expect(seen).toEqual([false, true]);
    client.close();
    await wss.close();
    httpServer.close();
  });

  it('close() closes every connection with 1001 and resolves when all are gone; stats count', async () => {
    const { server, port } = await startServer({}, echo);
    const clients = await Promise.all([connected(port), connected(port), connected(port)]);
    await expect.poll(() => server.stats.connections).toBe(3);
    const codes = clients.map((client) => once(client, 'close').then(([code]) => code as number));
    await server.close();
    expect(await Promise.all(codes)).toEqual([1001, 1001, 1001]);
    expect(server.clients.size).toBe(0);
    expect(server.stats).toEqual({ connections: 0, statuses: { 101: 3 } });
  });
});
