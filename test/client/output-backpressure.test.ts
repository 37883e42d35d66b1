// A client's own output does not stop it reading (src/connection/connection.ts, PAUSED_BY_OUTPUT):
// a server stops reading a peer whose replies back up, and if the client did the same, each would
// wait for the other. Pings from a server that does not read cost the client one held pong.
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { computeAccept } from '../../src/handshake/index.js';
import { recordedProtocol } from '../protocol/recorder.js';
import { echo, nextData, startServer } from '../helpers/servers.js';

const LIMIT = 1024 * 1024;

describe('a client that sends more than receiveBufferLimit before it reads', () => {
  // 24 MiB: more than both kernels' loopback buffers and both limits, so over TCP both queues
  // pass receiveBufferLimit; over HTTP/2 the stream's window is passed at once.
  it.each([
    ['TCP', false],
    ['HTTP/2', true],
  ])('gets every echo, in order, from a wsframe echo server (%s)', async (_carrier, http2) => {
    const { port } = await startServer({ receiveBufferLimit: LIMIT, http2 }, echo);
    const client = await connect(`ws://127.0.0.1:${port}/`, { receiveBufferLimit: LIMIT, http2 });
    const count = 48;
    const size = 512 * 1024;
    for (let i = 0; i < count; i++) client.send(Buffer.alloc(size, i));
    expect(client.bufferedAmount).toBeGreaterThan(LIMIT);
    for (let i = 0; i < count; i++) {
      const data = (await nextData(client)) as Buffer;
      expect(Buffer.isBuffer(data)).toBe(true);
      expect(data.length).toBe(size);
      expect([data[0], data[size - 1]]).toEqual([i, i]);
    }
    client.close();
    await once(client, 'close');
  });
});

describe('a server that sends pings and does not read their pongs', () => {
  const servers = new Set<ReturnType<typeof createServer>>();
  afterEach(() => {
    for (const server of servers) server.close();
    servers.clear();
  });

  it("holds the client to one pong for the pings past its limit: the latest ping's (RFC 6455 §5.5.3)", async () => {
    // 6 MB of pings, whose 10 MB of (masked) pongs are more than the kernels' buffers hold (the
    // client's send buffer grows to 4 MB here, the server that does not read keeps its own small).
    const pings = 1024 * 1024;
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', (head) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(head.toString('latin1'))![1];
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
        socket.pause(); // reads nothing more until the test says so
        const frames = Buffer.alloc(pings * 6);
        for (let i = 0; i < pings; i++) {
          frames[i * 6] = 0x89; // FIN, ping
          frames[i * 6 + 1] = 4; // unmasked, 4 bytes
          frames.writeUInt32BE(i, i * 6 + 2);
        }
        socket.write(frames);
      });
    });
    servers.add(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = await connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { receiveBufferLimit: 64 * 1024 });
    let pinged = 0;
    let queuedAtMost = 0;
    client.on('ping', () => {
      pinged++;
      queuedAtMost = Math.max(queuedAtMost, client.bufferedAmount);
    });
    await expect.poll(() => pinged, { timeout: 20_000 }).toBe(pings); // it kept reading
    // Without holding: every pong the kernels could not take (megabytes) would wait in the client.
    expect(queuedAtMost).toBeLessThan(256 * 1024);
    expect(client.state).toBe('OPEN');

    // The server reads now: a pong for each ping while the client's queue was under its limit,
    // one for the latest of those that came while it was over (each time it drained), and one
    // for the very last ping.
    const parser = recordedProtocol({ role: 'server' });
    const [socket] = sockets;
    socket!.on('data', (chunk) => parser.protocol.receiveData(chunk));
    socket!.resume();
    const lastPayload = (pings - 1).toString(16).padStart(8, '0');
    await expect.poll(() => parser.events.at(-1), { timeout: 20_000 }).toEqual(['pong', lastPayload]);
    const answered = parser.events.map((event) => (event[0] === 'pong' ? parseInt(event[1], 16) : -1));
    expect(answered[0]).toBe(0);
    expect(answered.filter((n, i) => i > 0 && !(n > answered[i - 1]!))).toEqual([]); // in order, none twice, nothing else
    expect(answered.length).toBeLessThan(pings / 2);
    client.terminate();
  });
});
