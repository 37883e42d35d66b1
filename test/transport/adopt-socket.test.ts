/**
 * Attached mode and handleUpgrade on the native transport (src/transport/adopt-socket.ts): after
 * the handshake a plain TCP socket's descriptor moves into the addon and the net.Socket is
 * destroyed. The rest of the suite runs attached mode this way in the `native` project and on
 * net.Socket in the `node` one (vitest.config.mts). The clients here keep their net.Socket
 * (`transport: 'node'`), so that what the addon holds and the Node sockets counted are the
 * server's doing; a client handed over the same way is tested too. Run under ASan/UBSan too (native-sanitizers.test.ts).
 */
import { once } from 'node:events';
import { closeSync, openSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocketServerOptions } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';
import { canAdoptSockets } from '../../src/transport/adopt-socket.js';
import { nativeTransport } from '../../src/transport/native-transport.js';
import { RawClient, clientFrame, upgradeRequest } from '../helpers/raw-client.js';
import { echo, nextData, startSecureEchoServer, startServer } from '../helpers/servers.js';
import { selfSignedCertificate } from '../helpers/tls-certificate.js';

const EINVAL = -22;
const running: { wss: WebSocketServer; server: http.Server }[] = [];
afterEach(async () => {
  for (const { wss, server } of running.splice(0)) {
    await wss.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A wsframe server attached to a node:http (or node:https) server on 127.0.0.1. */
async function attached(
  options: WebSocketServerOptions,
  onConnection: (ws: WebSocket, request: http.IncomingMessage) => void,
  server: http.Server = http.createServer(),
): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = new WebSocketServer({ server, ...options }, onConnection as never);
  running.push({ wss, server });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { wss, port: (server.address() as AddressInfo).port };
}

const inAddon = (): number => nativeTransport!.stats().connections;
const nodeSockets = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

describe.skipIf(!canAdoptSockets)('attached mode: the upgraded socket moves into the addon', () => {
  it("after the 101 the connection is the addon's; request.socket is closed and still tells the peer's address; nothing is left after the close", async () => {
    const descriptors = openDescriptors();
    const addonBefore = inAddon();
    const seen: { destroyed: boolean; remoteAddress?: string; remotePort?: number }[] = [];
    const { wss, port } = await attached({}, (ws, request) => {
      echo(ws);
      // Read once the 'connection' listeners are done, as application code may.
      setImmediate(() => seen.push({ destroyed: request.socket.destroyed, remoteAddress: request.socket.remoteAddress, remotePort: request.socket.remotePort }));
    });
    expect(wss.transport).toBe('native');
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(`ws://127.0.0.1:${port}/`, { transport: 'node' })));
    await expect.poll(() => seen.length).toBe(20);
    expect(inAddon()).toBe(addonBefore + 20);
    expect(nodeSockets()).toBe(20); // the clients' only: the server's side has no net.Socket left
    expect(seen.filter((s) => !(s.destroyed && s.remoteAddress === '127.0.0.1'))).toEqual([]);
    expect(new Set(seen.map((s) => s.remotePort)).size).toBe(20);
    for (const [i, client] of clients.entries()) {
      const size = i % 2 === 0 ? 10 : 3 * 1024 * 1024 + i; // large ones arrive in many reads
      client.send(Buffer.alloc(size, i));
      const data = (await nextData(client)) as Buffer;
      expect(data.length).toBe(size);
      expect([data[0], data[size - 1]]).toEqual([i, i]);
    }
    await Promise.all(clients.map((client) => (client.close(), once(client, 'close'))));
    await expect.poll(() => inAddon()).toBe(addonBefore);
    await expect.poll(() => wss.clients.size).toBe(0);
    await expect.poll(() => nodeSockets()).toBe(0);
    expect(openDescriptors()).toBe(descriptors + 1); // the http server's listening socket
  });

  it('bytes sent with the request head, and while verify ran, are read first and in order', async () => {
    let release: () => void = () => {};
    const verified = new Promise<void>((resolve) => (release = resolve));
    const { port } = await attached({ verify: () => verified.then(() => true) }, echo);
    const addonBefore = inAddon();
    const client = await RawClient.open(port);
    client.write(Buffer.concat([Buffer.from(upgradeRequest(port)), clientFrame(1, 'first')]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.write(clientFrame(1, 'second')); // arrives while verify has not answered
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect((await client.response()).status).toBe(101);
    expect(String((await client.frame()).payload)).toBe('first');
    expect(String((await client.frame()).payload)).toBe('second');
    client.send(1, 'third');
    expect(String((await client.frame()).payload)).toBe('third');
    expect(inAddon()).toBe(addonBefore + 1);
    client.destroy();
  });

  it('handleUpgrade from a framework\'s own upgrade listener moves the socket too', async () => {
    const wss = new WebSocketServer({}, echo);
    const server = http.createServer();
    server.on('upgrade', (request, socket, head) => wss.handleUpgrade(request, socket as never, head));
    running.push({ wss, server });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const addonBefore = inAddon();
    const client = await connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { transport: 'node' });
    client.send('over handleUpgrade');
    expect(String(await nextData(client))).toBe('over handleUpgrade');
    expect(inAddon()).toBe(addonBefore + 1);
    client.close();
    await once(client, 'close');
  });

  it("handleUpgrade called late (after the application's own async step): frames the client sent meanwhile are read first", async () => {
    const wss = new WebSocketServer({}, echo);
    const server = http.createServer();
    server.on('upgrade', (request, socket, head) => setTimeout(() => wss.handleUpgrade(request, socket as never, head), 100));
    running.push({ wss, server });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const addonBefore = inAddon();
    const client = await RawClient.open(port);
    client.write(upgradeRequest(port));
    await new Promise((resolve) => setTimeout(resolve, 30));
    client.write(Buffer.concat([clientFrame(1, 'sent'), clientFrame(1, 'early')])); // waits in node:http's socket
    expect((await client.response()).status).toBe(101);
    expect(String((await client.frame()).payload)).toBe('sent');
    expect(String((await client.frame()).payload)).toBe('early');
    expect(inAddon()).toBe(addonBefore + 1);
    client.destroy();
  });

  it('transport: \'node\' keeps the net.Socket; so does TLS', async () => {
    const addonBefore = inAddon();
    const sockets: boolean[] = [];
    const plain = await attached({ transport: 'node' }, (ws, request) => (echo(ws), sockets.push(request.socket.destroyed)));
    expect(plain.wss.transport).toBe('node');
    const certificate = selfSignedCertificate();
    const secure = await attached({}, (ws, request) => (echo(ws), sockets.push(request.socket.destroyed)), https.createServer(certificate));
    expect(secure.wss.transport).toBe('node');
    for (const url of [`ws://127.0.0.1:${plain.port}/`, `wss://127.0.0.1:${secure.port}/`]) {
      const client = await connect(url, { rejectUnauthorized: false, transport: 'node' });
      client.send('kept');
      expect(String(await nextData(client))).toBe('kept');
      expect(inAddon()).toBe(addonBefore);
      client.close();
      await once(client, 'close');
    }
    expect(sockets).toEqual([false, false]);
  });
});

describe.skipIf(!canAdoptSockets)('attached mode: connections handed over and closed in every way leave nothing behind', () => {
  it('1,500 connections, a third dropped by the peer, a third terminated and a third closed by the server: no descriptor, handle or slot left', async () => {
    const descriptors = openDescriptors();
    const addonBefore = inAddon();
    const opened: WebSocket[] = [];
    const closes = new Map<WebSocket, number>();
    const { wss, port } = await attached({ closeTimeout: 2000 }, (ws) => {
      opened.push(ws);
      ws.on('close', () => closes.set(ws, (closes.get(ws) ?? 0) + 1));
    });
    const count = 1500;
    const clients: RawClient[] = [];
    // In batches the backlog holds.
    for (let batch = 0; batch < count; batch += 250) {
      clients.push(...(await Promise.all(Array.from({ length: 250 }, () => RawClient.upgraded(port)))));
    }
    await expect.poll(() => opened.length).toBe(count);
    expect(inAddon()).toBe(addonBefore + count);
    expect(nodeSockets()).toBe(count); // the clients' only
    for (const [i, client] of clients.entries()) {
      if (i % 3 === 0) client.destroy();
      else if (i % 3 === 1) opened[i]!.terminate();
      else opened[i]!.close(1000, 'done'); // the raw client never answers: closeTimeout ends it
    }
    await Promise.all(clients.map((client) => client.waitClosed(10_000)));
    await expect.poll(() => inAddon(), { timeout: 20_000 }).toBe(addonBefore);
    await expect.poll(() => wss.clients.size).toBe(0);
    expect([...closes.values()].filter((n) => n !== 1)).toEqual([]);
    expect(closes.size).toBe(count);
    await expect.poll(() => nodeSockets()).toBe(0);
    await expect.poll(() => openDescriptors()).toBe(descriptors + 1); // the http server's listening socket
  }, 60_000);
});

describe.skipIf(!canAdoptSockets)('the client: its connection moves into the addon after the 101', () => {
  it('over ws:// (by default); not with transport: \'node\', not over wss://; nothing is left after the close', async () => {
    const descriptors = openDescriptors();
    const addonBefore = inAddon();
    const plain = await startServer({ transport: 'node' }, echo); // the server keeps its net.Socket: the addon holds the client's alone
    const secure = await startSecureEchoServer(selfSignedCertificate());
    const handed = await connect(`ws://127.0.0.1:${plain.port}/`);
    expect(inAddon()).toBe(addonBefore + 1);
    for (const size of [5, 3 * 1024 * 1024]) {
      handed.send(Buffer.alloc(size, size % 251));
      const data = (await nextData(handed)) as Buffer;
      expect([data.length, data[0], data[size - 1]]).toEqual([size, size % 251, size % 251]);
    }
    expect(handed.remoteAddress).toBe('127.0.0.1');
    const kept = [await connect(`ws://127.0.0.1:${plain.port}/`, { transport: 'node' }), await connect(secure.url, { rejectUnauthorized: false })];
    expect(inAddon()).toBe(addonBefore + 1);
    for (const client of [handed, ...kept]) {
      client.send('both ways');
      expect(String(await nextData(client))).toBe('both ways');
      await client.close(1000);
    }
    await expect.poll(() => inAddon()).toBe(addonBefore);
    await plain.server.close();
    await expect.poll(() => openDescriptors()).toBeLessThanOrEqual(descriptors + 1); // the https server's listening socket until afterEach
  });
});

describe.skipIf(!canAdoptSockets)('the addon\'s adopt(fd)', () => {
  it('takes only a connected TCP socket: a file, a listening socket or no descriptor is EINVAL, and nothing is kept', async () => {
    const before = inAddon();
    const descriptors = openDescriptors();
    const file = openSync('/dev/null', 'r');
    const listening = createServer().listen(0, '127.0.0.1');
    await once(listening, 'listening');
    const listeningFd = (listening as unknown as { _handle: { fd: number } })._handle.fd;
    expect([nativeTransport!.adopt(file), nativeTransport!.adopt(listeningFd), nativeTransport!.adopt(-1), nativeTransport!.adopt(1 << 20)]).toEqual([
      EINVAL,
      EINVAL,
      EINVAL,
      EINVAL,
    ]);
    expect(inAddon()).toBe(before);
    closeSync(file);
    listening.close();
    await once(listening, 'close');
    expect(openDescriptors()).toBe(descriptors);
  });
});
