/**
 * The chat server: one port serves the page (GET / → text/html) and the WebSocket endpoint
 * (`/chat?name=…`), with wsframe attached to a node:http server and every member in one
 * WebSocketCollection.
 *
 * A missing or blank name is refused after the upgrade with close code 1008 (serveHandlers finds
 * no handler), not with an HTTP 400 before it: a browser shows its scripts neither the status nor
 * the body of a refused upgrade (only an error and close code 1006), while a close frame's code
 * and reason reach the page's `onclose`.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import { createPageServer } from '../hosting/page-server.js';
import type { Backplane } from '../backplane/backplane.js';
import { WebSocketCollection, serveHandlers } from '../handler.js';
import { refusalResponse } from '../handshake/index.js';
import { WebSocketServer, pathOf } from '../server.js';
import { ChatHandler, chatName } from './chat-handler.js';
import { CHAT_PAGE, CHAT_PAGE_HEADERS } from './chat-page.js';

/** Where the WebSocket endpoint is. */
export const CHAT_PATH = '/chat';

/** What `wsframe chat` passes on (its flags map one to one onto these). */
export interface ChatServerOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default 8080; 0 picks a free one. */
  port?: number;
  /**
   * Share the room with chat servers in other processes (`wsframe chat --redis URL`: a
   * RedisBackplane). The caller owns it: close() does not close it.
   */
  backplane?: Backplane;
  /** The backplane channel. Default 'wsframe:chat'. */
  channel?: string;
  /** Serve the page over https and the endpoint as wss:// (`--tls-cert`, `--tls-key`). */
  tls?: SecureContextOptions;
  /** Also serve HTTP/2, and WebSockets over it (RFC 8441; `--http2`). */
  http2?: boolean;
  /** A W3C access log line per WebSocket attempt (`--log`). */
  accessLog?: Writable;
}

export interface ChatServer {
  /** The page's address, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  readonly port: number;
  /** Close every member with 1001 and stop listening; resolves when all is closed. */
  close(): Promise<void>;
}

/** Start the chat server; resolves once it listens (rejects if it cannot, e.g. EADDRINUSE). */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const room = new WebSocketCollection({ backplane: options.backplane, channel: options.channel ?? 'wsframe:chat' });
  const { listener, server: http, closeConnections } = createPageServer(servePage, options);
  // Heartbeats let a member whose network vanished (no close frame) leave within a minute.
  const wss = new WebSocketServer({ server: http, path: CHAT_PATH, pingInterval: 30_000, accessLog: options.accessLog });
  serveHandlers(wss, (request) => {
    const name = chatName(request.url);
    return name === undefined ? undefined : new ChatHandler(name, room);
  });
  // Upgrades for other paths: wss leaves them alone, so they get their 404 here.
  http.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    if (pathOf(request.url) !== CHAT_PATH) socket.end(refusalResponse(404, 'no WebSocket endpoint at this path'));
  });

  listener.listen(options.port ?? 8080, options.host ?? '127.0.0.1');
  await Promise.race([once(listener, 'listening'), once(listener, 'error').then(([error]) => Promise.reject(error))]);
  const address = listener.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls !== undefined ? 'https' : 'http'}://${host}:${address.port}/`,
    port: address.port,
    async close() {
      const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
      await wss.close();
      room.close();
      closeConnections();
      await stopped;
    },
  };
}

type PageRequest = IncomingMessage | Http2ServerRequest;
type PageResponse = ServerResponse | Http2ServerResponse;

/** GET or HEAD / (any query) → the page; /chat without an upgrade → 426; anything else → 404. */
function servePage(request: PageRequest, response: PageResponse): void {
  const path = pathOf(request.url);
  if (path === '/') {
    if (request.method === 'GET' || request.method === 'HEAD') {
      response.writeHead(200, CHAT_PAGE_HEADERS).end(CHAT_PAGE);
    } else {
      plain(response, 405, 'only GET and HEAD here', { Allow: 'GET, HEAD' });
    }
  } else if (path === CHAT_PATH) {
    // HTTP/2 has no Upgrade header (RFC 9113 §8.2.2): there a WebSocket comes as an extended CONNECT.
    plain(response, 426, 'this is the WebSocket endpoint: connect with ws://…/chat?name=…', request.httpVersionMajor === 1 ? { Upgrade: 'websocket' } : {});
  } else {
    plain(response, 404, 'not found');
  }
}

function plain(response: PageResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  (response as ServerResponse).writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}
