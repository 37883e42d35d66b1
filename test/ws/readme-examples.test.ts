/**
 * The usage examples of ws's README (node_modules/ws/README.md, "Usage examples" and "FAQ"),
 * run against `wsframe/ws` with their code as ws's README has it. What had to change, and only
 * that: the import; fixed ports (8080) and remote URLs become a free local port; `console` is
 * one that records (each example is a function that gets it); `process.stdin`/`stdout` are
 * PassThrough streams; `authenticate`, which the README leaves undefined on purpose, is defined.
 * The other side of each conversation is the real `ws` (its client for server examples, its
 * server for client examples).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { format } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import RealWs, { WebSocketServer as RealWsServer } from 'ws';
import WebSocket, { WebSocketServer, createWebSocketStream } from '../../src/ws/index.js';

/** The `console` the examples log to. */
class Log {
  readonly lines: string[] = [];
  readonly errors: unknown[] = [];
  log = (...args: unknown[]): void => void this.lines.push(format(...args));
  error = (...args: unknown[]): void => void this.errors.push(args[0]);
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function portOf(server: { address(): AddressInfo | string | null }): number {
  return (server.address() as AddressInfo).port;
}

/** A real ws client, closed after the test, and what it receives (from the start: a first message may come with the 101). */
async function wsClient(url: string): Promise<{ client: RealWs; inbox: string[] }> {
  const client = new RealWs(url);
  const inbox: string[] = [];
  client.on('message', (data: Buffer, isBinary: boolean) => inbox.push(`${data}${isBinary ? ' (binary)' : ''}`));
  cleanups.push(() => client.terminate());
  await once(client, 'open');
  return { client, inbox };
}

/** A real ws server that records what it receives and echoes it; closed after the test. */
async function wsEchoServer(): Promise<{ url: string; received: Array<{ data: Buffer; isBinary: boolean }> }> {
  const server = new RealWsServer({ host: '127.0.0.1', port: 0 });
  const received: Array<{ data: Buffer; isBinary: boolean }> = [];
  server.on('connection', (ws) => ws.on('message', (data: Buffer, isBinary) => {
    received.push({ data, isBinary });
    ws.send(data, { binary: isBinary });
  }));
  cleanups.push(() => {
    for (const client of server.clients) client.terminate();
    return new Promise((resolve) => server.close(resolve));
  });
  await once(server, 'listening');
  return { url: `ws://127.0.0.1:${portOf(server)}/path`, received };
}

function track<T extends WebSocket | WebSocketServer>(x: T): T {
  cleanups.push(() => (x instanceof WebSocketServer ? new Promise((resolve) => x.close(resolve)) : x.terminate()));
  return x;
}

describe("ws's README examples against wsframe/ws", () => {
  it('Sending and receiving text data', async () => {
    const peer = await wsEchoServer();
    const console = new Log();
    function example(): WebSocket {
      const ws = new WebSocket(peer.url);

      ws.on('error', console.error);

      ws.on('open', function open() {
        ws.send('something');
      });

      ws.on('message', function message(data) {
        console.log('received: %s', data);
      });
      return ws;
    }
    track(example());
    await expect.poll(() => console.lines).toEqual(['received: something']);
    expect(peer.received.map(({ data, isBinary }) => [data.toString(), isBinary])).toEqual([['something', false]]);
    expect(console.errors).toEqual([]);
  });

  it('Sending binary data', async () => {
    const peer = await wsEchoServer();
    const console = new Log();
    function example(): WebSocket {
      const ws = new WebSocket(peer.url);

      ws.on('error', console.error);

      ws.on('open', function open() {
        const array = new Float32Array(5);

        for (var i = 0; i < array.length; ++i) {
          array[i] = i / 2;
        }

        ws.send(array);
      });
      return ws;
    }
    track(example());
    await expect.poll(() => peer.received.length).toBe(1);
    const { data, isBinary } = peer.received[0]!;
    expect(isBinary).toBe(true);
    expect([...new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length))]).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('Simple server', async () => {
    const console = new Log();
    function example(): WebSocketServer {
      const wss = new WebSocketServer({ port: 0 });

      wss.on('connection', function connection(ws) {
        ws.on('error', console.error);

        ws.on('message', function message(data) {
          console.log('received: %s', data);
        });

        ws.send('something');
      });
      return wss;
    }
    const wss = track(example());
    await once(wss, 'listening');
    const { client, inbox } = await wsClient(`ws://127.0.0.1:${portOf(wss)}`);
    await expect.poll(() => inbox).toEqual(['something']);
    client.send('hello');
    await expect.poll(() => console.lines).toEqual(['received: hello']);
  });

  it('Multiple servers sharing a single HTTP/S server (noServer)', async () => {
    const console = new Log();
    const seen: string[] = [];
    function example(): ReturnType<typeof createServer> {
      const server = createServer();
      const wss1 = new WebSocketServer({ noServer: true });
      const wss2 = new WebSocketServer({ noServer: true });

      wss1.on('connection', function connection(ws) {
        ws.on('error', console.error);

        seen.push('wss1'); // was: // ...
      });

      wss2.on('connection', function connection(ws) {
        ws.on('error', console.error);

        seen.push('wss2'); // was: // ...
      });

      server.on('upgrade', function upgrade(request, socket, head) {
        const { pathname } = new URL(request.url!, 'wss://base.url');

        if (pathname === '/foo') {
          wss1.handleUpgrade(request, socket, head, function done(ws) {
            wss1.emit('connection', ws, request);
          });
        } else if (pathname === '/bar') {
          wss2.handleUpgrade(request, socket, head, function done(ws) {
            wss2.emit('connection', ws, request);
          });
        } else {
          socket.destroy();
        }
      });

      server.listen(0); // was: 8080
      cleanups.push(() => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      });
      return server;
    }
    const server = example();
    await once(server, 'listening');
    const port = portOf(server);
    await wsClient(`ws://127.0.0.1:${port}/bar`);
    await wsClient(`ws://127.0.0.1:${port}/foo`);
    await expect.poll(() => seen).toEqual(['wss2', 'wss1']);
    const other = new RealWs(`ws://127.0.0.1:${port}/other`);
    const [error] = await once(other, 'error'); // the socket was destroyed without an answer
    expect(error.message).toMatch(/socket hang up/);
  });

  it('Client authentication', async () => {
    const console = new Log();
    // The README leaves authenticate() undefined "on purpose": here a token in the query names the user.
    function authenticate(request: { url?: string }, next: (err: Error | null, client?: string) => void): void {
      const token = new URL(request.url!, 'http://x').searchParams.get('token');
      setImmediate(() => (token === 'secret' ? next(null, 'alice') : next(new Error('bad token'))));
    }
    function example(): ReturnType<typeof createServer> {
      function onSocketError(err: Error) {
        console.error(err);
      }

      const server = createServer();
      const wss = new WebSocketServer({ noServer: true });

      // @ts-expect-error -- the README's listener leaves `request` unused (this project compiles tests with noUnusedParameters)
      wss.on('connection', function connection(ws, request, client) {
        ws.on('error', console.error);

        ws.on('message', function message(data) {
          console.log(`Received message ${data} from user ${client}`);
        });
      });

      server.on('upgrade', function upgrade(request, socket, head) {
        socket.on('error', onSocketError);

        // This function is not defined on purpose. Implement it with your own logic.
        authenticate(request, function next(err, client) {
          if (err || !client) {
            socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
            socket.destroy();
            return;
          }

          socket.removeListener('error', onSocketError);

          wss.handleUpgrade(request, socket, head, function done(ws) {
            wss.emit('connection', ws, request, client);
          });
        });
      });

      server.listen(0); // was: 8080
      cleanups.push(() => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      });
      return server;
    }
    const server = example();
    await once(server, 'listening');
    const port = portOf(server);
    const { client } = await wsClient(`ws://127.0.0.1:${port}/?token=secret`);
    client.send('hi');
    await expect.poll(() => console.lines).toEqual(['Received message hi from user alice']);

    const refused = new RealWs(`ws://127.0.0.1:${port}/?token=wrong`);
    refused.on('error', () => {});
    const [, response] = await once(refused, 'unexpected-response');
    expect(response.statusCode).toBe(401);
    refused.terminate();
  });

