/**
 * `borrowedMessages` (src/server.ts): a binary message is valid only during its 'message'
 * listeners, and the native transport reads such connections into one buffer it reuses
 * (src/transport/lent-memory.ts). What must hold whatever the carrier: every byte a peer sends
 * is echoed exactly — however the frames are split across reads and connections interleave,
 * when what we send cannot be written at once (the peer does not read), when a message is sent
 * on to another connection (native or net.Socket) that does not read, and when messages wait in
 * the queue of a pull reader; and large messages, assembled in buffers the server lends again,
 * come back exact too, also over HTTP/2. Run on both transports (vitest.config.mts); the first test shows
 * the native one really lends.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { connect } from '../../src/client.js';
import { isLent, lentMessages } from '../../src/transport/lent-memory.js';
import type { WebSocket } from '../../src/websocket.js';
import { RawClient, clientFrame, type ServerFrame } from '../helpers/raw-client.js';
import { defaultTransport, startServer } from '../helpers/servers.js';
import { seededRandom } from '../kernels/random.js';

const TEXT = 1, BINARY = 2, CONT = 0, PING = 9, PONG = 10;
const KiB = 1024;

/** The echo a borrowing application writes: sent back from the listener, kept no longer. */
function echoBorrowed(ws: WebSocket): void {
  ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
}

/** Random bytes from a seeded generator (reproducible). */
function bytes(random: () => number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (random() * 256) | 0;
  return out;
}

/** A message as 1-3 frames, written in random pieces so frames straddle the server's reads. */
function writeMessage(client: RawClient, random: () => number, opcode: number, payload: Buffer): void {
  const frames: Buffer[] = [];
  const parts = 1 + ((random() * 3) | 0);
  let offset = 0;
  for (let part = 0; part < parts; part++) {
    const end = part === parts - 1 ? payload.length : Math.min(payload.length, offset + ((random() * payload.length) | 0));
    frames.push(clientFrame(part === 0 ? opcode : CONT, payload.subarray(offset, end), { fin: part === parts - 1 }));
    offset = end;
  }
  const wire = Buffer.concat(frames);
  for (let at = 0; at < wire.length; ) {
    const piece = 1 + ((random() * 96 * KiB) | 0);
    client.write(wire.subarray(at, at + piece));
    at += piece;
  }
}

/** Sizes around the read buffer's and the payload target's thresholds, and small ones. */
function messageSize(random: () => number): number {
  const kind = random();
  if (kind < 0.4) return (random() * 200) | 0;
  if (kind < 0.8) return (random() * 40 * KiB) | 0;
  return 60 * KiB + ((random() * 240 * KiB) | 0);
}

async function expectFrames(client: RawClient, expected: [number, Buffer][]): Promise<void> {
  for (const [opcode, payload] of expected) {
    const frame: ServerFrame = await client.frame(10_000);
    expect(frame.opcode).toBe(opcode);
    expect(Buffer.compare(frame.payload, payload)).toBe(0);
  }
}

