/**
 * Parking (src/server.ts parkIdle, WebSocket.park, Connection.park, NativeTransport.park): an
 * idle WebSocket on the native transport lets its Connection, Protocol and transport object go
 * until its next event, and everything it promises holds across that. Here each path is taken on
 * purpose (`park()` called at a known point); the vitest project `parking` runs the connection
 * suites with a server that parks every 10 ms, so they hold whatever moment parking strikes.
 */
import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { Protocol, protocolSettings } from '../../src/protocol/protocol.js';
import type { ProtocolListener } from '../../src/protocol/protocol.js';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocketServerOptions } from '../../src/server.js';
import { nativeTransport, parkedConnections } from '../../src/transport/native-transport.js';
import { WebSocket as WebSocketClass } from '../../src/websocket.js';
import type { WebSocket } from '../../src/websocket.js';
import { RawClient, closePayload } from '../helpers/raw-client.js';
import { startServer } from '../helpers/servers.js';

const TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10, CONT = 0;

/** A native-transport server and one RawClient on it; `ws` is the server's side. */
async function connected(options: WebSocketServerOptions = {}, onConnection?: (ws: WebSocket) => void): Promise<{ server: WebSocketServer; client: RawClient; ws: WebSocket }> {
  let accepted!: (ws: WebSocket) => void;
  const connection = new Promise<WebSocket>((resolve) => (accepted = resolve));
  const { server, port } = await startServer({ transport: 'native', perMessageDeflate: false, ...options }, (ws) => {
    onConnection?.(ws);
    accepted(ws);
  });
  const client = await RawClient.upgraded(port);
  return { server, client, ws: await connection };
}

const echo = (ws: WebSocket): void => {
  ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
};

