/**
 * Hostile input over HTTP/2 (RFC 8441) gets what it gets over HTTP/1.1, each a clear outcome with
 * nothing left behind (streams, sessions and connections are counted): an extended CONNECT
 * without :path or :scheme (reset by nghttp2 with PROTOCOL_ERROR before it reaches us, the
 * session goes on), a wrong sec-websocket-version (426), a message past receiveBufferLimit (1009,
 * at its header, however much DATA follows), a stream reset mid-message (1006 on the server, the
 * session and its other WebSockets go on). The peer is node:http2 or a few raw frames, not the
 * wsframe client.
 */
import * as http2 from 'node:http2';
import { connect as tcpConnect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startHttp2Host } from '../helpers/http2-servers.js';
import { clientFrame } from '../helpers/raw-client.js';
import { echo } from '../helpers/servers.js';

/** An extended CONNECT from node:http2 (which checks nothing the server should); resolves with the response headers. */
function extendedConnect(session: http2.ClientHttp2Session, extra: Record<string, string> = {}): Promise<{ stream: http2.ClientHttp2Stream; headers: http2.IncomingHttpHeaders }> {
  const stream = session.request(
    { ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/', ':authority': 'localhost', 'sec-websocket-version': '13', ...extra },
    { endStream: false },
  );
  stream.on('error', () => {});
  return new Promise((resolve, reject) => {
    stream.once('response', (headers) => resolve({ stream, headers }));
    stream.once('close', () => reject(new Error(`stream closed with ${stream.rstCode} before a response`)));
  });
}

async function session(origin: string): Promise<http2.ClientHttp2Session> {
  const client = http2.connect(origin);
  client.on('error', () => {});
  await new Promise((resolve) => client.once('remoteSettings', resolve));
  return client;
}

/** Bytes of a stream until it closes, and how it closed. */
function collect(stream: http2.ClientHttp2Stream): Promise<{ data: Buffer; rstCode: number | undefined }> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => stream.once('close', () => resolve({ data: Buffer.concat(chunks), rstCode: stream.rstCode })));
}

// HTTP/2 frames by hand (RFC 9113 §4.1) and header fields as HPACK literals without indexing
// (RFC 7541 §6.2.2), to send what node:http2's client would correct.
function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}
function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);
}
/** Reads raw frames from a socket: the type, flags, stream and payload of each. */
function rawFrames(socket: Socket): Array<{ type: number; streamId: number; payload: Buffer }> {
  const frames: Array<{ type: number; streamId: number; payload: Buffer }> = [];
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 9 && buffered.length >= 9 + buffered.readUIntBE(0, 3)) {
      const length = buffered.readUIntBE(0, 3);
      frames.push({ type: buffered[3]!, streamId: buffered.readUInt32BE(5) & 0x7fffffff, payload: buffered.subarray(9, 9 + length) });
      buffered = buffered.subarray(9 + length);
    }
  });
  return frames;
}

describe('hostile input over HTTP/2', () => {
  it.each([':path', ':scheme'])('an extended CONNECT without %s is reset (PROTOCOL_ERROR) by nghttp2; no WebSocket, the session goes on', async (missing) => {
    const host = await startHttp2Host({}, echo);
    const socket = tcpConnect(host.port, '127.0.0.1');
    const frames = rawFrames(socket);
    const fields = [
      literal(':method', 'CONNECT'), literal(':protocol', 'websocket'), literal(':scheme', 'http'),
      literal(':path', '/'), literal(':authority', 'localhost'), literal('sec-websocket-version', '13'),
    ].filter((_, i) => (missing === ':path' ? i !== 3 : i !== 2));
    socket.write(Buffer.concat([
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
      frame(0x4, 0, 0, Buffer.alloc(0)), // SETTINGS
      frame(0x1, 0x4, 1, Buffer.concat(fields)), // HEADERS, END_HEADERS, no END_STREAM
      frame(0x6, 0, 0, Buffer.from('stillup!')), // PING
    ]));
    await expect.poll(() => frames.find((f) => f.type === 0x3 && f.streamId === 1)?.payload.readUInt32BE(0)).toBe(http2.constants.NGHTTP2_PROTOCOL_ERROR);
    await expect.poll(() => frames.some((f) => f.type === 0x6 && f.payload.toString() === 'stillup!')).toBe(true); // PING ACK: the session lives
    expect(host.wss.stats.statuses).toEqual({});
    expect(host.wss.clients.size).toBe(0);
    socket.destroy();
    await expect.poll(() => [host.counts.openSessions, host.counts.openStreams]).toEqual([0, 0]);
  });

  it('a wrong sec-websocket-version gets 426 with sec-websocket-version: 13 and a reason, as over HTTP/1.1', async () => {
    const host = await startHttp2Host({}, echo);
    const client = await session(host.origin.replace('ws:', 'http:'));
    const { stream, headers } = await extendedConnect(client, { 'sec-websocket-version': '8' });
    const { data } = await collect(stream);
    expect([headers[':status'], headers['sec-websocket-version'], headers['upgrade']]).toEqual([426, '13', undefined]);
    expect(data.toString()).toBe('Only WebSocket version 13 is supported\n');
    expect(host.wss.stats.statuses).toEqual({ 426: 1 });
    client.close();
    await expect.poll(() => [host.counts.openSessions, host.counts.openStreams]).toEqual([0, 0]);
  });

  it('a message past receiveBufferLimit closes with 1009 at its header, however much DATA follows; the stream and session end', async () => {
    const host = await startHttp2Host({ wss: { receiveBufferLimit: 1024 } }, echo);
    const client = await session(host.origin.replace('ws:', 'http:'));
    const { stream, headers } = await extendedConnect(client);
    expect(headers[':status']).toBe(200);
    const closed = collect(stream);
    const flood = clientFrame(0x2, Buffer.alloc(1 << 20, 7));
    stream.write(flood.subarray(0, 16)); // the header declares 1 MiB: enough to refuse it
    for (let i = 0; i < 16 && !stream.destroyed; i++) stream.write(flood.subarray(16 + i * 65536, 16 + (i + 1) * 65536));
    const { data } = await closed;
    expect(data.subarray(0, 4)).toEqual(Buffer.from([0x88, data[1]!, 0x03, 0xf1])); // close frame, code 1009
    expect(host.wss.clients.size).toBe(0);
    client.close();
    await expect.poll(() => [host.counts.openSessions, host.counts.openStreams]).toEqual([0, 0]);
  });

  it('a stream reset mid-message is 1006 on the server; the session\'s other WebSocket goes on', async () => {
    const closes: Array<[number, boolean]> = [];
    const host = await startHttp2Host({}, (ws) => {
      echo(ws);
      ws.on('close', (code: number, _reason: string, wasClean: boolean) => closes.push([code, wasClean]));
    });
    const client = await session(host.origin.replace('ws:', 'http:'));
    const first = await extendedConnect(client);
    const second = await extendedConnect(client);
    first.stream.write(clientFrame(0x1, 'half a message', { fin: false }));
    first.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    await expect.poll(() => closes).toEqual([[1006, false]]);
    const echoed = new Promise<Buffer>((resolve) => second.stream.once('data', resolve));
    second.stream.write(clientFrame(0x1, 'still here'));
    expect((await echoed).subarray(2).toString()).toBe('still here');
    expect(host.wss.clients.size).toBe(1);
    client.destroy();
    await expect.poll(() => [host.wss.clients.size, host.counts.openSessions, host.counts.openStreams]).toEqual([0, 0, 0]);
  });
});