  for (const variant of ['including', 'excluding'] as const) {
    it(`Server broadcast, ${variant} the sender (readyState checks)`, async () => {
      const console = new Log();
      function including(): WebSocketServer {
        const wss = new WebSocketServer({ port: 0 });

        wss.on('connection', function connection(ws) {
          ws.on('error', console.error);

          ws.on('message', function message(data, isBinary) {
            wss.clients!.forEach(function each(client) {
              if (client.readyState === WebSocket.OPEN) {
                client.send(data, { binary: isBinary });
              }
            });
          });
        });
        return wss;
      }
      function excluding(): WebSocketServer {
        const wss = new WebSocketServer({ port: 0 });

        wss.on('connection', function connection(ws) {
          ws.on('error', console.error);

          ws.on('message', function message(data, isBinary) {
            wss.clients!.forEach(function each(client) {
              if (client !== ws && client.readyState === WebSocket.OPEN) {
                client.send(data, { binary: isBinary });
              }
            });
          });
        });
        return wss;
      }
      const wss = track(variant === 'including' ? including() : excluding());
      await once(wss, 'listening');
      const url = `ws://127.0.0.1:${portOf(wss)}`;
      const peers = await Promise.all([wsClient(url), wsClient(url), wsClient(url)]);
      const clients = peers.map((peer) => peer.client);
      const inboxes = peers.map((peer) => peer.inbox);
      // A member that is closing must be skipped by the readyState check, not sent to.
      const { client: closing } = await wsClient(url);
      const closed = once(closing, 'close');
      await expect.poll(() => wss.clients!.size).toBe(4);
      const closingMember = [...wss.clients!].at(-1)!;
      closingMember.close();
      expect(closingMember.readyState).toBe(WebSocket.CLOSING);
      clients[0]!.send('text');
      clients[0]!.send(Buffer.from('bytes'));
      const expected = ['text', 'bytes (binary)'];
      await expect.poll(() => inboxes[1]).toEqual(expected);
      await expect.poll(() => inboxes[2]).toEqual(expected);
      expect(inboxes[0]).toEqual(variant === 'including' ? expected : []);
      await closed;
      expect(console.errors).toEqual([]);
    });
  }