describe(`borrowedMessages (${defaultTransport} transport)`, () => {
  it('binary messages are lent on the native transport (one reused buffer for every connection), owned otherwise', async () => {
    const seen: { lent: boolean; memory: ArrayBufferLike }[] = [];
    const { port } = await startServer({ borrowedMessages: true }, (ws) =>
      ws.on('message', (data: Buffer) => {
        seen.push({ lent: isLent(data), memory: data.buffer });
        ws.send('ok');
      }),
    );
    const { port: ownedPort } = await startServer({}, (ws) =>
      ws.on('message', (data: Buffer) => {
        seen.push({ lent: isLent(data), memory: data.buffer });
        ws.send('ok');
      }),
    );
    for (const target of [port, port, ownedPort]) {
      const client = await connect(`ws://127.0.0.1:${target}/`);
      client.send(Buffer.alloc(20 * KiB, 7));
      await client.receive();
      client.close();
    }
    expect(seen.map((s) => s.lent)).toEqual(defaultTransport === 'native' ? [true, true, false] : [false, false, false]);
    if (defaultTransport === 'native') expect(seen[1]!.memory).toBe(seen[0]!.memory);
  });

  it('the fragment API is never lent to (it keeps what it reads)', async () => {
    const lent: boolean[] = [];
    const { port } = await startServer({ borrowedMessages: true, api: 'fragment' }, ((context: { readFragment(): Promise<{ data: Uint8Array }> }) => {
      void context.readFragment().then((fragment) => lent.push(isLent(fragment.data)));
    }) as never);
    const client = await RawClient.upgraded(port);
    client.send(BINARY, Buffer.alloc(20 * KiB, 1));
    await expect.poll(() => lent.length).toBe(1);
    expect(lent[0]).toBe(false);
    client.destroy();
  });

  it('echoes every byte of random traffic from 6 interleaved connections, frames split anywhere across reads', async () => {
    const { port } = await startServer({ borrowedMessages: true }, echoBorrowed);
    await Promise.all(
      Array.from({ length: 6 }, async (_, id) => {
        const random = seededRandom(1000 + id);
        const client = await RawClient.upgraded(port);
        const expected: [number, Buffer][] = [];
        for (let i = 0; i < 40; i++) {
          const text = random() < 0.3;
          const payload = text ? Buffer.from('é'.repeat(messageSize(random) >> 1)) : bytes(random, messageSize(random));
          writeMessage(client, random, text ? TEXT : BINARY, payload);
          expected.push([text ? TEXT : BINARY, payload]);
          if (random() < 0.2) {
            const ping = bytes(random, (random() * 125) | 0);
            client.send(PING, ping);
            expected.push([PONG, ping]);
          }
        }
        await expectFrames(client, expected);
        client.destroy();
      }),
    );
  });

  // Messages under the payload target's threshold (64 KiB), each whole in a read: lent, not
  // read into a message buffer of their own. 16 MiB in all: more than loopback's socket buffers.
  const lentSizes = (random: () => number) => Array.from({ length: 420 }, () => bytes(random, 8 * KiB + ((random() * 52 * KiB) | 0)));

  it('echoes exactly to a peer that stops reading: what the kernel does not take is queued as a copy', async () => {
    let received = 0;
    const { port } = await startServer({ borrowedMessages: true, receiveBufferLimit: 64 * 1024 * 1024 }, (ws) => {
      ws.on('message', () => received++);
      echoBorrowed(ws);
    });
    const client = await RawClient.upgraded(port);
    client.socket.pause();
    const sent = lentSizes(seededRandom(7));
    for (const payload of sent) client.send(BINARY, payload);
    await expect.poll(() => received, { timeout: 10_000 }).toBe(sent.length); // read on, echoes queued
    client.socket.resume();
    await expectFrames(client, sent.map((payload) => [BINARY, payload]));
    client.destroy();
  });

  // Messages of 64 KiB or more are assembled in buffers the server lends again (lentMessages).
  const largeSizes = (random: () => number) => Array.from({ length: 60 }, () => bytes(random, 64 * KiB + ((random() * 256 * KiB) | 0)));

  const relays = (
    [
      ['native', 'in the read buffer', lentSizes],
      ['node', 'in the read buffer', lentSizes],
      ['native', 'in pooled message buffers', largeSizes],
      ['node', 'in pooled message buffers', largeSizes],
    ] as const
  ).filter(([relayTransport]) => relayTransport === 'node' || defaultTransport === 'native'); // the node project has no native server

  it.each(relays)('a message sent on to another %s connection that does not read arrives intact (lent %s)', async (relayTransport, _where, sizes) => {
    let relay: WebSocket | undefined;
    const { port: relayPort } = await startServer({ transport: relayTransport, receiveBufferLimit: 64 * 1024 * 1024 }, (ws) => (relay = ws));
    let relayed = 0;
    const { port } = await startServer({ borrowedMessages: true }, (ws) =>
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        relay!.send(data, { binary: isBinary });
        relayed++;
      }),
    );
    const receiver = await RawClient.upgraded(relayPort);
    receiver.socket.pause();
    await expect.poll(() => relay).toBeDefined();
    const sender = await RawClient.upgraded(port);
    const random = seededRandom(11);
    const sent = sizes(random);
    for (const payload of sent) writeMessage(sender, random, BINARY, payload);
    await expect.poll(() => relayed, { timeout: 10_000 }).toBe(sent.length);
    expect(relay!.bufferedAmount).toBeGreaterThan(0); // some of it waited in the relay's queue
    receiver.socket.resume();
    await expectFrames(receiver, sent.map((payload) => [BINARY, payload]));
    sender.destroy();
    receiver.destroy();
  });

  it('messages queued for a pull reader (receive()) are its own: intact however late it reads them', async () => {
    const { port } = await startServer({ borrowedMessages: true }, (ws) => {
      void (async () => {
        await new Promise((resolve) => setTimeout(resolve, 200)); // let every message arrive first
        for (;;) {
          const message = await ws.receive();
          if (message.type === 'close') return;
          ws.send(message.data, { binary: message.type === 'binary' });
        }
      })();
    });
    const client = await RawClient.upgraded(port);
    const random = seededRandom(23);
    const sent = Array.from({ length: 30 }, () => bytes(random, messageSize(random)));
    for (const payload of sent) writeMessage(client, random, BINARY, payload);
    await expectFrames(client, sent.map((payload) => [BINARY, payload]));
    client.destroy();
  });

  it('large messages reuse pooled buffers, and echo exactly', async () => {
    const { port } = await startServer({ borrowedMessages: true }, echoBorrowed);
    const client = await RawClient.upgraded(port);
    const random = seededRandom(31);
    const sent = Array.from({ length: 12 }, () => bytes(random, 512 * KiB + ((random() * 512 * KiB) | 0)));
    for (const payload of sent) writeMessage(client, random, BINARY, payload);
    await expectFrames(client, sent.map((payload) => [BINARY, payload]));
    expect(lentMessages.pooledBytes).toBeGreaterThanOrEqual(512 * KiB); // given back after each delivery
    client.destroy();
  });

  it('a listener that sends and then throws: what it sent goes out at once, before the lent bytes are read over', async () => {
    // In a child process: the exception goes to uncaughtException, which the script swallows.
    const script = `
      const { WebSocketServer } = require(${JSON.stringify(resolve(__dirname, '../../dist/index.js'))});
      process.on('uncaughtException', () => {});
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0, borrowedMessages: true, transport: '${defaultTransport}' }, (ws) =>
        ws.on('message', (data) => {
          ws.send(data);
          throw new Error('after the send');
        }),
      );
      server.on('listening', () => console.log(server.address().port));
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    onTestFinished(() => void child.kill());
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const client = await RawClient.upgraded(Number(line.toString().trim()));
    const random = seededRandom(3);
    const first = bytes(random, 20 * KiB);
    client.write(clientFrame(BINARY, first));
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.write(clientFrame(BINARY, bytes(random, 20 * KiB))); // read into the same buffer, never parsed
    await expectFrames(client, [[BINARY, first]]);
    client.destroy();
  });

  it('over HTTP/2 (RFC 8441): pooled messages echo exactly while the stream flow control holds the echoes back', async () => {
    // An Http2Stream keeps what its window does not let out yet: the pooled buffers it was
    // given must be copies (writeBatch), or the next messages read over them.
    const { port } = await startServer({ http2: true, borrowedMessages: true }, echoBorrowed);
    const client = await connect(`ws://127.0.0.1:${port}/`, { http2: true });
    const random = seededRandom(41);
    // ~2.3 MB in all: under receiveBufferLimit, so neither side stops reading for what it has to send
    const sent = largeSizes(random).slice(0, 12);
    for (const payload of sent) client.send(payload);
    for (const payload of sent) {
      const echoed = await client.receive();
      expect(echoed.type === 'binary' && Buffer.compare(echoed.data, payload)).toBe(0);
    }
    await client.close();
  });

  it('ping payloads a listener keeps stay as they arrived', async () => {
    const kept: Buffer[] = [];
    const { port } = await startServer({ borrowedMessages: true }, (ws) => {
      ws.on('ping', (payload: Buffer) => kept.push(payload));
      echoBorrowed(ws);
    });
    const client = await RawClient.upgraded(port);
    const random = seededRandom(5);
    const pings = Array.from({ length: 10 }, () => bytes(random, 125));
    const expected: [number, Buffer][] = [];
    for (const ping of pings) {
      // The ping shares a read with a long message after it, which the reused buffer then holds.
      const message = bytes(random, 40 * KiB);
      client.write(Buffer.concat([clientFrame(PING, ping), clientFrame(BINARY, message)]));
      expected.push([PONG, ping], [BINARY, message]);
    }
    await expectFrames(client, expected);
    expect(kept.map((payload) => payload.toString('hex'))).toEqual(pings.map((ping) => ping.toString('hex')));
    client.destroy();
  });
});
