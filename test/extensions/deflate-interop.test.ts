/**
 * permessage-deflate over real sockets (RFC 7692): wsframe ↔ wsframe, and both directions with
 * the `ws` package under several parameter combinations; negotiation edges; RSV1 misuse;
 * the decompression bomb.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import WS, { WebSocketServer as WSServer } from 'ws';
import { connect } from '../../src/client.js';
import type { PerMessageDeflateOptions } from '../../src/extensions/permessage-deflate.js';
import { RawClient, clientFrame } from '../helpers/raw-client.js';
import { compressedMessage } from '../helpers/compressed.js';
import { echo, startServer } from '../helpers/servers.js';

const json = (i: number): string => JSON.stringify({ id: i, user: 'someone', text: 'a chat message that repeats itself '.repeat(40) });

describe('wsframe client ↔ wsframe server', () => {
  it.each<[string, PerMessageDeflateOptions, PerMessageDeflateOptions]>([
    ['server defaults (server_no_context_takeover)', {}, {}],
    ['context takeover both ways', { serverNoContextTakeover: false, clientNoContextTakeover: false }, {}],
    ['client_no_context_takeover required', { clientNoContextTakeover: true }, {}],
    ['small windows', { serverMaxWindowBits: 10, clientMaxWindowBits: 9 }, {}],
  ])('%s: 200 compressed messages round trip', async (_name, serverOptions, clientOptions) => {
    const { port } = await startServer({ perMessageDeflate: serverOptions }, echo);
    const ws = await connect(`ws://127.0.0.1:${port}`, { perMessageDeflate: clientOptions });
    expect(ws.extensions).toMatch(/^permessage-deflate/);
    for (let i = 0; i < 200; i++) ws.send(json(i));
    for (let i = 0; i < 200; i++) expect(await ws.receive()).toEqual({ type: 'text', data: json(i) });
    await ws.close();
  });

  it('is off on the server by default: no extension is answered', async () => {
    const { port } = await startServer({}, echo);
    const ws = await connect(`ws://127.0.0.1:${port}`);
    expect(ws.extensions).toBe('');
    ws.send(json(1));
    expect(await ws.receive()).toEqual({ type: 'text', data: json(1) });
    await ws.close();
  });
});

describe('with the ws package', () => {
  it.each<[string, object]>([
    ['ws defaults', {}],
    ['serverNoContextTakeover', { serverNoContextTakeover: true }],
    ['clientNoContextTakeover', { clientNoContextTakeover: true }],
    ['serverMaxWindowBits 10', { serverMaxWindowBits: 10 }],
    ['clientMaxWindowBits 11', { clientMaxWindowBits: 11 }],
  ])('ws client (%s) ↔ wsframe server', async (_name, wsOptions) => {
    const { port } = await startServer({ perMessageDeflate: { serverNoContextTakeover: false, clientNoContextTakeover: false } }, echo);
    const client = new WS(`ws://127.0.0.1:${port}`, { perMessageDeflate: { threshold: 0, ...wsOptions } });
    await once(client, 'open');
    expect(client.extensions).toMatch(/permessage-deflate/);
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    for (let i = 0; i < 100; i++) client.send(json(i));
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(100);
    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => json(i)));
    client.close();
  });

  it.each<[string, PerMessageDeflateOptions]>([
    ['defaults', {}],
    ['server_no_context_takeover asked', { serverNoContextTakeover: true }],
    ['client_no_context_takeover offered', { clientNoContextTakeover: true }],
    ['client window 10', { clientMaxWindowBits: 10 }],
  ])('wsframe client (%s) ↔ ws server', async (_name, options) => {
    const server = new WSServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
    await once(server, 'listening');
    server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
    const ws = await connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate: options });
    expect(ws.extensions).toMatch(/^permessage-deflate/);
    for (let i = 0; i < 100; i++) ws.send(json(i));
    for (let i = 0; i < 100; i++) expect(await ws.receive()).toEqual({ type: 'text', data: json(i) });
    await ws.close();
    server.close();
  });
});

describe('data path rules', () => {
  async function deflateClient(port: number): Promise<RawClient> {
    return RawClient.upgraded(port, { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' });
  }

  it('a compressed message from a raw client is inflated; a message can opt out of compression', async () => {
    let server: import('../../src/websocket.js').WebSocket | undefined;
    const { port } = await startServer({ perMessageDeflate: true }, (ws) => (server = ws));
    const client = await deflateClient(port);
    await expect.poll(() => server).toBeDefined();
    const received = new Promise((resolve) => server!.on('message', (data: Buffer) => resolve(String(data))));
    const compressed = compressedMessage(Buffer.from('Hello, compressed world'));
    client.send(1, compressed, { rsv: 4 });
    expect(await received).toBe('Hello, compressed world');
    server!.send('x'.repeat(5000));
    const big = await client.frame();
    expect([big.rsv, big.payload.length < 100]).toEqual([4, true]);
    server!.send('x'.repeat(5000), { compress: false });
    const plain = await client.frame();
    expect([plain.rsv, plain.payload.length]).toEqual([0, 5000]);
    server!.send('small');
    expect((await client.frame()).rsv).toBe(0); // below the 1 KiB threshold
    client.destroy();
  });

  it.each([
    ['RSV1 on a continuation frame', (c: RawClient) => { c.send(1, 'a', { fin: false }); c.send(0, 'b', { rsv: 4 }); }, 1002],
    ['RSV1 on a ping', (c: RawClient) => c.send(9, 'a', { rsv: 4 }), 1002],
    ['invalid compressed data', (c: RawClient) => c.send(1, Buffer.from([0xff, 0xff, 0xff]), { rsv: 4 }), 1007],
  ])('%s → %i', async (_name, act, code) => {
    const { port } = await startServer({ perMessageDeflate: true }, echo);
    const client = await deflateClient(port);
    act(client);
    expect(await client.closeCode()).toBe(code);
  });

  it('500 connections that each inflated and deflated a message keep no zlib handle alive', async () => {
    // A zlib stream per connection and direction (what ws and browsers keep) is a native zlib
    // handle, with its window and state, held for the connection's life. wsframe makes one
    // synchronous call per message and keeps nothing of it. Handles are counted with async_hooks
    // (type 'ZLIB': init when made, destroy once collected), after a full GC; first, that the
    // count sees zlib streams that are held, and not those let go.
    const { createHook } = await import('node:async_hooks');
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = new Set<number>();
    const hook = createHook({
      init: (id, type) => void (type === 'ZLIB' && live.add(id)),
      destroy: (id) => void live.delete(id),
    }).enable();
    const collected = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 20)); // destroy hooks run after the GC
      }
      return live.size;
    };
    try {
      const message = Buffer.from(json(1));
      const compressed = compressedMessage(message);
      const { createInflateRaw } = await import('node:zlib');
      let streams = Array.from({ length: 100 }, () => createInflateRaw());
      expect(await collected()).toBeGreaterThanOrEqual(100);
      for (const stream of streams) stream.close();
      streams = [];
      expect(await collected()).toBe(0);

      const { port } = await startServer({ perMessageDeflate: true }, echo);
      const clients: RawClient[] = [];
      for (let i = 0; i < 500; i += 50) {
        const batch = await Promise.all(Array.from({ length: 50 }, () => deflateClient(port)));
        for (const client of batch) client.send(1, compressed, { rsv: 4 });
        for (const client of batch) {
          const echoed = await client.frame();
          expect(echoed.rsv).toBe(4); // compressed by the server (4 KiB is over the threshold)
        }
        clients.push(...batch);
      }
      // 500 connections open, 1,000 zlib calls made: none of their handles is held.
      expect(await collected()).toBe(0);
      for (const client of clients) client.destroy();
    } finally {
      hook.disable();
    }
  });

  it('RSV1 without the extension negotiated → 1002', async () => {
    const { port } = await startServer({ perMessageDeflate: true }, echo);
    const client = await RawClient.upgraded(port); // offers nothing
    client.send(1, compressedMessage(Buffer.from('x')), { rsv: 4 });
    expect(await client.closeCode()).toBe(1002);
  });

  it('a decompression bomb closes with 1009, and server memory stays bounded', async () => {
    const { port } = await startServer({ perMessageDeflate: true, receiveBufferLimit: 1024 * 1024 }, echo);
    const client = await deflateClient(port);
    const bomb = compressedMessage(Buffer.alloc(256 * 1024 * 1024));
    const before = process.memoryUsage().rss;
    client.write(clientFrame(2, bomb, { rsv: 4 }));
    expect(await client.closeCode(10_000)).toBe(1009);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('negotiation', () => {
  it.each([
    ['the first acceptable offer is taken', 'permessage-deflate; x_unknown, permessage-deflate; server_no_context_takeover', /^permessage-deflate; server_no_context_takeover; client_no_context_takeover$/],
    ['a repeated parameter makes an offer unacceptable', 'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10', undefined],
    ['a window out of range is declined', 'permessage-deflate; server_max_window_bits=7', undefined],
    ['quoted values are accepted', 'permessage-deflate; server_max_window_bits="10"', /server_max_window_bits=10/],
    ['client_max_window_bits without a value is answered only when limited', 'permessage-deflate; client_max_window_bits', /^permessage-deflate; server_no_context_takeover; client_no_context_takeover$/],
  ])('%s', async (_name, offer, expected) => {
    const { port } = await startServer({ perMessageDeflate: true }, echo);
    const client = await RawClient.open(port);
    const { upgradeRequest } = await import('../helpers/raw-client.js');
    client.write(upgradeRequest(port, { 'Sec-WebSocket-Extensions': offer }));
    const head = await client.response();
    expect(head.status).toBe(101);
    if (expected === undefined) expect(head.headers['sec-websocket-extensions']).toBeUndefined();
    else expect(head.headers['sec-websocket-extensions']).toMatch(expected);
    client.destroy();
  });

  it('the client refuses an answer with a parameter it did not allow', async () => {
    const { createServer } = await import('node:net');
    const { computeAccept } = await import('../../src/handshake/index.js');
    const server = createServer((socket) => {
      socket.once('data', (chunk) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(String(chunk))![1]!;
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\nSec-WebSocket-Extensions: permessage-deflate; x_bogus\r\n\r\n`);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    await expect(connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`)).rejects.toMatchObject({ code: 'WS_ERR_HANDSHAKE_BAD_EXTENSIONS' });
    server.close();
  });
});
