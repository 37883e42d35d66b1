/**
 * ws's API document (doc/ws.md of websockets/ws 8; not shipped in the npm package) as tests,
 * one suite run against both the real `ws` and `wsframe/ws`. Each test names the section it
 * checks. Where wsframe keeps its own behaviour, the test says what each implementation does
 * (`differs(...)`), and README.md, "Migrating from ws", lists the same differences.
 *
 * The other side of each conversation is the real `ws` (its client when a server is tested,
 * its server when a client is), or raw bytes for what no correct peer sends.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import RealWs, { WebSocketServer as RealWsServer, createWebSocketStream as realCreateWebSocketStream } from 'ws';
import * as wsframeWs from '../../src/ws/index.js';
import { RawClient, clientFrame, closePayload } from '../helpers/raw-client.js';
import { binaryPayload, MiB } from '../helpers/payloads.js';

type Impl = {
  name: 'ws' | 'wsframe/ws';
  WebSocket: any;
  WebSocketServer: any;
  createWebSocketStream: (ws: any, options?: object) => Duplex;
};
const implementations: Impl[] = [
  { name: 'ws', WebSocket: RealWs, WebSocketServer: RealWsServer, createWebSocketStream: realCreateWebSocketStream },
  { name: 'wsframe/ws', WebSocket: wsframeWs.WebSocket, WebSocketServer: wsframeWs.WebSocketServer, createWebSocketStream: wsframeWs.createWebSocketStream },
];

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9;
const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A server of either implementation on 127.0.0.1, closed (and its clients dropped) after the test. */
async function serverOf(impl: Impl, options: object = {}): Promise<{ wss: any; url: string; port: number }> {
  const wss = new impl.WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  cleanups.push(() => {
    for (const client of wss.clients ?? []) client.terminate();
    return new Promise((resolve) => wss.close(() => resolve(undefined)));
  });
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  return { wss, url: `ws://127.0.0.1:${port}`, port };
}

/** The real ws as the server a client under test talks to; `onConnection` gets ws's socket. */
async function realServer(onConnection: (ws: RealWs) => void = () => {}, options: object = {}): Promise<string> {
  const { url, wss } = await serverOf(implementations[0]!, options);
  wss.on('connection', onConnection);
  return url;
}

/** The real ws as a client, with what it receives recorded from the start; dropped after the test. */
async function realClient(url: string, options?: RealWs.ClientOptions): Promise<{ ws: RealWs; inbox: Array<[Buffer, boolean]>; closed: Promise<[number, string]> }> {
  const ws = new RealWs(url, options);
  const inbox: Array<[Buffer, boolean]> = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => inbox.push([data, isBinary]));
  ws.on('error', () => {});
  const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])));
  cleanups.push(() => ws.terminate());
  await once(ws, 'open');
  return { ws, inbox, closed };
}

/** The HTTP answer of a server that refuses a real ws client's upgrade. */
async function refusal(url: string): Promise<any> {
  const client = new RealWs(url);
  client.on('error', () => {}); // terminate() below reports the abandoned handshake as an error
  const [, response] = await once(client, 'unexpected-response');
  client.terminate();
  return response;
}

/** A client of the implementation under test, dropped after the test. */
function clientOf(impl: Impl, ...args: unknown[]): any {
  const ws = new impl.WebSocket(...args);
  cleanups.push(() => {
    ws.on('error', () => {}); // ws reports terminating a handshake as an 'error', which throws without a listener
    ws.terminate();
  });
  return ws;
}

/** The next server-side socket of `wss`. */
function nextConnection(wss: any): Promise<[any, any]> {
  return once(wss, 'connection') as Promise<[any, any]>;
}

/** An expectation that differs by implementation (README, "Migrating from ws", has each). */
function differs<T>(impl: Impl, expected: { ws: T; wsframe: T }): T {
  return impl.name === 'ws' ? expected.ws : expected.wsframe;
}

/** A ws server's socket, for writing bytes no correct server sends. */
function rawSocketOf(ws: RealWs): { write(bytes: Buffer): void } {
  return (ws as unknown as { _socket: { write(bytes: Buffer): void } })._socket;
}

