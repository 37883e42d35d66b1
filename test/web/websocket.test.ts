/**
 * wsframe/web's WebSocket on what the browser differential (browser-differential.test.ts) cannot
 * script in a page: event handler attributes, bufferedAmount against a server that stops
 * reading, the CLOSING state while a server holds TCP after its close frame, and the options
 * object wsframe/web takes besides the standard's protocols.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseEvent, MessageEvent, WebSocket } from '../../src/web/index.js';
import { startServer, startServerWithConnection } from '../helpers/servers.js';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';

const MiB = 1024 * 1024;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) {
    if (ws.readyState === WebSocket.CLOSED) continue;
    const closed = once(ws, 'close');
    ws.close();
    await closed;
  }
});

function open(url: string, init?: ConstructorParameters<typeof WebSocket>[1]): WebSocket {
  const ws = new WebSocket(url, init);
  sockets.push(ws);
  return ws;
}

describe('WebSocket (wsframe/web)', () => {
  it('has the constants on the class and on every instance, and a URL origin on its message events', async () => {
    const { url, connection } = await startServerWithConnection();
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    const ws = open(url);
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(Object.keys(ws)).toEqual([]); // the constants live on the prototype
    await once(ws, 'open');
    (await connection).send('x');
    const [event] = (await once(ws, 'message')) as [MessageEvent<string>];
    expect(event).toBeInstanceOf(MessageEvent);
    expect(event.origin).toBe(new URL(url).origin);
    expect(event.data).toBe('x');
  });

  it('event handler attributes: one listener each, kept in place while replaced, removed by null; a non-object is null', async () => {
    const { url, connection } = await startServerWithConnection();
    const ws = open(url);
    const calls: string[] = [];
    ws.onmessage = () => calls.push('first handler');
    ws.addEventListener('message', () => calls.push('listener'));
    ws.onmessage = function (this: WebSocket, event) {
      calls.push(`second handler, this is the socket: ${this === ws}, ${(event as MessageEvent).data}`);
    };
    expect(typeof ws.onmessage).toBe('function');
    ws.onerror = 'not a function' as unknown as null;
    expect(ws.onerror).toBe(null);
    await once(ws, 'open');
    const server = await connection;
    server.send('one');
    await once(ws, 'message');
    expect(calls).toEqual(['second handler, this is the socket: true, one', 'listener']);
    ws.onmessage = null;
    expect(ws.onmessage).toBe(null);
    server.send('two');
    await once(ws, 'message');
    expect(calls.slice(2)).toEqual(['listener']);
  });

  it('bufferedAmount counts what send() took and the kernel did not, falling as writes complete', async () => {
    // The server never reads: past 1 MiB its socket is paused and TCP stalls the client.
    const { url, connection } = await startServerWithConnection({ receiveBufferLimit: MiB });
    const ws = open(url);
    await once(ws, 'open');
    const server = await connection;
    const size = 256 * 1024;
    const count = 64; // 16 MiB
    // One send per turn of the event loop, so each is a write of its own.
    for (let i = 0; i < count; i++) {
      ws.send(new Uint8Array(size));
      expect(ws.bufferedAmount).toBeGreaterThan(0);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stalled = ws.bufferedAmount;
    expect(stalled).toBeGreaterThan(0);
    expect(stalled).toBeLessThan(count * size); // some writes completed: the kernel took them
    let received = 0;
    for await (const message of server) {
      received += message.data.length;
      if (received === count * size) break;
    }
    await expect.poll(() => ws.bufferedAmount).toBe(0);
  });

  it('readyState is CLOSING from the server’s close frame until TCP closes', async () => {
    const scripted: ScriptedServer = await startScriptedServer('');
    try {
      const ws = open(`ws://127.0.0.1:${scripted.port}/raw?s=close-and-hold`, { closeTimeout: 500 });
      await once(ws, 'open');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ws.readyState).toBe(WebSocket.CLOSING);
      const [event] = (await once(ws, 'close')) as [CloseEvent];
      expect(event).toBeInstanceOf(CloseEvent);
      expect([event.code, event.reason, ws.readyState]).toEqual([4004, 'holding TCP', WebSocket.CLOSED]);
    } finally {
      await scripted.close();
    }
  });

  it('takes connect() options in an object with protocols (as undici does): headers reach the server', async () => {
    let headers: Record<string, unknown> = {};
    const { port } = await startServer({
      perMessageDeflate: false,
      protocols: ['v2'],
      verify: (request) => {
        headers = request.headers;
        return true;
      },
    });
    const ws = open(`ws://127.0.0.1:${port}/`, { protocols: ['v1', 'v2'], headers: { Authorization: 'Bearer token' }, perMessageDeflate: false });
    await once(ws, 'open');
    expect(headers['authorization']).toBe('Bearer token');
    expect(headers['sec-websocket-extensions']).toBeUndefined();
    expect(ws.protocol).toBe('v2');
  });
});
