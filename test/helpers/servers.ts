/** Start and stop wsframe servers on 127.0.0.1 with a free port, for socket tests. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, expect } from 'vitest';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocketServerOptions } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';
import { binaryPayload, textPayload } from './payloads.js';

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

/** Sends the text and the binary test payload of each size through an echo peer and checks what comes back. */
export async function expectEchoes(ws: WebSocket, sizes: readonly number[]): Promise<void> {
  for (const size of sizes) {
    ws.send(textPayload(size));
    const text = await ws.receive();
    expect(text.type === 'text' && text.data === textPayload(size)).toBe(true);
    ws.send(binaryPayload(size));
    const binary = await ws.receive();
    expect(binary.type === 'binary' && Buffer.compare(binary.data, binaryPayload(size))).toBe(0);
  }
}
