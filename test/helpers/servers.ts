/** Start and stop wsframe servers on 127.0.0.1 with a free port, for socket tests. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocketServerOptions } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';

const running = new Set<WebSocketServer>();

afterEach(async () => {
  await Promise.all([...running].map((server) => server.close()));
  running.clear();
});

/** A standalone server; with `echo`, it echoes text as text and binary as binary. */
export async function startServer(
  options: WebSocketServerOptions = {},
  onConnection?: (ws: WebSocket) => void,
): Promise<{ server: WebSocketServer; port: number }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options }, onConnection);
  running.add(server);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

export function echo(ws: WebSocket): void {
  ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
}

/** A standalone server (permessage-deflate off unless asked), its ws:// URL and its first connection. */
export async function startServerWithConnection(options: WebSocketServerOptions = {}): Promise<{ url: string; connection: Promise<WebSocket> }> {
  let accept!: (ws: WebSocket) => void;
  const connection = new Promise<WebSocket>((resolve) => (accept = resolve));
  const { port } = await startServer({ perMessageDeflate: false, ...options }, (ws) => accept(ws));
  return { url: `ws://127.0.0.1:${port}/`, connection };
}