describe.skipIf(nativeTransport === undefined)('parking on the native transport', () => {
  it('the server parks an idle WebSocket at its sweeper\'s tick, by itself', async () => {
    const before = parkedConnections();
    // A welcome sent as it opens keeps it from being parked then (test/server/plain-upgrade.test.ts).
    const { client } = await connected({}, (ws) => {
      echo(ws);
      ws.send('welcome');
    });
    expect((await client.frame()).payload.toString()).toBe('welcome');
    // The sweeper ticks every second without heartbeats (WSFRAME_PARK_EVERY_MS: more often).
    await expect.poll(() => parkedConnections(), { timeout: 5000 }).toBe(before + 1);
    client.send(TEXT, 'woken');
    expect((await client.frame()).payload.toString()).toBe('woken');
    client.destroy();
  });

  it('a parked WebSocket is woken by the next message and echoes it; parked again, again', async () => {
    const { ws, client } = await connected({}, echo);
    for (let round = 0; round < 3; round++) {
      expect(ws.park()).toBe(true);
      expect(ws.readyState).toBe(1);
      expect(ws.bufferedAmount).toBe(0);
      expect(ws.isPaused).toBe(false);
      client.send(round % 2 === 0 ? TEXT : BINARY, `round ${round}`);
      const frame = await client.frame();
      expect([frame.opcode, frame.payload.toString()]).toEqual([round % 2 === 0 ? TEXT : BINARY, `round ${round}`]);
    }
    client.destroy();
  });

  it('a message split across reads, with the WebSocket parked before the first byte and between fragments', async () => {
    const { ws, client } = await connected({}, echo);
    client.noDelay();
    expect(ws.park()).toBe(true);
    client.send(TEXT, 'first ', { fin: false });
    // A message in progress is not at rest: the WebSocket stays as it is until it is whole.
    await expect.poll(() => ws.park(), { timeout: 2000 }).toBe(false);
    client.send(CONT, 'and last');
    expect((await client.frame()).payload.toString()).toBe('first and last');
    await expect.poll(() => ws.park()).toBe(true);
    client.destroy();
  });

  it('the application sends, pings and closes through a parked WebSocket', async () => {
    const { ws, client } = await connected();
    expect(ws.park()).toBe(true);
    expect(ws.send('pushed')).toBe(true);
    expect((await client.frame()).payload.toString()).toBe('pushed');
    await expect.poll(() => ws.park()).toBe(true);
    ws.ping('are you there');
    const ping = await client.frame();
    expect([ping.opcode, ping.payload.toString()]).toEqual([PING, 'are you there']);
    await expect.poll(() => ws.park()).toBe(true);
    const closed = once(ws, 'close');
    void ws.close(4000, 'parked and done');
    const close = await client.frame();
    expect(close.opcode).toBe(CLOSE);
    expect(close.payload.readUInt16BE(0)).toBe(4000);
    client.send(CLOSE, closePayload(4000));
    const [code, reason, wasClean] = await closed;
    expect([code, String(reason), wasClean]).toEqual([4000, '', true]);
  });

  it("the peer's ping, close frame, FIN and reset reach a parked WebSocket", async () => {
    const { ws, client } = await connected();
    expect(ws.park()).toBe(true);
    client.send(PING, 'hello');
    const pong = await client.frame();
    expect([pong.opcode, pong.payload.toString()]).toEqual([PONG, 'hello']);
    await expect.poll(() => ws.park()).toBe(true);
    const closed = once(ws, 'close');
    client.send(CLOSE, closePayload(1000, 'bye'));
    expect(await client.closeCode()).toBe(1000);
    const [code, reason, wasClean] = await closed;
    expect([code, String(reason), wasClean]).toEqual([1000, 'bye', true]);

    const second = await connected();
    expect(second.ws.park()).toBe(true);
    const ended = once(second.ws, 'close');
    second.client.socket.end(); // FIN without a close frame
    expect((await ended)[0]).toBe(1006);

    const third = await connected();
    expect(third.ws.park()).toBe(true);
    const reset = once(third.ws, 'close');
    third.client.destroy();
    const [resetCode, , resetClean] = await reset;
    expect([resetCode, resetClean]).toEqual([1006, false]);
  });

  it('the peer address read before parking is the one after the close', async () => {
    const { ws, client } = await connected();
    expect(ws.remoteAddress).toBe('127.0.0.1');
    expect(ws.park()).toBe(true);
    const closed = once(ws, 'close');
    client.destroy();
    await closed;
    expect(ws.remoteAddress).toBe('127.0.0.1');
  });

  it('server.close() closes parked WebSockets with 1001 and leaves none parked', async () => {
    const { server, ws, client } = await connected();
    expect(ws.park()).toBe(true);
    const closing = server.close();
    expect(await client.closeCode()).toBe(1001);
    client.send(CLOSE, closePayload(1001));
    await closing;
    expect(ws.readyState).toBe(3);
    expect(server.clients.size).toBe(0);
  });

  it('many connections parked and woken together: a broadcast to all of them, then each echoes', async () => {
    const before = parkedConnections();
    const { server, port } = await startServer({ transport: 'native', perMessageDeflate: false }, echo);
    const clients = await Promise.all(Array.from({ length: 200 }, () => RawClient.upgraded(port)));
    await expect.poll(() => server.clients.size).toBe(200);
    for (const ws of server.clients) expect((ws as WebSocket).park()).toBe(true);
    expect(parkedConnections()).toBe(before + 200);
    for (const ws of server.clients) (ws as WebSocket).send('to everyone');
    for (const client of clients) expect((await client.frame()).payload.toString()).toBe('to everyone');
    clients.forEach((client, i) => client.send(TEXT, `client ${i}`));
    for (const [i, client] of clients.entries()) expect((await client.frame()).payload.toString()).toBe(`client ${i}`);
    for (const client of clients) client.destroy();
    await expect.poll(() => server.clients.size).toBe(0);
    expect(parkedConnections()).toBe(before);
  });

  it('a tick visits only the WebSockets that are not parked: new ones, and those woken since', async () => {
    // A welcome sent from the 'connection' listener keeps a new WebSocket from being parked as it opens.
    const { server, port } = await startServer({ transport: 'native', perMessageDeflate: false }, (ws) => {
      echo(ws);
      ws.send('welcome');
    });
    const clients = await Promise.all(Array.from({ length: 3 }, () => RawClient.upgraded(port)));
    await expect.poll(() => server.clients.size).toBe(3);
    for (const client of clients) expect((await client.frame()).payload.toString()).toBe('welcome');
    // Ticks by hand only: the server's own sweep (every 10 ms in the `parking` project) is taken off.
    const internals = server as unknown as { parkIdle(): void; sweeper: { delete(member: unknown): void }; parker: unknown };
    internals.sweeper.delete(internals.parker);
    const tick = (): void => internals.parkIdle();
    const park = vi.spyOn(WebSocketClass.prototype, 'park');
    try {
      tick();
      expect(park).toHaveBeenCalledTimes(3);
      expect([...server.clients].every((ws) => (ws as WebSocket).park())).toBe(true);
      park.mockClear();
      tick();
      expect(park).toHaveBeenCalledTimes(0);
      clients[1]!.send(TEXT, 'wake one');
      expect((await clients[1]!.frame()).payload.toString()).toBe('wake one');
      tick();
      expect(park).toHaveBeenCalledTimes(1);
    } finally {
      park.mockRestore();
      for (const client of clients) client.destroy();
    }
  });

  describe('what is not parked', () => {
    it('a WebSocket with a pull reader (receive), or paused, or that reported an error', async () => {
      const reader = await connected();
      const next = reader.ws.receive();
      expect(reader.ws.park()).toBe(false);
      reader.client.send(TEXT, 'pulled');
      expect(await next).toEqual({ type: 'text', data: 'pulled' });
      reader.client.destroy();

      const paused = await connected();
      paused.ws.pause();
      expect(paused.ws.park()).toBe(false);
      paused.ws.resume();
      expect(paused.ws.park()).toBe(true);
      paused.client.destroy();

      const failed = await connected();
      failed.ws.on('error', () => {});
      failed.client.send(TEXT, Buffer.from([0xff])); // invalid UTF-8: 1007
      expect(await failed.client.closeCode()).toBe(1007);
      expect(failed.ws.park()).toBe(false);
    });

    it('a fragmented message being sent, or sends not yet flushed', async () => {
      const { ws, client } = await connected();
      ws.send('part one, ', { fin: false });
      expect(ws.park()).toBe(false); // queued, the flush is due at the end of the tick
      await client.frame();
      expect(ws.park()).toBe(false); // the message is unfinished: the next send continues it
      ws.send('part two');
      await client.frame();
      await expect.poll(() => ws.park()).toBe(true);
      client.destroy();
    });

    it.each([
      ['heartbeats (pingInterval)', { pingInterval: 60_000 }],
      ['an idle timeout', { idleTimeout: 60_000 }],
      ['permessage-deflate negotiated', { perMessageDeflate: true }],
      ['the net.Socket transport', { transport: 'node' as const }],
    ])('a connection with %s', async (_name, options) => {
      const { server, port } = await startServer({ transport: 'native', perMessageDeflate: false, ...options });
      const extensions: Record<string, string> = 'perMessageDeflate' in options ? { 'Sec-WebSocket-Extensions': 'permessage-deflate' } : {};
      const client = await RawClient.upgraded(port, extensions);
      await expect.poll(() => server.clients.size).toBe(1);
      const [ws] = [...server.clients] as WebSocket[];
      expect(ws!.park()).toBe(false);
      client.destroy();
    });

    it("the fragment API's WebSocketContext", async () => {
      const { server, port } = await startServer({ transport: 'native', api: 'fragment' });
      const client = await RawClient.upgraded(port);
      await expect.poll(() => server.clients.size).toBe(1);
      expect('park' in [...server.clients][0]!).toBe(false);
      client.destroy();
    });
  });
});

