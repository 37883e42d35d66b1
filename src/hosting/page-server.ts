/**
 * A server for pages and their WebSocket endpoint (the chat) over TLS or HTTP/2: node:https, or
 * node:http2 — over TLS with ALPN h2 and http/1.1 (allowHTTP1), in cleartext with HTTP/2 by prior
 * knowledge beside HTTP/1.1 on one port (routeByPreface). Plain HTTP/1.1 needs none of this: the
 * standalone WebSocketServer serves pages itself (its `pages` option). Whatever the kind, `server`
 * emits 'request' for pages, 'upgrade' for HTTP/1.1 upgrades and 'stream' for HTTP/2 streams, so a
 * WebSocketServer attached to it takes WebSockets both ways. SETTINGS_ENABLE_CONNECT_PROTOCOL is on
 * whenever HTTP/2 is.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { routeByPreface } from './http2-server.js';

export type PageHandler = (request: http.IncomingMessage | http2.Http2ServerRequest, response: http.ServerResponse | http2.Http2ServerResponse) => void;

/** TLS, HTTP/2, or both. */
export type PageServerOptions =
  | {
      /** Serve https (and wss) with this certificate and key. */
      readonly tls: SecureContextOptions;
      /** Also serve HTTP/2, with WebSockets over it (RFC 8441). */
      readonly http2?: boolean | undefined;
    }
  | { readonly tls?: undefined; readonly http2: true };

export interface PageServer {
  /** What listens on the port. */
  readonly listener: net.Server;
  /** What a WebSocketServer attaches to. */
  readonly server: http.Server | https.Server | http2.Http2Server | http2.Http2SecureServer;
  /** Drop every connection (after the WebSockets were closed), so the listener can stop. */
  closeConnections(): void;
}

export function createPageServer(handler: PageHandler, options: PageServerOptions): PageServer {
  const h2Settings = { settings: { enableConnectProtocol: true } };
  let listener: net.Server;
  let server: PageServer['server'];
  if (!options.http2) {
    listener = server = https.createServer({ ...options.tls }, handler);
  } else if (options.tls !== undefined) {
    listener = server = http2.createSecureServer({ ...options.tls, ...h2Settings, allowHTTP1: true }, handler);
  } else {
    const h2 = http2.createServer(h2Settings, handler);
    const h1 = http.createServer(handler);
    // HTTP/1.1 upgrades are announced on the one server the WebSocketServer attaches to.
    h1.on('upgrade', (request: http.IncomingMessage, socket: Socket, head: Buffer) => h2.emit('upgrade', request, socket, head));
    listener = net.createServer((socket) => routeByPreface(socket, (s) => h2.emit('connection', s), (s) => h1.emit('connection', s)));
    server = h2;
  }
  const sockets = new Set<Socket>();
  listener.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    listener,
    server,
    closeConnections() {
      for (const socket of sockets) socket.destroy();
    },
  };
}
