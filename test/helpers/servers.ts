/** Start and stop wsframe servers on 127.0.0.1 with a free port, for socket tests. */
import { once } from 'node:events';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, expect } from 'vitest';
import { WebSocketServer } from '../../src/server.js';
import { nativeTransport } from '../../src/transport/native-transport.js';
import type { WebSocketServerOptions } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';
import { carrier, carrierCertificate } from './carrier.js';
import { binaryPayload, textPayload } from './payloads.js';

/**
 * The transport a standalone server gets by default in this run: native where the addon loaded,
 * unless the vitest project `node` set WSFRAME_TRANSPORT=node (vitest.config.mts).
 */
export const defaultTransport: 'native' | 'node' = process.env.WSFRAME_TRANSPORT === 'node' || nativeTransport === undefined ? 'node' : 'native';

const running = new Set<WebSocketServer>();
const runningHttps = new Set<https.Server>();

afterEach(async () => {
  await Promise.all([...running].map((server) => server.close()));
  running.clear();
  await Promise.all(
    [...runningHttps].map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
  runningHttps.clear();
});

/**
 * The options of a standalone test server on this run's carrier (carrier.ts): in the `tls`
 * project it serves wss://, in `http2` it also takes HTTP/2 by prior knowledge, unless the test
 * chose TLS or HTTP/2 itself.
 */
export function standaloneOptions(options: WebSocketServerOptions): WebSocketServerOptions {
  const chosen = options.tls !== undefined || options.http2 !== undefined;
  const onCarrier = chosen ? {} : carrier === 'http2' ? { http2: true } : carrierCertificate !== undefined ? { tls: { key: carrierCertificate.key, cert: carrierCertificate.cert } } : {};
  return { host: '127.0.0.1', port: 0, ...onCarrier, ...options };
}

/** Options for a plain ws:// test server in every project (no TLS, no HTTP/2), where the carrier is not the subject. */
export const plainTcp: WebSocketServerOptions = { http2: false };

/** A standalone server; with `echo`, it echoes text as text and binary as binary. */
export async function startServer(
  options: WebSocketServerOptions = {},
  onConnection?: (ws: WebSocket) => void,
): Promise<{ server: WebSocketServer; port: number }> {
  const server = new WebSocketServer(standaloneOptions(options), onConnection);
  running.add(server);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

export function echo(ws: WebSocket): void {
  ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
}

/** The next message's data (a close instead fails the test). */
export async function nextData(ws: WebSocket): Promise<string | Buffer> {
  const message = await ws.receive();
  if (message.type === 'close') throw new Error(`closed with ${message.code} instead of a message`);
  return message.data;
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

/**
 * A wsframe echo server attached to a node:https server with `certificate` (wss://);
 * `servernames` collects each TLS client's SNI.
 */
export async function startSecureEchoServer(
  certificate: { key: Buffer; cert: Buffer },
  options: WebSocketServerOptions = {},
): Promise<{ url: string; port: number; servernames: Array<string | false | null> }> {
  const server = https.createServer(certificate);
  runningHttps.add(server);
  const wss = new WebSocketServer({ server, ...options }, echo);
  running.add(wss);
  const servernames: Array<string | false | null> = [];
  server.on('secureConnection', (socket: TLSSocket) => servernames.push(socket.servername));
  server.on('tlsClientError', () => {}); // clients that refuse the certificate hang up mid-handshake
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { url: `wss://127.0.0.1:${port}/`, port, servernames };
}

/** A standalone server (permessage-deflate off unless asked), its ws:// URL and its first connection. */
export async function startServerWithConnection(options: WebSocketServerOptions = {}): Promise<{ url: string; connection: Promise<WebSocket> }> {
  let accept!: (ws: WebSocket) => void;
  const connection = new Promise<WebSocket>((resolve) => (accept = resolve));
  const { port } = await startServer({ perMessageDeflate: false, ...options }, (ws) => accept(ws));
  return { url: `ws://127.0.0.1:${port}/`, connection };
}
