/**
 * Interop: the `ws` package (with bufferutil/utf-8-validate) as the client of an in-process
 * wsframe server. Covers: data frames at every length-encoding boundary up to 16 MiB (RFC 6455
 * §5.2), fragmented messages written by ws (§5.4), the close handshake both ways with codes and
 * reasons (§5.5.1, §7.4), and ping/pong both ways (§5.5.2, §5.5.3).
 * (A ws server against a wsframe client waits for wsframe's client.)
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { binaryPayload, describeSize, LENGTH_BOUNDARY_SIZES, MiB, textPayload } from '../helpers/payloads.js';
import { echo, startServer } from '../helpers/servers.js';
import { WsPeer } from '../helpers/ws-peer.js';
import type { WebSocket } from '../../src/websocket.js';

// 16 MiB messages must fit (the default receiveBufferLimit is 4 MiB, §10.4 limits are ours to choose).
const bigLimit = 17 * MiB;

async function echoPeer(): Promise<{ peer: WsPeer; server: () => WebSocket }> {
  let accepted: WebSocket | undefined;
  const { port } = await startServer({ receiveBufferLimit: bigLimit }, (ws) => {
    accepted = ws;
    echo(ws);
  });
  const peer = await WsPeer.connect(port, { maxPayload: bigLimit });
  return {
    peer,
    server: () => {
      if (accepted === undefined) throw new Error('the server has not reported the connection');
      return accepted;
    },
  };
}

describe('echo of ws messages at every length boundary (§5.2)', () => {
  it.each(LENGTH_BOUNDARY_SIZES.map((size) => [describeSize(size), size] as const))('text and binary of %s', async (_name, size) => {
    const { peer } = await echoPeer();
    const text = textPayload(size);
    peer.ws.send(text);
    const t = await peer.next();
    expect(t.isBinary).toBe(false);
    expect(t.data.length).toBe(size);
    expect(t.data.equals(Buffer.from(text))).toBe(true);

    const bytes = binaryPayload(size, size + 1);
    peer.ws.send(bytes);
    const b = await peer.next();
    expect(b.isBinary).toBe(true);
    expect(b.data.length).toBe(size);
    expect(b.data.equals(bytes)).toBe(true);
  });
});

describe('fragmented messages from ws (§5.4)', () => {
  it.each([
    ['text in 3 fragments', false, [Buffer.from('frag'), Buffer.from('men'), Buffer.from('ted é€😀')]],
    ['binary in 3 fragments', true, [binaryPayload(1000, 1), binaryPayload(70_000, 2), binaryPayload(1, 3)]],
    ['text split inside a 4-byte character', false, [Buffer.from('😀').subarray(0, 1), Buffer.from('😀').subarray(1)]],
    ['empty first and last fragments', true, [Buffer.alloc(0), binaryPayload(10, 4), Buffer.alloc(0)]],
    ['100 fragments of 1 KiB', true, Array.from({ length: 100 }, (_, i) => binaryPayload(1024, i + 10))],
  ])('%s are echoed as one message', async (_name, binary, parts) => {
    const { peer } = await echoPeer();
    parts.forEach((part, i) => peer.ws.send(part, { binary, fin: i === parts.length - 1 }));
    const message = await peer.next();
    expect(message.isBinary).toBe(binary);
    expect(message.data.equals(Buffer.concat(parts))).toBe(true);
  });

  it('a fragmented 16 MiB binary message (1 MiB fragments) is echoed byte for byte', async () => {
    const { peer } = await echoPeer();
    const data = binaryPayload(16 * MiB, 77);
    for (let offset = 0; offset < data.length; offset += MiB) {
      peer.ws.send(data.subarray(offset, offset + MiB), { binary: true, fin: offset + MiB >= data.length });
    }
    const message = await peer.next();
    expect(message.data.equals(data)).toBe(true);
  });
});

describe('close handshake (§7.1.2, §7.4)', () => {
  it.each([
    [1000, 'normal'],
    [3000, 'registered range'],
    [4999, 'private range, last code'],
    [4000, ''],
  ])('ws closes with %i %j: the server reports it and echoes the code', async (code, reason) => {
    const { peer, server } = await echoPeer();
    await expect.poll(() => server()).toBeDefined();
    const serverClosed = once(server(), 'close');
    peer.ws.close(code, reason);
    const [serverCode, serverReason, wasClean] = await serverClosed;
    expect({ serverCode, serverReason, wasClean }).toEqual({ serverCode: code, serverReason: reason, wasClean: true });
    expect(server().getCloseStatus()).toEqual({ code, reason });
    // §5.5.1: the reply echoes the status code; repeating the reason is not required.
    expect((await peer.closed).code).toBe(code);
  });

  it.each([
    [1000, 'done'],
    [1001, 'going away'],
    [1011, 'internal error'],
    [3000, ''],
    [4999, 'é€😀'],
    [4123, 'r'.repeat(123)], // the longest reason that fits a control frame (§5.5)
  ])('the server closes with %i %j: ws reports it, and the server sees ws echo it', async (code, reason) => {
    const { peer, server } = await echoPeer();
    await expect.poll(() => server()).toBeDefined();
    const closed = server().close(code, reason);
    expect(await peer.closed).toEqual({ code, reason });
    await closed;
    expect(server().state).toBe('CLOSED');
    expect(server().getCloseStatus()).toEqual({ code, reason });
  });

  it('ws close() without a code is reported as 1005 on the server', async () => {
    const { peer, server } = await echoPeer();
    await expect.poll(() => server()).toBeDefined();
    const serverClosed = once(server(), 'close');
    peer.ws.close();
    expect((await serverClosed)[0]).toBe(1005);
    expect((await peer.closed).code).toBe(1005);
  });

  it('ws terminate() (TCP drop) is reported as 1006, not clean', async () => {
    const { peer, server } = await echoPeer();
    await expect.poll(() => server()).toBeDefined();
    const serverClosed = once(server(), 'close');
    peer.ws.terminate();
    const [code, , wasClean] = await serverClosed;
    expect([code, wasClean]).toEqual([1006, false]);
  });
});

describe('ping and pong (§5.5.2, §5.5.3)', () => {
  it.each([
    ['no payload', Buffer.alloc(0)],
    ['a short payload', Buffer.from('ping from ws')],
    ['125 bytes, the largest control payload', binaryPayload(125, 5)],
  ])('ws pings with %s: the server pongs the same payload', async (_name, payload) => {
    const { peer, server } = await echoPeer();
    await expect.poll(() => server()).toBeDefined();
    const serverPing = once(server(), 'ping');
    const pong = once(peer.ws, 'pong');
    peer.ws.ping(payload);
    expect(Buffer.from((await pong)[0] as Buffer).equals(payload)).toBe(true);
    expect(Buffer.from((await serverPing)[0] as Uint8Array).equals(payload)).toBe(true);
  });

  it('the server pings: ws sees the ping and its automatic pong reaches the server', async () => {
    const { peer, server } = await echoPeer();
    await expect.poll(() => server()).toBeDefined();
    const payload = Buffer.from('ping from wsframe');
    const clientPing = once(peer.ws, 'ping');
    const serverPong = once(server(), 'pong');
    expect(server().ping(payload)).toBe(true);
    expect(Buffer.from((await clientPing)[0] as Buffer).equals(payload)).toBe(true);
    expect(Buffer.from((await serverPong)[0] as Uint8Array).equals(payload)).toBe(true);
  });

  it('a ping between the fragments of a message is answered and the message still arrives whole (§5.4)', async () => {
    const { peer } = await echoPeer();
    const pong = once(peer.ws, 'pong');
    peer.ws.send('first half, ', { fin: false });
    peer.ws.ping('in between');
    peer.ws.send('second half', { fin: true });
    expect(((await pong)[0] as Buffer).toString()).toBe('in between');
    expect((await peer.next()).data.toString()).toBe('first half, second half');
  });

  it('a heartbeat (pingInterval) is answered by ws and measured as rtt', async () => {
    let accepted: WebSocket | undefined;
    const { port } = await startServer({ pingInterval: 50 }, (ws) => (accepted = ws));
    const peer = await WsPeer.connect(port);
    const ping = once(peer.ws, 'ping');
    await ping;
    await expect.poll(() => accepted?.rtt).toBeGreaterThanOrEqual(0);
    expect(peer.ws.readyState).toBe(peer.ws.OPEN);
  });
});
