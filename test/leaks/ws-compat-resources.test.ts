/**
 * wsframe/ws leaves nothing behind either: after clean closes, a terminate, an abandoned
 * handshake, a refusal taken by an 'unexpected-response' listener, refused upgrades, streams
 * ended and destroyed, and the servers' close, no socket, server or timer remains.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import WebSocket, { WebSocketServer, createWebSocketStream } from '../../src/ws/index.js';
import { activeResources } from '../helpers/active-resources.js';

const closed = (ws: WebSocket): Promise<unknown> => new Promise((resolve) => ws.once('close', resolve));

it('a wsframe/ws session of every kind leaves no socket, server or timer behind', async () => {
  const before = activeResources();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/echo', verifyClient: (info) => !info.req.url?.includes('deny') });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await once(wss, 'listening');
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

  for (const end of ['close', 'terminate'] as const) {
    const ws = new WebSocket(`${url}/echo`);
    await once(ws, 'open');
    ws.send('x');
    await once(ws, 'message');
    const done = closed(ws);
    ws[end]();
    await done;
  }
  const abandoned = new WebSocket(`${url}/echo`);
  abandoned.on('error', () => {});
  abandoned.close();
  for (const refused of [`${url}/elsewhere`, `${url}/echo?deny`]) {
    const ws = new WebSocket(refused);
    ws.on('error', () => {});
    await closed(ws);
  }
  const taken = new WebSocket(`${url}/echo?deny`);
  const [request, response] = await once(taken, 'unexpected-response');
  response.resume();
  request.destroy();
  await closed(taken);

  const streamed = new WebSocket(`${url}/echo`);
  const duplex = createWebSocketStream(streamed, { encoding: 'utf8' });
  duplex.write('through a stream');
  await once(duplex, 'data');
  duplex.end();
  await once(duplex, 'close');
  const destroyed = createWebSocketStream(new WebSocket(`${url}/echo`));
  destroyed.destroy();
  await once(destroyed, 'close');

  // An external server with noServer, closed by its owner.
  const http = createServer();
  const attached = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => attached.handleUpgrade(req, socket, head, (ws) => ws.close()));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
  await closed(client);

  await new Promise((resolve) => attached.close(resolve));
  await new Promise((resolve) => http.close(resolve));
  await new Promise((resolve) => wss.close(resolve));
  await expect.poll(() => activeResources(), { timeout: 5000 }).toEqual(before);
});