describe.each(implementations)('$name as documented in ws.md', (impl) => {
  describe('Class: WebSocketServer', () => {
    it('new WebSocketServer(options): one and only one of port, server, noServer, or a TypeError', () => {
      expect(() => new impl.WebSocketServer({})).toThrow(TypeError);
      expect(() => new impl.WebSocketServer({ port: 0, noServer: true })).toThrow(TypeError);
    });

    it('new WebSocketServer(options, callback): the callback listens to "listening"; server.address() has the port', async () => {
      let listening = false;
      const wss = new impl.WebSocketServer({ host: '127.0.0.1', port: 0 }, () => (listening = true));
      cleanups.push(() => new Promise((resolve) => wss.close(resolve)));
      await once(wss, 'listening');
      expect(listening).toBe(true);
      expect(wss.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
      expect(wss.address().port).toBeGreaterThan(0);
    });

    it('server.address() throws in noServer mode', () => {
      expect(() => new impl.WebSocketServer({ noServer: true }).address()).toThrow(/noServer/);
    });

    it("Event: 'connection' (websocket, request)", async () => {
      const { wss, url } = await serverOf(impl);
      const connection = nextConnection(wss);
      await realClient(`${url}/some/path?q=1`, { headers: { 'X-Test': 'yes' } });
      const [ws, request] = await connection;
      expect(ws).toBeInstanceOf(impl.WebSocket);
      expect(ws.readyState).toBe(impl.WebSocket.OPEN);
      expect(request.url).toBe('/some/path?q=1');
      expect(request.headers['x-test']).toBe('yes');
      expect(request.socket.remotePort).toBeGreaterThan(0);
    });

    it('verifyClient(info): false refuses with 401; info has origin, req and secure', async () => {
      const infos: any[] = [];
      const { url } = await serverOf(impl, {
        verifyClient: (info: any) => {
          infos.push(info);
          return info.req.url === '/ok';
        },
      });
      await realClient(`${url}/ok`, { origin: 'http://example.test' });
      expect(infos[0]).toMatchObject({ origin: 'http://example.test', secure: false });
      expect((await refusal(`${url}/no`)).statusCode).toBe(401);
    });

    it('verifyClient(info, cb): cb(false, code, name, headers) refuses with that status and headers', async () => {
      const { url } = await serverOf(impl, {
        verifyClient: (_info: unknown, cb: (...args: unknown[]) => void) => setImmediate(() => cb(false, 403, 'Not you', { 'X-Why': 'because' })),
      });
      const refused = new RealWs(url);
      refused.on('error', () => {});
      const [, response] = await once(refused, 'unexpected-response');
      expect(response.statusCode).toBe(403);
      expect(response.headers['x-why']).toBe('because');
      let body = '';
      for await (const chunk of response) body += chunk;
      expect(body).toBe(differs(impl, { ws: 'Not you', wsframe: 'Not you\n' })); // wsframe's refusal bodies end in a newline
      refused.terminate();
    });

    it('handleProtocols(protocols, request): its answer is the subprotocol; false answers none; without it, the first offered', async () => {
      const seen: unknown[] = [];
      const { url } = await serverOf(impl, {
        handleProtocols: (protocols: Set<string>, request: { url: string }) => {
          seen.push([protocols instanceof Set, [...protocols], request.url]);
          return request.url === '/none' ? false : 'b';
        },
      });
      expect((await realClient(url, { protocol: undefined } as never)).ws.protocol).toBe('');
      const chosen = await realClient(`${url}/x`, ['a', 'b'] as never);
      expect(chosen.ws.protocol).toBe('b');
      const none = new RealWs(`${url}/none`, ['a', 'b']);
      none.on('error', () => {});
      cleanups.push(() => none.terminate());
      // ws's client fails a handshake without the subprotocol it asked for (RFC 6455 §4.1 allows it to)
      const [error] = await once(none, 'error');
      expect(error.message).toMatch(/Server sent no subprotocol/);
      expect(seen[0]).toEqual([true, ['a', 'b'], '/x']);

      const plain = await serverOf(impl);
      expect((await realClient(plain.url, ['x', 'y'] as never)).ws.protocol).toBe('x');
    });

    it('perMessageDeflate: off by default; true negotiates it (with wsframe answering no context takeover both ways)', async () => {
      const off = await serverOf(impl);
      expect((await realClient(off.url)).ws.extensions).toBe('');
      const { url, wss } = await serverOf(impl, { perMessageDeflate: true });
      const connection = nextConnection(wss);
      const client = new RealWs(url);
      cleanups.push(() => client.terminate());
      const upgraded = once(client, 'upgrade');
      const opened = once(client, 'open');
      const [response] = await upgraded;
      const [ws] = await connection;
      await opened;
      expect(client.extensions).toBe('permessage-deflate');
      expect(ws.extensions).toBe('permessage-deflate');
      expect(response.headers['sec-websocket-extensions']).toBe(
        differs(impl, {
          ws: 'permessage-deflate',
          wsframe: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
        }),
      );
      const text = 'compressible '.repeat(200);
      client.send(text);
      const [data] = await once(ws, 'message');
      expect(data.toString()).toBe(text);
    });

    it('maxPayload: a larger message closes with 1009 (error codes differ)', async () => {
      const { wss, url } = await serverOf(impl, { maxPayload: 1000 });
      const connection = nextConnection(wss);
      const client = await realClient(url);
      const [ws] = await connection;
      const errors: any[] = [];
      ws.on('error', (error: unknown) => errors.push(error));
      client.ws.send(Buffer.alloc(1001));
      expect((await client.closed)[0]).toBe(1009);
      expect(errors[0].code).toBe(differs(impl, { ws: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', wsframe: 'WS_ERR_MESSAGE_TOO_BIG' }));
    });

    it('maxPayload defaults to 100 MiB in ws and to 4 MiB in wsframe/ws', async () => {
      const { wss, url } = await serverOf(impl);
      const connection = nextConnection(wss);
      const client = await realClient(url);
      const [ws] = await connection;
      ws.on('error', () => {});
      const received: number[] = [];
      ws.on('message', (data: Buffer) => received.push(data.length));
      client.ws.send(binaryPayload(5 * MiB));
      client.ws.send('after');
      if (impl.name === 'ws') await expect.poll(() => received).toEqual([5 * MiB, 5]);
      else expect((await client.closed)[0]).toBe(1009);
    });

    it("Event: 'headers' (headers, request): the 101's lines; lines pushed are sent with it", async () => {
      const { wss, url } = await serverOf(impl, { perMessageDeflate: true });
      const shown: string[][] = [];
      wss.on('headers', (headers: string[], request: { url: string }) => {
        shown.push([...headers]);
        headers.push(`Set-Cookie: path=${request.url}`);
      });
      const client = new RealWs(`${url}/cookie`, ['chat']);
      cleanups.push(() => client.terminate());
      const [response] = await once(client, 'upgrade');
      expect(response.headers['set-cookie']).toEqual(['path=/cookie']);
      const sent = Object.entries(response.headers as Record<string, string>)
        .filter(([name]) => name !== 'set-cookie')
        .map(([name, value]) => `${name}: ${value}`.toLowerCase());
      expect(shown[0]![0]).toBe('HTTP/1.1 101 Switching Protocols');
      expect(shown[0]!.slice(1).map((line) => line.toLowerCase()).sort()).toEqual(sent.sort()); // what was shown is what was sent
    });

    it("Event: 'wsClientError' (error, socket, request): a bad upgrade is handed over (external server); no listener: a 4xx", async () => {
      const server = createServer();
      const wss = new impl.WebSocketServer({ server });
      server.listen(0, '127.0.0.1');
      cleanups.push(() => new Promise((resolve) => server.close(resolve)));
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const raw = await RawClient.open(port);
      raw.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`); // no key
      expect((await raw.response()).status).toBe(400);

      const handed: unknown[] = [];
      wss.on('wsClientError', (error: { code?: string }, socket: { end(text: string): void }, request: { url: string }) => {
        handed.push([error instanceof Error, request.url]);
        socket.end('HTTP/1.1 418 I\'m a teapot\r\nConnection: close\r\n\r\n');
      });
      const second = await RawClient.open(port);
      second.write(`GET /bad HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      expect((await second.response()).status).toBe(418);
      expect(handed).toEqual([[true, '/bad']]);
    });

    it("Event: 'wsClientError' in port mode: ws emits it; wsframe's own server answers a bad upgrade itself", async () => {
      const { wss, port } = await serverOf(impl);
      const handed: unknown[] = [];
      wss.on('wsClientError', (_error: unknown, socket: { end(text: string): void }) => {
        handed.push('handed');
        socket.end('HTTP/1.1 418 I\'m a teapot\r\nConnection: close\r\n\r\n');
      });
      const raw = await RawClient.open(port);
      raw.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      expect((await raw.response()).status).toBe(differs(impl, { ws: 418, wsframe: 400 }));
      expect(handed.length).toBe(differs(impl, { ws: 1, wsframe: 0 }));
    });

    it('server.clients: the open sockets (none once closed); clientTracking: false leaves it out', async () => {
      const { wss, url } = await serverOf(impl);
      const client = await realClient(url);
      await expect.poll(() => wss.clients.size).toBe(1);
      expect([...wss.clients][0]).toBeInstanceOf(impl.WebSocket);
      client.ws.close();
      await expect.poll(() => wss.clients.size).toBe(0);
      const untracked = await serverOf(impl, { clientTracking: false });
      expect(untracked.wss.clients).toBeUndefined();
    });

    it('server.close(callback): ws leaves open connections open; wsframe/ws closes them with 1001', async () => {
      const wss = new impl.WebSocketServer({ host: '127.0.0.1', port: 0 });
      await once(wss, 'listening');
      const client = await realClient(`ws://127.0.0.1:${wss.address().port}`);
      let called = false;
      wss.close(() => (called = true));
      if (impl.name === 'ws') {
        await tick(100);
        expect(client.ws.readyState).toBe(RealWs.OPEN);
        client.ws.close();
      } else {
        expect(await client.closed).toEqual([1001, 'server shutting down']);
      }
      await expect.poll(() => called).toBe(true);
      const again = await new Promise((resolve) => wss.close(resolve));
      expect((again as Error).message).toBe('The server is not running');
    });

    it('server.handleUpgrade(request, socket, head, callback): the callback gets (websocket, request); bytes in head are not lost', async () => {
      const server = createServer();
      const wss = new impl.WebSocketServer({ noServer: true });
      const received: string[] = [];
      server.on('upgrade', (request, socket, head) => {
        wss.handleUpgrade(request, socket, head, (ws: any, req: unknown) => {
          expect(req).toBe(request);
          ws.on('message', (data: Buffer) => received.push(data.toString()));
        });
      });
      server.listen(0, '127.0.0.1');
      cleanups.push(() => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      });
      await once(server, 'listening');
      const raw = await RawClient.open((server.address() as AddressInfo).port);
      // the request and a first frame in one write: node:http hands the frame over as `head`
      const request = `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
      raw.write(Buffer.concat([Buffer.from(request), clientFrame(TEXT, 'in the head')]));
      expect((await raw.response()).status).toBe(101);
      await expect.poll(() => received).toEqual(['in the head']);
      raw.socket.destroy();
    });

    it('server.shouldHandle(request): a path other than `path` is refused with 400; it can be overridden', async () => {
      const { url, wss } = await serverOf(impl, { path: '/only' });
      await realClient(`${url}/only?x=1`);
      expect((await refusal(`${url}/other`)).statusCode).toBe(400);
      wss.shouldHandle = (request: { url: string }) => request.url.startsWith('/other');
      await realClient(`${url}/other`);
    });
  });

  describe('Class: WebSocket', () => {
    it('Ready state constants, on the class and on instances', async () => {
      expect([impl.WebSocket.CONNECTING, impl.WebSocket.OPEN, impl.WebSocket.CLOSING, impl.WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
      const ws = clientOf(impl, await realServer());
      expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    });

    it('new WebSocket(address, protocols): CONNECTING, then open and OPEN; url, protocol', async () => {
      const url = await realServer();
      const ws = clientOf(impl, `${url}/path`, ['chat', 'other']);
      expect(ws.readyState).toBe(impl.WebSocket.CONNECTING);
      await once(ws, 'open');
      expect(ws.readyState).toBe(impl.WebSocket.OPEN);
      expect(ws.protocol).toBe('chat');
      expect(ws.url).toBe(`${url}/path`);
    });

    it('new WebSocket(address, options): headers and origin reach the server', async () => {
      const requests: any[] = [];
      const server = await serverOf(implementations[0]!);
      server.wss.on('connection', (_ws: unknown, request: unknown) => requests.push(request));
      const ws = clientOf(impl, server.url, { headers: { Authorization: 'Bearer x' }, origin: 'http://o.test' });
      await once(ws, 'open');
      await expect.poll(() => requests.length).toBe(1);
      expect(requests[0].headers).toMatchObject({ authorization: 'Bearer x', origin: 'http://o.test' });
    });

    it('new WebSocket(address): a bad URL or subprotocol throws at once (the error types differ)', () => {
      const badUrl = (): unknown => new impl.WebSocket('ftp://127.0.0.1/');
      const badProtocol = (): unknown => new impl.WebSocket('ws://127.0.0.1:1/', ['a b']);
      if (impl.name === 'ws') {
        expect(badUrl).toThrow(SyntaxError);
        expect(badProtocol).toThrow(SyntaxError);
      } else {
        expect(badUrl).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_URL' }));
        expect(badProtocol).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_SUBPROTOCOL' }));
      }
    });

    it("Event: 'close' (code, reason as a Buffer); readyState CLOSING after close(), CLOSED at 'close'", async () => {
      const url = await realServer((ws) => ws.on('message', () => ws.close(4000, 'bye')));
      const ws = clientOf(impl, url);
      await once(ws, 'open');
      ws.send('close me');
      const [code, reason] = await once(ws, 'close');
      expect(code).toBe(4000);
      expect(Buffer.isBuffer(reason) && reason.toString()).toBe('bye');
      expect(ws.readyState).toBe(impl.WebSocket.CLOSED);

      const second = clientOf(impl, url);
      await once(second, 'open');
      second.close(1000, 'done');
      expect(second.readyState).toBe(impl.WebSocket.CLOSING);
      expect((await once(second, 'close'))[0]).toBe(1000);
    });

    it("Event: 'error' with a .code: what a server must not send fails the connection (1002)", async () => {
      const frames: Record<string, Buffer> = {
        masked: clientFrame(TEXT, 'masked'), // RFC 6455 §5.1: a server never masks
        opcode: Buffer.from([0x83, 0x00]),
        rsv2: Buffer.from([0xa1, 0x00]),
        utf8: Buffer.from([0x81, 0x02, 0xc3, 0x28]),
      };
      const expectedCodes = {
        masked: ['WS_ERR_UNEXPECTED_MASK', 1002],
        opcode: ['WS_ERR_INVALID_OPCODE', 1002],
        rsv2: [differs(impl, { ws: 'WS_ERR_UNEXPECTED_RSV_2_3', wsframe: 'WS_ERR_UNEXPECTED_RSV_2' }), 1002],
        utf8: ['WS_ERR_INVALID_UTF8', 1007],
      };
      for (const [name, bytes] of Object.entries(frames)) {
        const peerCloses: number[] = [];
        const url = await realServer((peer) => {
          peer.on('close', (code) => peerCloses.push(code));
          rawSocketOf(peer).write(bytes);
        });
        const ws = clientOf(impl, url);
        const [error] = await once(ws, 'error');
        await once(ws, 'close');
        expect([error.code, name]).toEqual([expectedCodes[name as keyof typeof expectedCodes][0], name]);
        await expect.poll(() => peerCloses).toEqual([expectedCodes[name as keyof typeof expectedCodes][1]]);
      }
    });

    it("Event: 'message' (data, isBinary): a Buffer for text and binary", async () => {
      const url = await realServer((peer) => {
        peer.send('text');
        peer.send(Buffer.from([1, 2]));
      });
      const ws = clientOf(impl, url);
      const messages: unknown[] = [];
      ws.on('message', (data: Buffer, isBinary: boolean) => messages.push([Buffer.isBuffer(data), data.toString('hex'), isBinary]));
      await expect.poll(() => messages).toEqual([
        [true, Buffer.from('text').toString('hex'), false],
        [true, '0102', true],
      ]);
    });

    it('websocket.binaryType: nodebuffer (default), arraybuffer, fragments, blob; another value is ignored', async () => {
      const url = await realServer((peer) => {
        peer.on('message', (data: Buffer) => {
          // a binary message in two fragments
          peer.send(data.subarray(0, 2), { fin: false });
          peer.send(data.subarray(2), { fin: true });
        });
      });
      const ws = clientOf(impl, url);
      await once(ws, 'open');
      expect(ws.binaryType).toBe('nodebuffer');
      ws.binaryType = 'nonsense';
      expect(ws.binaryType).toBe('nodebuffer');
      const payload = Buffer.from([1, 2, 3, 4]);
      const receive = async (type: string): Promise<unknown> => {
        ws.binaryType = type;
        ws.send(payload);
        return (await once(ws, 'message'))[0];
      };
      expect(Buffer.isBuffer(await receive('nodebuffer'))).toBe(true);
      const arrayBuffer = await receive('arraybuffer');
      expect(arrayBuffer instanceof ArrayBuffer && [...new Uint8Array(arrayBuffer)]).toEqual([1, 2, 3, 4]);
      const fragments = (await receive('fragments')) as Buffer[];
      expect(Buffer.concat(fragments)).toEqual(payload);
      expect(fragments.length).toBe(differs(impl, { ws: 2, wsframe: 1 })); // wsframe assembles a message once
      const blob = await receive('blob');
      expect(blob instanceof Blob && [...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3, 4]);
    });

    it("Event: 'ping' and 'pong' (data); pings are answered by themselves; ping(data, mask, cb) and pong()", async () => {
      const serverSaw: string[] = [];
      const url = await realServer((peer) => {
        peer.on('pong', (data) => serverSaw.push(`pong ${data}`));
        peer.ping('from server');
      });
      const ws = clientOf(impl, url);
      const pings: unknown[] = [];
      ws.on('ping', (data: Buffer) => pings.push([Buffer.isBuffer(data), data.toString()]));
      await expect.poll(() => pings).toEqual([[true, 'from server']]);
      await expect.poll(() => serverSaw).toEqual(['pong from server']); // the automatic answer
      let written = false;
      ws.ping('hello', undefined, () => (written = true));
      const [pong] = await once(ws, 'pong');
      expect([Buffer.isBuffer(pong), pong.toString(), written]).toEqual([true, 'hello', true]);
      ws.pong('unsolicited');
      await expect.poll(() => serverSaw).toEqual(['pong from server', 'pong unsolicited']);
    });

    it('send(), ping() and pong() throw while CONNECTING', async () => {
      const ws = clientOf(impl, await realServer());
      expect(() => ws.send('x')).toThrow(/not open: readyState 0 \(CONNECTING\)/);
      expect(() => ws.ping()).toThrow(/CONNECTING/);
      expect(() => ws.pong()).toThrow(/CONNECTING/);
      await once(ws, 'open');
    });

    it("Event: 'unexpected-response' (request, response): with a listener, no 'error'; without one, an 'error'", async () => {
      const server = createServer((_request, response) => response.writeHead(401).end('go away'));
      server.listen(0, '127.0.0.1');
      cleanups.push(() => new Promise((resolve) => server.close(resolve)));
      await once(server, 'listening');
      const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;

      const handled = clientOf(impl, url);
      const errors: unknown[] = [];
      handled.on('error', (error: unknown) => errors.push(error));
      const [request, response] = await once(handled, 'unexpected-response');
      expect(typeof request.setHeader).toBe('function');
      expect(response.statusCode).toBe(401);
      let body = '';
      for await (const chunk of response) body += chunk; // the listener owns the response
      expect(body).toBe('go away');
      request.destroy();
      await tick(50);
      expect(errors).toEqual([]);

      const unhandled = clientOf(impl, url);
      const closed = new Promise((resolve) => unhandled.once('close', resolve)); // once() would reject at 'error'
      const [error] = await once(unhandled, 'error');
      expect(error.message).toMatch(differs(impl, { ws: /Unexpected server response: 401/, wsframe: /401/ }));
      await closed;
      expect(unhandled.readyState).toBe(impl.WebSocket.CLOSED);
    });

    it("Event: 'upgrade' (response): the 101's headers", async () => {
      const url = await realServer(undefined, {});
      const ws = clientOf(impl, url);
      const [response] = await once(ws, 'upgrade');
      expect(response.statusCode).toBe(101);
      expect(response.headers['sec-websocket-accept']).toMatch(/=$/);
    });

    it("followRedirects: a redirect is followed; only ws emits 'redirect'", async () => {
      const target = await realServer();
      const server = createServer();
      server.on('upgrade', (_request, socket) => socket.end(`HTTP/1.1 302 Found\r\nLocation: ${target}/there\r\n\r\n`));
      server.listen(0, '127.0.0.1');
      cleanups.push(() => new Promise((resolve) => server.close(resolve)));
      await once(server, 'listening');
      const ws = clientOf(impl, `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { followRedirects: true });
      const redirects: string[] = [];
      ws.on('redirect', (url: string) => redirects.push(url));
      await once(ws, 'open');
      expect(ws.url).toBe(`${target}/there`);
      expect(redirects).toEqual(differs(impl, { ws: [`${target}/there`], wsframe: [] }));
    });

    it('handshakeTimeout: a server that never answers fails the handshake (the errors differ)', async () => {
      const sockets: Socket[] = [];
      const server = createNetServer((socket) => sockets.push(socket)); // accepts, never answers
      server.listen(0, '127.0.0.1');
      cleanups.push(() => {
        for (const socket of sockets) socket.destroy();
        return new Promise((resolve) => server.close(resolve));
      });
      await once(server, 'listening');
      const ws = clientOf(impl, `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { handshakeTimeout: 100 });
      const closed = new Promise((resolve) => ws.once('close', resolve));
      const [error] = await once(ws, 'error');
      expect(impl.name === 'ws' ? error.message : error.code).toBe(differs(impl, { ws: 'Opening handshake has timed out', wsframe: 'WS_ERR_HANDSHAKE_TIMEOUT' }));
      expect(await closed).toBe(1006);
    });

    it('closeTimeout: a peer that never answers our close frame is dropped after it', async () => {
      const { wss, port } = await serverOf(impl, { closeTimeout: 150 });
      const connection = nextConnection(wss);
      const raw = await RawClient.upgraded(port); // reads our close frame, never answers it
      const [ws] = await connection;
      const started = Date.now();
      ws.close(1000);
      const [code] = await once(ws, 'close');
      expect(code).toBe(1006);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      raw.socket.destroy();
    });

    it('HTTP_PROXY in the environment: ws ignores it (it takes an `agent`), wsframe/ws tunnels through it as connect() does', async () => {
      const url = await realServer();
      const saved = process.env.HTTP_PROXY;
      process.env.HTTP_PROXY = 'http://127.0.0.1:9'; // nothing listens there: a client that used it fails
      try {
        const ws = clientOf(impl, url);
        const event = await new Promise((resolve) => {
          ws.on('open', () => resolve('open'));
          ws.on('error', (error: { code?: string }) => resolve(error.code ?? 'error'));
        });
        expect(event).toBe(differs(impl, { ws: 'open', wsframe: 'WS_ERR_PROXY_CONNECT_FAILED' }));
        ws.terminate();
      } finally {
        if (saved === undefined) delete process.env.HTTP_PROXY;
        else process.env.HTTP_PROXY = saved;
      }
    });

    it('close() while CONNECTING: an error, then close with 1006', async () => {
      const ws = clientOf(impl, await realServer());
      const events: unknown[] = [];
      ws.on('error', (error: Error) => events.push(error.message));
      ws.on('close', (code: number) => events.push(code));
      ws.close();
      await expect.poll(() => events).toEqual(['WebSocket was closed before the connection was established', 1006]);
      expect(ws.readyState).toBe(impl.WebSocket.CLOSED);
    });

    it('pause(), resume(), isPaused: no messages while paused', async () => {
      let peer: RealWs | undefined;
      const url = await realServer((ws) => (peer = ws));
      const ws = clientOf(impl, url);
      ws.pause(); // a no-op while CONNECTING
      expect(ws.isPaused).toBe(false);
      await once(ws, 'open');
      const received: string[] = [];
      ws.on('message', (data: Buffer) => received.push(data.toString()));
      ws.pause();
      expect(ws.isPaused).toBe(true);
      await expect.poll(() => peer).toBeDefined();
      peer!.send('one');
      peer!.send('two');
      await tick(100);
      expect(received).toEqual([]);
      ws.resume();
      expect(ws.isPaused).toBe(false);
      await expect.poll(() => received).toEqual(['one', 'two']);
    });

    it('send(data, options, callback): the types, binary and fin options; the callback when written', async () => {
      const received: Array<[string, boolean]> = [];
      const url = await realServer((peer) => peer.on('message', (data: Buffer, isBinary: boolean) => received.push([data.toString('hex'), isBinary])));
      const ws = clientOf(impl, url);
      await once(ws, 'open');
      const hex = (s: string): string => Buffer.from(s).toString('hex');
      let calledBack = 0;
      ws.send('text', () => calledBack++);
      ws.send(42); // a number goes as text
      ws.send(new Uint16Array([0x0201]));
      ws.send(new Uint8Array([7]).buffer);
      ws.send(Buffer.from('as text'), { binary: false });
      ws.send('as binary', { binary: true });
      ws.send('frag', { fin: false });
      ws.send('ment', { fin: true }, () => calledBack++);
      await expect.poll(() => received.length).toBe(7);
      expect(received).toEqual([
        [hex('text'), false],
        [hex('42'), false],
        ['0102', true],
        ['07', true],
        [hex('as text'), false],
        [hex('as binary'), true],
        [hex('fragment'), false],
      ]);
      expect(calledBack).toBe(2);
    });

    it('send() once closing: the callback gets an error (its kind differs)', async () => {
      const ws = clientOf(impl, await realServer());
      await once(ws, 'open');
      ws.close();
      const [error] = await new Promise<unknown[]>((resolve) => ws.send('late', (...args: unknown[]) => resolve(args)));
      expect(error).toBeInstanceOf(Error);
      expect((error as { code?: string }).code).toBe(differs(impl, { ws: undefined, wsframe: 'WS_ERR_NOT_OPEN' }));
    });

    it('terminate(): the peer sees the connection drop (1006)', async () => {
      const closes: number[] = [];
      const url = await realServer((peer) => peer.on('close', (code) => closes.push(code)));
      const ws = clientOf(impl, url);
      await once(ws, 'open');
      ws.terminate();
      await expect.poll(() => closes).toEqual([1006]);
    });

    it('bufferedAmount: 0 when everything was sent', async () => {
      const ws = clientOf(impl, await realServer());
      expect(ws.bufferedAmount).toBe(0);
      await once(ws, 'open');
      await new Promise((resolve) => ws.send('x', resolve));
      expect(ws.bufferedAmount).toBe(0);
    });

    it('websocket.extensions: the names of the negotiated extensions; a client offers permessage-deflate by default', async () => {
      const url = await realServer(undefined, { perMessageDeflate: true });
      const ws = clientOf(impl, url);
      await once(ws, 'open');
      expect(ws.extensions).toBe('permessage-deflate');
      const without = clientOf(impl, url, { perMessageDeflate: false });
      await once(without, 'open');
      expect(without.extensions).toBe('');
    });

    it('websocket.url: a server\'s sockets have none', async () => {
      const { wss, url } = await serverOf(impl);
      const connection = nextConnection(wss);
      await realClient(url);
      const [ws] = await connection;
      expect(ws.url).toBeUndefined();
    });

    it('addEventListener(type, listener, { once }), removeEventListener, onopen/onmessage/onclose/onerror: event objects', async () => {
      const url = await realServer((peer) => {
        peer.send('text');
        peer.send(Buffer.from([1]));
        peer.close(4001, 'done');
      });
      const ws = clientOf(impl, url);
      const seen: unknown[] = [];
      ws.onopen = (event: any) => seen.push(['open', event.type, event.target === ws]);
      expect(typeof ws.onopen).toBe('function');
      const onMessage = (event: any): number => seen.push(['message', Buffer.isBuffer(event.data) ? 'a Buffer' : event.data]);
      ws.addEventListener('message', onMessage);
      ws.addEventListener('message', onMessage); // the same listener is added once
      ws.addEventListener('message', { handleEvent: (event: any) => seen.push(['handleEvent', typeof event.data]) }, { once: true });
      ws.addEventListener('nonsense', () => seen.push('an unknown type is ignored'));
      ws.onclose = (event: any) => seen.push(['close', event.code, event.reason, event.wasClean]);
      const closed = new Promise((resolve) => ws.once('close', resolve));
      await closed;
      expect(seen).toEqual([
        ['open', 'open', true],
        ['message', 'text'],
        ['handleEvent', 'string'],
        ['message', 'a Buffer'],
        ['close', 4001, 'done', true],
      ]);
      ws.removeEventListener('message', onMessage);
      expect(ws.listenerCount('message')).toBe(0);
      ws.onclose = null;
      expect(ws.onclose).toBe(null);

      const failing = clientOf(impl, await realServer((peer) => rawSocketOf(peer).write(clientFrame(TEXT, 'masked'))));
      const errors: unknown[] = [];
      failing.onerror = (event: any) => errors.push([event.type, event.error.code, typeof event.message]);
      await new Promise((resolve) => failing.once('close', resolve));
      expect(errors).toEqual([['error', 'WS_ERR_UNEXPECTED_MASK', 'string']]);
    });
  });

  describe('Error codes (server side)', () => {
    const cases: Array<[string, Buffer, number, string | { ws: string; wsframe: string }]> = [
      ['an unmasked frame', clientFrame(TEXT, 'x', { mask: false }), 1002, 'WS_ERR_EXPECTED_MASK'],
      ['a fragmented control frame', clientFrame(PING, 'x', { fin: false }), 1002, 'WS_ERR_EXPECTED_FIN'],
      ['a control frame over 125 bytes', clientFrame(PING, Buffer.alloc(126)), 1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
      ['a close code not allowed on the wire', clientFrame(CLOSE, closePayload(1005)), 1002, 'WS_ERR_INVALID_CLOSE_CODE'],
      ['RSV1 without an extension', clientFrame(BINARY, 'x', { rsv: 4 }), 1002, 'WS_ERR_UNEXPECTED_RSV_1'],
      ['RSV3', clientFrame(BINARY, 'x', { rsv: 1 }), 1002, { ws: 'WS_ERR_UNEXPECTED_RSV_2_3', wsframe: 'WS_ERR_UNEXPECTED_RSV_3' }],
    ];
    for (const [name, bytes, closeCode, code] of cases) {
      it(`${name}: 'error' with ${typeof code === 'string' ? code : `${code.ws} / ${code.wsframe}`}, close ${closeCode}`, async () => {
        const { wss, port } = await serverOf(impl);
        const connection = nextConnection(wss);
        const raw = await RawClient.upgraded(port);
        const [ws] = await connection;
        const errors: any[] = [];
        ws.on('error', (error: unknown) => errors.push(error));
        raw.write(bytes);
        expect(await raw.closeCode()).toBe(closeCode);
        expect(errors[0]?.code).toBe(typeof code === 'string' ? code : differs(impl, code));
        raw.socket.destroy();
      });
    }
  });

  describe('createWebSocketStream(websocket, options)', () => {
    it('a Duplex over the socket: writes go out as messages, messages come out as bytes; ending it closes', async () => {
      const received: string[] = [];
      const closes: number[] = [];
      const url = await realServer((peer) => {
        peer.on('message', (data: Buffer) => {
          received.push(data.toString());
          peer.send(`echo ${data}`);
        });
        peer.on('close', (code) => closes.push(code));
      });
      const ws = clientOf(impl, url);
      const duplex = impl.createWebSocketStream(ws, { encoding: 'utf8' });
      duplex.write('before open');
      const [chunk] = await once(duplex, 'data');
      expect(chunk).toBe('echo before open');
      duplex.end();
      await expect.poll(() => closes).toEqual([1005]);
      expect(received).toEqual(['before open']);
    });
  });
});
