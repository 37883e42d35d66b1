/**
 * The chat server: one port serves the page (GET / → text/html) and the WebSocket endpoint
 * (`/chat?name=…`), every member in one WebSocketCollection. Over plain HTTP/1.1 the standalone
 * WebSocketServer serves both (its `pages` option), on the native transport where the addon
 * loaded; with TLS or HTTP/2 a node:https / node:http2 server serves the page and wsframe is
 * attached to it. Either way the page's routing (200/405/426/404) is src/hosting/static-pages.ts.
 *
 * A missing or blank name is refused after the upgrade with close code 1008 (serveHandlers finds
 * no handler), not with an HTTP 400 before it: a browser shows its scripts neither the status nor
 * the body of a refused upgrade (only an error and close code 1006), while a close frame's code
 * and reason reach the page's `onclose`.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import { createPageServer } from '../hosting/page-server.js';
import type { PageServerOptions } from '../hosting/page-server.js';
import { StaticPages, pagesListener } from '../hosting/static-pages.js';
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
  /**
   * Plain HTTP/1.1 (no `tls`, no `http2`): who owns the connections, as the WebSocketServer
   * option (`--transport`): 'native' by default where the addon loaded, 'node' for net.Socket.
   * TLS and HTTP/2 are served by node:https / node:http2: always 'node'.
   */
  transport?: 'native' | 'node';
}

export interface ChatServer {
  /** The page's address, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  readonly port: number;
  /** Which transport holds the connections ('node' with TLS or HTTP/2). */
  readonly transport: 'native' | 'node';
  /** Close every member with 1001 and stop listening; resolves when all is closed. */
  close(): Promise<void>;
}

/** Start the chat server; resolves once it listens (rejects if it cannot, e.g. EADDRINUSE). */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  const pages = { '/': { headers: CHAT_PAGE_HEADERS, body: CHAT_PAGE } };
  // Heartbeats let a member whose network vanished (no close frame) leave within a minute.
  const endpoint = { path: CHAT_PATH, pingInterval: 30_000, accessLog: options.accessLog };
  let wss: WebSocketServer;
  let address: AddressInfo;
  let stopListening: () => Promise<void>;
  const { tls, http2 } = options;
  const overNodeHttp: PageServerOptions | undefined = tls !== undefined ? { tls, http2 } : http2 ? { http2 } : undefined;
  if (overNodeHttp === undefined) {
    // Plain HTTP/1.1: the standalone server serves the page too, on its transport (native by default).
    wss = new WebSocketServer({ ...endpoint, host, port, transport: options.transport, pages });
    try {
      await Promise.race([once(wss, 'listening'), once(wss, 'error').then(([error]) => Promise.reject(error))]);
    } catch (error) {
      await wss.close();
      throw error;
    }
    address = wss.address() as AddressInfo;
    stopListening = async () => {};
  } else {
    // TLS or HTTP/2: node:https / node:http2 serve the page (net.Socket), the WebSocketServer attaches.
    const { listener, server: http, closeConnections } = createPageServer(pagesListener(new StaticPages(pages, CHAT_PATH)), overNodeHttp);
    wss = new WebSocketServer({ ...endpoint, server: http });
    // Upgrades for other paths: wss leaves them alone, so they get their 404 here.
    http.on('upgrade', (request: IncomingMessage, socket: Socket) => {
      if (pathOf(request.url) !== CHAT_PATH) socket.end(refusalResponse(404, 'no WebSocket endpoint at this path'));
    });
    listener.listen(port, host);
    await Promise.race([once(listener, 'listening'), once(listener, 'error').then(([error]) => Promise.reject(error))]);
    address = listener.address() as AddressInfo;
    stopListening = async () => {
      const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
      closeConnections();
      await stopped;
    };
  }
  const room = new WebSocketCollection({ backplane: options.backplane, channel: options.channel ?? 'wsframe:chat' });
  serveHandlers(wss, (request) => {
    const name = chatName(request.url);
    return name === undefined ? undefined : new ChatHandler(name, room);
  });
  const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls !== undefined ? 'https' : 'http'}://${hostname}:${address.port}/`,
    port: address.port,
    transport: wss.transport,
    async close() {
      await wss.close();
      room.close();
      await stopListening();
    },
  };
}