  it('Round-trip time', async () => {
    const peer = await wsEchoServer();
    const console = new Log();
    function example(): WebSocket {
      const ws = new WebSocket(peer.url);

      ws.on('error', console.error);

      ws.on('open', function open() {
        console.log('connected');
        ws.send(Date.now());
      });

      ws.on('close', function close() {
        console.log('disconnected');
      });

      ws.on('message', function message(data) {
        console.log(`Round-trip time: ${Date.now() - (data as unknown as number)} ms`);

        setTimeout(function timeout() {
          ws.send(Date.now());
        }, 500);
      });
      return ws;
    }
    const ws = track(example());
    await expect.poll(() => console.lines.length, { timeout: 3000 }).toBeGreaterThanOrEqual(3);
    ws.terminate();
    await expect.poll(() => console.lines.at(-1)).toBe('disconnected');
    expect(console.lines[0]).toBe('connected');
    expect(console.lines[1]).toMatch(/^Round-trip time: \d+ ms$/);
    expect(console.lines[2]).toMatch(/^Round-trip time: \d+ ms$/);
  });

  it('Use the Node.js streams API (createWebSocketStream)', async () => {
    const peer = await wsEchoServer();
    const console = new Log();
    const process = { stdin: new PassThrough(), stdout: new PassThrough() };
    function example(): WebSocket {
      const ws = new WebSocket(peer.url);

      const duplex = createWebSocketStream(ws, { encoding: 'utf8' });

      duplex.on('error', console.error);

      duplex.pipe(process.stdout);
      process.stdin.pipe(duplex);
      return ws;
    }
    const ws = track(example());
    process.stdin.write('written before the socket opened\n'); // the stream holds it until 'open'
    let out = '';
    process.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await expect.poll(() => out).toBe('written before the socket opened\n');
    process.stdin.write('and after\n');
    await expect.poll(() => out).toBe('written before the socket opened\nand after\n');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    process.stdin.end(); // ends the duplex's writable side: a close handshake
    await once(ws, 'close');
    expect(console.errors).toEqual([]);
  });

  it('FAQ: How to get the IP address of the client?', async () => {
    const console = new Log();
    const ips: string[] = [];
    function example(): WebSocketServer {
      const wss = new WebSocketServer({ port: 0 });

      wss.on('connection', function connection(ws, req) {
        const ip = req.socket.remoteAddress;

        ws.on('error', console.error);
        ips.push(ip!); // added: the README leaves the address unused
      });
      return wss;
    }
    const wss = track(example());
    await once(wss, 'listening');
    await wsClient(`ws://127.0.0.1:${portOf(wss)}`);
    await expect.poll(() => ips.length).toBe(1);
    expect(ips[0]).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });
});
