/**
 * node:http2 servers with a wsframe WebSocketServer attached, on 127.0.0.1 with a free port, for
 * the RFC 8441 tests. Each counts what proves HTTP/2 was used: sessions, and extended CONNECT
 * streams (`:protocol websocket`). Closed after each test.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocketServerOptions } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';
import type { CertificateFiles } from './tls-certificate.js';

const running = new Set<() => Promise<void>>();

afterEach(async () => {
  await Promise.all([...running].map((stop) => stop()));
  running.clear();
});

export interface Http2Host {
  readonly server: http2.Http2Server | http2.Http2SecureServer;
  readonly wss: WebSocketServer;
  readonly port: number;
  /** `wss://127.0.0.1:PORT` or `ws://…`, no trailing slash. */
  readonly origin: string;
  /** HTTP/2 sessions the server accepted (and still open), extended CONNECT streams it saw, streams still open. */
  readonly counts: { sessions: number; websocketStreams: number; openSessions: number; openStreams: number };
}

export interface Http2HostOptions {
  /** TLS (h2 and, with allowHTTP1, http/1.1 by ALPN); without it, cleartext HTTP/2. */
  certificate?: CertificateFiles;
  /** SETTINGS_ENABLE_CONNECT_PROTOCOL. Default true. */
  enableConnectProtocol?: boolean;
  allowHTTP1?: boolean;
  wss?: WebSocketServerOptions;
}

export async function startHttp2Host(options: Http2HostOptions = {}, onConnection?: (ws: WebSocket) => void): Promise<Http2Host> {
  const settings = { enableConnectProtocol: options.enableConnectProtocol ?? true };
  const server =
    options.certificate !== undefined
      ? http2.createSecureServer({ key: options.certificate.key, cert: options.certificate.cert, allowHTTP1: options.allowHTTP1 ?? true, settings })
      : http2.createServer({ settings });
  const counts = { sessions: 0, websocketStreams: 0, openSessions: 0, openStreams: 0 };
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    counts.sessions++;
    counts.openSessions++;
    sessions.add(session);
    session.once('close', () => {
      counts.openSessions--;
      sessions.delete(session);
    });
  });
  server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    if (headers[':protocol'] === 'websocket') counts.websocketStreams++;
    counts.openStreams++;
    stream.once('close', () => counts.openStreams--);
  });
  const wss = new WebSocketServer({ server, ...options.wss }, onConnection);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  running.add(async () => {
    await wss.close();
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, wss, port, origin: `${options.certificate !== undefined ? 'wss' : 'ws'}://127.0.0.1:${port}`, counts };
}