describe('Protocol.atRest: a new Protocol with the same settings would be the same', () => {
  const listener: ProtocolListener = { message() {}, fragment() {}, ping() {}, pong() {}, close() {}, error() {} };
  const masked = (opcode: number, payload: string, fin = true): Buffer => {
    const bytes = Buffer.from(payload);
    const head = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | bytes.length, 1, 2, 3, 4]);
    return Buffer.concat([head, bytes.map((byte, i) => byte ^ [1, 2, 3, 4][i % 4]!)]);
  };

  it('holds between frames and messages, not inside one or after a close', () => {
    const protocol = new Protocol(protocolSettings({ role: 'server' }), listener);
    expect(protocol.atRest).toBe(true);
    const frame = masked(TEXT, 'hello');
    protocol.receiveData(frame.subarray(0, 3)); // half a header
    expect(protocol.atRest).toBe(false);
    protocol.receiveData(frame.subarray(3));
    expect(protocol.atRest).toBe(true);
    protocol.receiveData(masked(TEXT, 'unfinished', false));
    expect(protocol.atRest).toBe(false);
    protocol.receiveData(masked(CONT, ' message'));
    expect(protocol.atRest).toBe(true);
    protocol.sendText('queued');
    expect(protocol.atRest).toBe(false);
    protocol.dataToSend();
    expect(protocol.atRest).toBe(true);
    protocol.sendClose(1000);
    protocol.dataToSend();
    expect(protocol.atRest).toBe(false);
  });

  it('not after a violation, nor while pongs are held', () => {
    const failed = new Protocol(protocolSettings({ role: 'server' }), listener);
    failed.receiveData(Buffer.from([0x83, 0x80, 0, 0, 0, 0])); // reserved opcode
    failed.dataToSend();
    expect(failed.atRest).toBe(false);
    const holding = new Protocol(protocolSettings({ role: 'client' }), listener);
    holding.holdPongs(true);
    expect(holding.atRest).toBe(false);
    holding.holdPongs(false);
    expect(holding.atRest).toBe(true);
  });
});
