/**
 * The connection over real sockets: close handshake (RFC 6455 §7), ping/pong (§5.5.2-3),
 * fragmentation with interleaved control frames (§5.4), limits, UTF-8 fail-fast (§8.1),
 * heartbeats and timeouts.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RawClient, clientFrame, closePayload } from '../helpers/raw-client.js';
import { carrier, carrierCertificate } from '../helpers/carrier.js';
import { echo, startServer } from '../helpers/servers.js';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';

const TEXT = 1, BINARY = 2, CONT = 0, CLOSE = 8, PING = 9, PONG = 10;

describe('echo', () => {
  it('echoes text as text and binary as binary, 0 B to 70 KB', async () => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.upgraded(port);
    for (const size of [0, 1, 125, 126, 65535, 65536, 70_000]) {
      const text = 'é'.repeat(Math.floor(size / 2)) + (size % 2 ? 'a' : '');
      client.send(TEXT, text);
      const t = await client.frame();
      expect([t.opcode, t.fin, t.payload.toString()]).toEqual([TEXT, true, text]);
      const bytes = Buffer.alloc(size, 0xfe);
      client.send(BINARY, bytes);
      const b = await client.frame();
      expect([b.opcode, b.payload.equals(bytes)]).toEqual([BINARY, true]);
    }
    client.destroy();
  });

  it('echoes large binary messages byte for byte: 1 MiB and 4 MiB in one frame, 3 MiB in three', async () => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.upgraded(port);
    const bytes = (length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 2654435761) >>> 24));
    for (const size of [1024 * 1024, 4 * 1024 * 1024]) {
      const payload = bytes(size);
      client.send(BINARY, payload);
      const echoed = await client.frame(20_000);
      expect([echoed.opcode, echoed.payload.length, echoed.payload.equals(payload)]).toEqual([BINARY, size, true]);
    }
    const payload = bytes(3 * 1024 * 1024);
    client.send(BINARY, payload.subarray(0, 1024 * 1024), { fin: false });
    client.send(PING, 'between');
    client.send(CONT, payload.subarray(1024 * 1024, 2 * 1024 * 1024), { fin: false });
    client.send(CONT, payload.subarray(2 * 1024 * 1024));
    expect((await client.frame()).opcode).toBe(PONG);
    const echoed = await client.frame(20_000);
    expect([echoed.opcode, echoed.payload.equals(payload)]).toEqual([BINARY, true]);
    client.destroy();
  });

  it('reassembles a fragmented message with pings between its fragments, answering each ping at once', async () => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.upgraded(port);
    client.send(TEXT, 'frag', { fin: false });
    client.send(PING, 'p1');
    const pong1 = await client.frame();
    expect([pong1.opcode, pong1.payload.toString()]).toEqual([PONG, 'p1']);
    client.send(CONT, 'men', { fin: false });
    client.send(PING, 'p2');
    client.send(CONT, 'ted', { fin: true });
    const pong2 = await client.frame();
    expect([pong2.opcode, pong2.payload.toString()]).toEqual([PONG, 'p2']);
    const message = await client.frame();
    expect([message.opcode, message.payload.toString()]).toEqual([TEXT, 'fragmented']);
    client.destroy();
  });
});

describe('close handshake', () => {
  it('answers a close with the same code, then the server closes TCP first (§7.1.1)', async () => {
    let status: { code: number; reason: string; wasClean: boolean } | undefined;
    const { port } = await startServer({}, (ws) => ws.on('close', (code: number, reason: string, wasClean: boolean) => (status = { code, reason, wasClean })));
    const client = await RawClient.upgraded(port);
    client.send(CLOSE, closePayload(4001, 'bye'));
    const reply = await client.frame();
    expect(reply.opcode).toBe(CLOSE);
    expect(reply.payload.readUInt16BE(0)).toBe(4001);
    await client.waitClosed();
    expect(client.ended).toBe(true); // FIN from the server, not a reset
    await expect.poll(() => status).toEqual({ code: 4001, reason: 'bye', wasClean: true });
  });

  it('an empty close is answered with an empty close and reported as 1005 (§7.1.5)', async () => {
    let code: number | undefined;
    const { port } = await startServer({}, (ws) => ws.on('close', (c: number) => (code = c)));
    const client = await RawClient.upgraded(port);
    client.send(CLOSE);
    const reply = await client.frame();
    expect([reply.opcode, reply.payload.length]).toEqual([CLOSE, 0]);
    await expect.poll(() => code).toBe(1005);
  });

  it('close() from the application waits for the peer, then resolves', async () => {
    let server: WebSocket | undefined;
    const { port } = await startServer({}, (ws) => (server = ws));
    const client = await RawClient.upgraded(port);
    await expect.poll(() => server).toBeDefined();
    const closed = server!.close(1000, 'done');
    const frame = await client.frame();
    expect([frame.opcode, frame.payload.readUInt16BE(0), frame.payload.subarray(2).toString()]).toEqual([CLOSE, 1000, 'done']);
    expect(server!.state).toBe('CLOSING');
    client.send(CLOSE, closePayload(1000));
    await closed;
    expect(server!.state).toBe('CLOSED');
    expect(server!.getCloseStatus()).toEqual({ code: 1000, reason: '' });
  });

  it('drops TCP when the peer never answers our close (closeTimeout)', async () => {
    let server: WebSocket | undefined;
    const { port } = await startServer({ closeTimeout: 200 }, (ws) => (server = ws));
    const client = await RawClient.upgraded(port);
    await expect.poll(() => server).toBeDefined();
    const closed = server!.close(1000);
    expect((await client.frame()).opcode).toBe(CLOSE);
    await closed;
    await client.waitClosed();
    expect(server!.getCloseStatus()).toBeUndefined(); // nothing was received
  });

  it('reports 1006 when TCP drops without a close frame', async () => {
    let code: number | undefined;
    const { port } = await startServer({}, (ws) => ws.on('close', (c: number) => (code = c)));
    const client = await RawClient.upgraded(port);
    client.destroy();
    await expect.poll(() => code).toBe(1006);
  });

  // Node ends the standalone server's sockets itself on the peer's FIN; node:http's allow
  // half-open TCP, so there the connection ends our side. Over HTTP/2 the halves are the stream's
  // (END_STREAM), on an http2 server attached to; over TLS, an https server.
  it.each(['standalone', 'attached'])('%s: a peer that ends TCP without a close frame gets our FIN, and the close is 1006', async (mode) => {
    let code: number | undefined;
    const onConnection = (ws: WebSocket): void => void ws.on('close', (c: number) => (code = c));
    let port: number;
    let httpServer: http.Server | https.Server | http2.Http2Server | undefined;
    if (mode === 'standalone') {
      ({ port } = await startServer({}, onConnection));
    } else {
      httpServer =
        carrier === 'http2'
          ? http2.createServer({ settings: { enableConnectProtocol: true } })
          : carrier === 'tls'
            ? https.createServer({ key: carrierCertificate!.key, cert: carrierCertificate!.cert })
            : http.createServer();
      const wss = new WebSocketServer({ server: httpServer }, onConnection);
      httpServer.listen(0, '127.0.0.1');
      await once(httpServer, 'listening');
      port = (httpServer.address() as AddressInfo).port;
      onTestFinished(async () => {
        await wss.close();
        httpServer!.close();
      });
    }
    const client = await RawClient.upgraded(port);
    client.socket.end();
    await client.waitClosed();
    expect(client.ended).toBe(true);
    await expect.poll(() => code).toBe(1006);
  });

  it('a peer that sends its FIN and then never reads is dropped after the close timeout, not held while our output waits', async () => {
    // 32 MiB queued to a peer that reads nothing: more than loopback's socket buffers hold, so
    // Node's own end() after the FIN would wait for it forever. The FIN starts the close timeout
    // (§7.1.1), which drops TCP.
    let closedAt: number | undefined;
    let sent = false;
    const { port } = await startServer({ closeTimeout: 300, receiveBufferLimit: 64 * 1024 * 1024 }, (ws) => {
      ws.on('close', () => (closedAt = Date.now()));
      ws.send(Buffer.alloc(32 * 1024 * 1024), () => {}); // it fails once TCP is dropped: expected
      sent = true;
    });
    const client = await RawClient.upgraded(port);
    client.socket.pause();
    await expect.poll(() => sent).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the kernel's buffers fill up
    const finAt = Date.now();
    client.socket.end();
    await expect.poll(() => closedAt, { timeout: 5000 }).toBeDefined();
    expect(closedAt! - finAt).toBeLessThan(3000);
    client.destroy();
  });

  it.each([
    ['1-byte close payload', Buffer.from([0x03]), 1002],
    ['code 999', closePayload(999), 1002],
    ['code 1004', closePayload(1004), 1002],
    ['code 1005', closePayload(1005), 1002],
    ['code 1006', closePayload(1006), 1002],
    ['code 1016', closePayload(1016), 1002],
    ['code 2999', closePayload(2999), 1002],
    ['code 5000', closePayload(5000), 1002],
    ['reason not UTF-8', Buffer.concat([closePayload(1000), Buffer.from([0xff])]), 1007],
    ['code 1000', closePayload(1000), 1000],
    ['code 1003', closePayload(1003), 1003],
    ['code 1011', closePayload(1011), 1011],
    ['code 3000', closePayload(3000), 3000],
    ['code 4999', closePayload(4999), 4999],
  ])('close with %s is answered with %i (§7.4)', async (_name, payload, expected) => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.upgraded(port);
    client.send(CLOSE, payload);
    expect(await client.closeCode()).toBe(expected);
    await client.waitClosed();
  });
});

describe('protocol errors close with the right code', () => {
  it.each([
    ['RSV1 without an extension', (c: RawClient) => c.send(TEXT, 'x', { rsv: 4 }), 1002],
    ['RSV2', (c: RawClient) => c.send(TEXT, 'x', { rsv: 2 }), 1002],
    ['RSV3', (c: RawClient) => c.send(TEXT, 'x', { rsv: 1 }), 1002],
    ['reserved opcode 3', (c: RawClient) => c.send(3, 'x'), 1002],
    ['reserved opcode 11', (c: RawClient) => c.send(11, 'x'), 1002],
    ['fragmented ping', (c: RawClient) => c.send(PING, 'x', { fin: false }), 1002],
    ['ping of 126 bytes', (c: RawClient) => c.send(PING, Buffer.alloc(126)), 1002],
    ['unmasked client frame', (c: RawClient) => c.send(TEXT, 'x', { mask: false }), 1002],
    ['continuation with nothing to continue', (c: RawClient) => c.send(CONT, 'x'), 1002],
    ['new message inside a fragmented one', (c: RawClient) => { c.send(TEXT, 'a', { fin: false }); c.send(TEXT, 'b'); }, 1002],
    ['invalid UTF-8 text', (c: RawClient) => c.send(TEXT, Buffer.from([0xce, 0xba, 0xff])), 1007],
    ['64-bit length with the top bit set', (c: RawClient) => c.write(Buffer.from('82ff80000000000000000102030400', 'hex')), 1002],
  ])('%s → %i', async (_name, act, expected) => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.upgraded(port);
    act(client);
    expect(await client.closeCode()).toBe(expected);
    await client.waitClosed();
  });

  it('invalid UTF-8 fails at the fragment that breaks it, before the message ends (fail fast)', async () => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.upgraded(port);
    client.send(TEXT, 'valid start ', { fin: false });
    client.send(CONT, Buffer.from([0xf4, 0x90, 0x80, 0x80]), { fin: false }); // above U+10FFFF
    // No final fragment is ever sent: the close must come anyway.
    expect(await client.closeCode()).toBe(1007);
  });

  it('invalid UTF-8 fails in the middle of one frame whose payload is still arriving', async () => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.upgraded(port);
    const frame = (await import('../helpers/raw-client.js')).clientFrame(TEXT, Buffer.concat([Buffer.from('abc'), Buffer.from([0xc0, 0x80]), Buffer.alloc(1000, 0x61)]));
    client.write(frame.subarray(0, 2 + 4 + 6)); // header, key and the bad bytes; the rest never comes
    expect(await client.closeCode()).toBe(1007);
  });

  it('delivers the messages that arrived before an error, then reports it', async () => {
    const got: string[] = [];
    let errorCode: string | undefined;
    const { port } = await startServer({}, (ws) => {
      ws.on('message', (data: Buffer) => got.push(data.toString()));
      ws.on('error', (error: { code: string }) => (errorCode = error.code));
    });
    const client = await RawClient.upgraded(port);
    const { clientFrame } = await import('../helpers/raw-client.js');
    client.write(Buffer.concat([clientFrame(TEXT, 'one'), clientFrame(TEXT, 'two'), clientFrame(3, 'bad')]));
    expect(await client.closeCode()).toBe(1002);
    expect(got).toEqual(['one', 'two']);
    expect(errorCode).toBe('WS_ERR_INVALID_OPCODE');
  });
});

describe('limits', () => {
  it('a frame whose declared length exceeds receiveBufferLimit fails at its header with 1009', async () => {
    const { port } = await startServer({ receiveBufferLimit: 1024 }, echo);
    const client = await RawClient.upgraded(port);
    // Header of a 1 MiB binary frame and a mask key, but no payload at all.
    client.write(Buffer.from('82ff000000000010000001020304', 'hex'));
    expect(await client.closeCode()).toBe(1009);
  });

  it('a message growing past the limit across fragments closes with 1009', async () => {
    const { port } = await startServer({ receiveBufferLimit: 1000 }, echo);
    const client = await RawClient.upgraded(port);
    for (let i = 0; i < 5; i++) client.send(i === 0 ? BINARY : CONT, Buffer.alloc(300), { fin: false });
    expect(await client.closeCode()).toBe(1009);
  });

  it('a message of exactly receiveBufferLimit is echoed whole as 1, 4 and 64 fragments', async () => {
    const { port } = await startServer({ receiveBufferLimit: 4096 }, echo);
    const client = await RawClient.upgraded(port);
    for (const count of [1, 4, 64]) {
      const payload = Buffer.alloc(4096, count);
      const size = 4096 / count;
      for (let i = 0; i < count; i++) client.send(i === 0 ? BINARY : CONT, payload.subarray(i * size, (i + 1) * size), { fin: i === count - 1 });
      const frame = await client.frame();
      expect(frame.payload.equals(payload), `${count} fragments`).toBe(true);
    }
    client.destroy();
  });

  it.each([
    ['1-byte', 'x', 'by the payload limit'],
    ['empty', '', 'by the fragment allowance'],
  ])('a flood of %s fragments is bounded (%s is reached first): 1009', async (_name, piece) => {
    const { port } = await startServer({ receiveBufferLimit: 4096 }, echo);
    const client = await RawClient.upgraded(port);
    const { clientFrame } = await import('../helpers/raw-client.js');
    const frames = [clientFrame(BINARY, piece, { fin: false })];
    for (let i = 0; i < 5000; i++) frames.push(clientFrame(CONT, piece, { fin: false }));
    client.write(Buffer.concat(frames));
    expect(await client.closeCode()).toBe(1009);
  });

  it('a frame that declares 4 MiB and sends little reserves at most 1 MiB ahead, and still arrives whole', async () => {
    const { port } = await startServer({}, echo);
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.upgraded(port)));
    const payload = Buffer.alloc(4 * 1024 * 1024, 3);
    const { clientFrame } = await import('../helpers/raw-client.js');
    const frame = clientFrame(BINARY, payload);
    const before = process.memoryUsage().arrayBuffers;
    for (const client of clients) client.write(frame.subarray(0, 14 + 1000)); // header, key and 1,000 bytes
    await new Promise((resolve) => setTimeout(resolve, 300));
    // 20 connections × 4 MiB would be 80 MiB reserved; with the bound it is about 20 × 1 MiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(30 * 1024 * 1024);
    clients[0]!.write(frame.subarray(14 + 1000));
    const echoed = await clients[0]!.frame(10_000);
    expect(echoed.payload.equals(payload)).toBe(true);
    for (const client of clients) client.destroy();
  });

  it('a message exactly at the limit is accepted', async () => {
    const { port } = await startServer({ receiveBufferLimit: 1000 }, echo);
    const client = await RawClient.upgraded(port);
    client.send(BINARY, Buffer.alloc(1000, 7));
    const frame = await client.frame();
    expect(frame.payload.length).toBe(1000);
    client.destroy();
  });
});

describe('heartbeats and timeouts', () => {
  it('pingInterval pings, measures the round trip, and closes a peer that stops answering', async () => {
    let server: WebSocket | undefined;
    const { port } = await startServer({ pingInterval: 100 }, (ws) => (server = ws));
    const client = await RawClient.upgraded(port);
    const ping = await client.frame(2000);
    expect(ping.opcode).toBe(PING);
    client.send(PONG, ping.payload);
    await expect.poll(() => server?.rtt).toBeGreaterThanOrEqual(0);
    // Now play dead: the next ping goes unanswered, and the one after finds it still unanswered.
    expect((await client.frame(2000)).opcode).toBe(PING);
    const code = await client.closeCode(3000);
    expect(code).toBe(1011);
    await client.waitClosed();
  });

  it('idleTimeout closes a connection that sends nothing', async () => {
    const { port } = await startServer({ idleTimeout: 150 }, echo);
    const client = await RawClient.upgraded(port);
    expect(await client.closeCode(3000)).toBe(1001);
    await client.waitClosed();
  });

  it('idleTimeout is reset by the bytes of one large frame that trickles in for longer than the timeout', async () => {
    const { port } = await startServer({ idleTimeout: 1000 }, echo);
    const client = await RawClient.upgraded(port);
    const payload = Buffer.from(Array.from({ length: 200 * 1024 }, (_, i) => i & 0xff));
    const frame = clientFrame(BINARY, payload);
    client.write(frame.subarray(0, 72 * 1024)); // then 8 KiB every 125 ms: 2 s for the rest
    for (let at = 72 * 1024; at < frame.length; at += 8 * 1024) {
      await new Promise((resolve) => setTimeout(resolve, 125));
      expect(client.closed).toBe(false);
      client.write(frame.subarray(at, at + 8 * 1024));
    }
    const echoed = await client.frame();
    expect([echoed.opcode, echoed.payload.equals(payload)]).toEqual([BINARY, true]);
    client.destroy();
  });

  it('idleTimeout is reset by traffic', async () => {
    const { port } = await startServer({ idleTimeout: 300 }, echo);
    const client = await RawClient.upgraded(port);
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      client.send(TEXT, 'still here');
      expect((await client.frame()).opcode).toBe(TEXT);
    }
    expect(client.closed).toBe(false);
    client.destroy();
  });
});
