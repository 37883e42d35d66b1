/**
 * createWebSocketStream over wsframe's WebSocket, met by a real `ws` client: bytes and whole
 * messages through, backpressure both ways (a reader that stops reading stalls the peer; a
 * peer that stops reading holds the writes), and the close and errors mapped to the stream.
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/servers.js';
import { WsPeer } from '../helpers/ws-peer.js';
import { RawClient, clientFrame } from '../helpers/raw-client.js';
import { binaryPayload, KiB } from '../helpers/payloads.js';
import { createWebSocketStream } from '../../src/index.js';
import type { WebSocket } from '../../src/websocket.js';

/** A server whose every connection becomes a stream (with `options`), and a ws client connected to it. */
async function streamPair(options?: Parameters<typeof createWebSocketStream>[1]): Promise<{ stream: Duplex; ws: WebSocket; peer: WsPeer }> {
  const streams: Array<{ stream: Duplex; ws: WebSocket }> = [];
  const { port } = await startServer({}, (ws) => streams.push({ stream: createWebSocketStream(ws, options), ws }));
  const peer = await WsPeer.connect(port);
  await expect.poll(() => streams.length).toBe(1);
  return { ...streams[0]!, peer };
}

/** Every chunk the stream gives, from now on. */
function collect(stream: Duplex): Array<Buffer | string> {
  const chunks: Array<Buffer | string> = [];
  stream.on('data', (chunk: Buffer | string) => chunks.push(chunk));
  return chunks;
}

describe('createWebSocketStream', () => {
  it('is a byte stream by default: messages in as bytes, writes out as binary messages', async () => {
    const { stream, peer } = await streamPair();
    const chunks = collect(stream);
    peer.ws.send('hello ');
    peer.ws.send(Buffer.from('world'));
    await expect.poll(() => Buffer.concat(chunks as Buffer[]).toString()).toBe('hello world');
    expect(chunks.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
    stream.write('back');
    const message = await peer.next();
    expect(message.isBinary).toBe(true);
    expect(message.data.toString()).toBe('back');
  });

  it('objectMode: one chunk per whole message, text as string and binary as Buffer; a string written goes as text', async () => {
    const { stream, peer } = await streamPair({ objectMode: true });
    const chunks = collect(stream);
    peer.ws.send('a text');
    peer.ws.send(Buffer.from([1, 2, 3]));
    await expect.poll(() => chunks.length).toBe(2);
    expect(chunks[0]).toBe('a text');
    expect(Buffer.isBuffer(chunks[1]) && [...chunks[1]]).toEqual([1, 2, 3]);
    stream.write('out');
    stream.write(Buffer.from([9]));
    expect(await peer.next()).toMatchObject({ isBinary: false });
    expect(await peer.next()).toMatchObject({ isBinary: true });
  });

  it('a reader that stops reading pauses the socket: the peer stalls, and gets everything once reading resumes', async () => {
    const { stream, ws, peer } = await streamPair({ highWaterMark: 64 * KiB });
    const count = 256;
    const chunk = binaryPayload(64 * KiB);
    for (let i = 0; i < count; i++) peer.ws.send(chunk);
    // Nobody reads the stream: the socket gets paused and the peer's 16 MiB stop leaving it.
    await expect.poll(() => ws.isPaused).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stalled = peer.ws.bufferedAmount;
    expect(stalled).toBeGreaterThan(4 * 1024 * KiB); // far more than the socket buffers hold
    expect(stream.readableLength).toBeLessThan(2 * 1024 * KiB); // the stream did not take it all in
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(peer.ws.bufferedAmount).toBe(stalled); // still stalled: nothing moved without a reader
    const chunks = collect(stream);
    await expect.poll(() => chunks.reduce((sum, data) => sum + data.length, 0), { timeout: 10_000 }).toBe(count * chunk.length);
    expect(peer.ws.bufferedAmount).toBe(0);
    expect(ws.isPaused).toBe(false);
  });

  it('a write completes when handed to the kernel: a peer that stops reading holds the writer back', async () => {
    const { stream, peer } = await streamPair({ highWaterMark: 64 * KiB });
    peer.ws.pause(); // the peer reads nothing: the server's socket buffers fill up
    const chunk = binaryPayload(256 * KiB);
    const count = 64; // 16 MiB: more than the kernel's socket buffers take
    let written = 0;
    for (let i = 0; i < count; i++) stream.write(chunk, () => written++);
    expect(stream.write(chunk, () => written++)).toBe(false); // past highWaterMark: the writer is asked to wait
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(written).toBeLessThan(count + 1); // the writes the kernel could not take are not complete
    expect(stream.writableLength).toBeGreaterThan(0);
    peer.ws.resume();
    await once(stream, 'drain');
    expect(written).toBe(count + 1);
  });

  it("the peer's close ends the readable side; end() closes the WebSocket with a close handshake", async () => {
    const { stream, ws, peer } = await streamPair();
    stream.resume();
    peer.ws.close(1000, 'bye');
    await once(stream, 'end');
    expect(ws.getCloseStatus()).toEqual({ code: 1000, reason: 'bye' });

    const second = await streamPair();
    second.stream.resume();
    second.stream.end();
    expect((await second.peer.closed).code).toBe(1005); // a close frame without a code: close() had none
    await once(second.stream, 'close');
    expect(second.ws.readyState).toBe(second.ws.CLOSED);
  });

  it('destroy() drops the connection (the peer sees 1006)', async () => {
    const { stream, peer } = await streamPair();
    stream.destroy();
    expect((await peer.closed).code).toBe(1006);
  });

  it('a protocol error destroys the stream with the typed error', async () => {
    const streams: Duplex[] = [];
    const { port } = await startServer({}, (ws) => streams.push(createWebSocketStream(ws)));
    const raw = await RawClient.upgraded(port);
    await expect.poll(() => streams.length).toBe(1);
    raw.write(clientFrame(1, 'unmasked', { mask: false }));
    const [error] = await once(streams[0]!, 'error');
    expect(error).toMatchObject({ code: 'WS_ERR_EXPECTED_MASK', closeCode: 1002 });
    raw.socket.destroy();
  });
});
