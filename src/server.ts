/**
 * The server: what the IIS WebSocket Protocol module does for a site, for a Node http/https
 * server. Standalone (`{ port, host }`), attached to an existing server (`{ server, path }`), or
 * `handleUpgrade(req, socket, head)` for frameworks. Configuration follows the IIS
 * `<webSocket>` element and site limits (DESIGN.md, "Configuration").
 */
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { defaultCloseTimeout, defaultHighWaterMark } from './connection/connection.js';
import type { ConnectionSettings } from './connection/connection.js';
import { Sweeper } from './connection/sweeper.js';
import {
  acceptResponse,
  refusalResponse,
  selectSubprotocol,
  validateUpgradeRequest,
} from './handshake/index.js';
import type { SubprotocolSelector } from './handshake/index.js';
import { AccessLog } from './access-log.js';
import { WebSocket } from './websocket.js';
import type { ClientRegistry } from './websocket.js';
import { WebSocketContext } from './context.js';

/** The verify hook's answer: accept (optionally attaching the authenticated user), or refuse. */
export type VerifyResult =
  | boolean
  | { accept: true; user?: unknown; headers?: Record<string, string> }
  | { accept: false; status?: number; reason?: string; headers?: Record<string, string> };

export interface WebSocketServerOptions {
  /** Listen on this port (standalone). 0 picks a free one. */
  port?: number;
  /** Address to listen on (standalone). Default: Node's (every interface). */
  host?: string;
  /** Attach to an existing http/https server instead of listening. */
  server?: http.Server | https.Server;
  /** Only upgrade requests for this path (query ignored); others are left alone (attached) or refused 400 (standalone). */
  path?: string;

  /** `<webSocket enabled>`: false refuses every upgrade with 503. Default true. */
  enabled?: boolean;
  /** `<webSocket pingInterval>`: ms between heartbeat pings; a peer that has not answered by the next one is closed (1001, WS_ERR_PONG_TIMEOUT). Default 0 (off). */
  pingInterval?: number;
  /** `<webSocket receiveBufferLimit>`: largest message in bytes; larger closes with 1009. Default 4194304. */
  receiveBufferLimit?: number;
  /** Site `maxConnections`: over it upgrades get 503. Default 0 (unlimited). */
  maxConnections?: number;
  /** ms for a client to send its whole upgrade request (standalone server). Default 10000. */
  handshakeTimeout?: number;
  /** Site `connectionTimeout`: ms without a received byte before closing with 1001. Default 0 (off). */
  idleTimeout?: number;
  /** ms to wait for the peer's half of the close handshake before dropping TCP. Default 5000. */
  closeTimeout?: number;
  /** Largest request header block in bytes (standalone); over it: 431. Default 16384. */
  maxHeaderSize?: number;
  /** `send` returns false once this many bytes wait to be written. Default 16384. */
  highWaterMark?: number;
  /**
   * Which API 'connection' hands out: 'message' (default) a `WebSocket`, 'fragment' a
   * `WebSocketContext` (IIS IWebSocketContext: payloads as they arrive, never assembled).
   */
  api?: 'message' | 'fragment';

  /** Subprotocols in order of preference, or a function choosing from the client's offer. */
  protocols?: SubprotocolSelector;
  /** Allowed Origin values (exact, normalised); others get 403. Default: any origin. */
  origins?: string[];
  /** Decide on each upgrade (authentication): refuse with a status, or accept and attach a user. */
  verify?: (request: http.IncomingMessage) => VerifyResult | Promise<VerifyResult>;
  /** Take the client address from X-Forwarded-For (only behind a proxy you trust). Default false. */
  trustProxy?: boolean;
  /** One W3C extended log line per upgrade attempt. */
  accessLog?: Writable;
}

export interface ServerStats {
  /** Open WebSocket connections. */
  connections: number;
  /** Upgrade attempts by the HTTP status they got (101, 400, 403, 426, 503 …). */
  statuses: Record<number, number>;
}

const defaults = {
  enabled: true,
  pingInterval: 0,
  receiveBufferLimit: 4 * 1024 * 1024,
  maxConnections: 0,
  handshakeTimeout: 10_000,
  idleTimeout: 0,
  closeTimeout: defaultCloseTimeout,
  maxHeaderSize: 16 * 1024,
  highWaterMark: defaultHighWaterMark,
  api: 'message' as 'message' | 'fragment',
};

export class WebSocketServer extends EventEmitter implements ClientRegistry {
  /** Every open connection (WebSocketContexts when `api: 'fragment'`). */
  readonly clients = new Set<WebSocket | WebSocketContext>();
  readonly stats: ServerStats = { connections: 0, statuses: {} };

  private readonly options: WebSocketServerOptions & typeof defaults;
  private readonly settings: ConnectionSettings;
  private readonly sweeper: Sweeper;
  private readonly accessLog: AccessLog | undefined;
  private readonly httpServer: http.Server | https.Server | undefined;
  private readonly ownsHttpServer: boolean;
  private pendingHandshakes = 0;
  private closing = false;

  constructor(options: WebSocketServerOptions = {}, onConnection?: (ws: WebSocket, request: http.IncomingMessage) => void) {
    // With `api: 'fragment'` the 'connection' argument is a WebSocketContext instead.
    super();
    this.options = { ...defaults, ...definedOnly(options) };
    const o = this.options;
    this.settings = {
      role: 'server',
      deliver: o.api === 'fragment' ? 'fragments' : 'messages',
      maxMessageSize: o.receiveBufferLimit,
      pingInterval: o.pingInterval,
      idleTimeout: o.idleTimeout,
      closeTimeout: o.closeTimeout,
      highWaterMark: o.highWaterMark,
    };
    this.sweeper = new Sweeper([o.pingInterval, o.idleTimeout, o.closeTimeout]);
    this.accessLog = o.accessLog ? new AccessLog(o.accessLog) : undefined;
    if (onConnection) this.on('connection', onConnection);

    if (o.server !== undefined) {
      this.httpServer = o.server;
      this.ownsHttpServer = false;
      o.server.on('upgrade', this.onUpgrade);
    } else if (o.port !== undefined) {
      this.httpServer = http.createServer({
        maxHeaderSize: o.maxHeaderSize,
        // handshakeTimeout: the request (headers and all) must arrive in time, else 408 and close.
        headersTimeout: o.handshakeTimeout,
        requestTimeout: o.handshakeTimeout,
        connectionsCheckingInterval: Math.max(50, Math.min(1000, o.handshakeTimeout / 4)),
      });
      this.ownsHttpServer = true;
      this.httpServer.on('upgrade', this.onUpgrade);
      this.httpServer.on('request', this.onPlainRequest);
      this.httpServer.on('clientError', this.onClientError);
      this.httpServer.on('error', (error) => this.emit('error', error));
      this.httpServer.listen(o.port, o.host, () => this.emit('listening'));
    } else {
      this.ownsHttpServer = false; // handleUpgrade() only
    }
  }

  /** The listening address (standalone or attached). */
  address(): AddressInfo | string | null {
    return this.httpServer?.address() ?? null;
  }

  /** True when `request` asks for a WebSocket upgrade (RFC 6455 §4.1 `Upgrade: websocket`). */
  static isWebSocketRequest(request: http.IncomingMessage): boolean {
    return request.method === 'GET' && /(^|,)\s*websocket\s*(,|$)/i.test(request.headers.upgrade ?? '');
  }

  /**
   * Run the upgrade handshake on `socket` (for frameworks that route 'upgrade' themselves).
   * Bytes that arrived with the request (`head`) are the client's first frames: not lost.
   */
  handleUpgrade(request: http.IncomingMessage, socket: Socket, head: Buffer): void {
    void this.upgrade(request, socket, head);
  }

  /** Close every connection with 1001 (going away), stop listening, resolve when all are gone. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = [...this.clients].map((client) =>
      client instanceof WebSocket
        ? client.close(1001, 'server shutting down')
        : client.sendConnectionClose(1001, 'server shutting down').then(() => client.closed),
    );
    if (this.httpServer !== undefined) {
      if (this.ownsHttpServer) {
        await new Promise<void>((resolve) => this.httpServer!.close(() => resolve()));
      } else {
        this.httpServer.off('upgrade', this.onUpgrade);
      }
    }
    await Promise.all(closed);
  }

  private readonly onUpgrade = (request: http.IncomingMessage, socket: Socket, head: Buffer): void => {
    if (this.options.path !== undefined && pathOf(request.url) !== this.options.path) {
      // An attached server leaves other paths to other upgrade listeners.
      if (!this.ownsHttpServer) return;
      this.refuse(request, socket, Date.now(), 400, 'no WebSocket endpoint at this path');
      return;
    }
    this.handleUpgrade(request, socket, head);
  };

  /** A plain request to the standalone server: this endpoint only speaks WebSocket. */
  private readonly onPlainRequest = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    const started = Date.now();
    // A request that tries to be a WebSocket handshake but lacks `Connection: Upgrade` reaches
    // here: validate it to give the specific reason; anything else gets 426 (RFC 7231 §6.5.15).
    const attempt = request.headers.upgrade !== undefined || request.headers['sec-websocket-key'] !== undefined;
    const verdict = attempt ? validateUpgradeRequest(request, { origins: this.options.origins }) : undefined;
    const { status, reason, headers } =
      verdict !== undefined && !verdict.ok
        ? verdict
        : { status: 426, reason: 'this endpoint only accepts WebSocket upgrades', headers: { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' } };
    this.count(status);
    this.accessLog?.write(request, this.clientAddress(request), status, started);
    response.shouldKeepAlive = false;
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers });
    response.end(reason + '\n');
  };

  /** Header block too large, malformed HTTP, timeouts: answer if the socket still can, then drop it. */
  private readonly onClientError = (error: Error & { code?: string }, socket: Socket): void => {
    if (socket.writable && !socket.destroyed) {
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const status = tooLarge ? 431 : timedOut ? 408 : 400;
      const reason = tooLarge ? 'request header block too large' : timedOut ? 'handshake timeout' : 'malformed HTTP request';
      this.count(status);
      socket.end(refusalResponse(status, reason));
    }
    socket.destroy();
  };

  private async upgrade(request: http.IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const started = Date.now();
    const o = this.options;
    socket.on('error', ignoreSocketError); // a reset during the handshake is not the process's problem

    if (!o.enabled || this.closing) {
      this.refuse(request, socket, started, 503, 'WebSocket is disabled on this server');
      return;
    }
    const verdict = validateUpgradeRequest(request, { origins: o.origins });
    if (!verdict.ok) {
      this.refuse(request, socket, started, verdict.status, verdict.reason, verdict.headers);
      return;
    }
    // Count handshakes in flight too, so a burst cannot slip past the limit during verify().
    if (o.maxConnections > 0 && this.clients.size + this.pendingHandshakes >= o.maxConnections) {
      this.refuse(request, socket, started, 503, 'too many connections');
      return;
    }

    let user: unknown;
    let extraHeaders: Record<string, string> | undefined;
    if (o.verify !== undefined) {
      this.pendingHandshakes++;
      let result: VerifyResult;
      try {
        result = await o.verify(request);
      } catch (error) {
        this.emit('verifyError', error);
        result = { accept: false, status: 500, reason: 'verification failed' };
      } finally {
        this.pendingHandshakes--;
      }
      if (socket.destroyed) return;
      if (result === false || (typeof result === 'object' && !result.accept)) {
        const refusal = typeof result === 'object' && !result.accept ? result : undefined;
        this.refuse(request, socket, started, refusal?.status ?? 403, refusal?.reason ?? 'forbidden', refusal?.headers);
        return;
      }
      if (typeof result === 'object') {
        user = result.user;
        extraHeaders = result.headers;
      }
    }

    const protocol = o.protocols !== undefined ? selectSubprotocol(verdict.protocols, o.protocols) : undefined;
    socket.write(acceptResponse({ key: verdict.key, protocol, headers: extraHeaders }));
    socket.off('error', ignoreSocketError);
    this.count(101);
    const remoteAddress = this.clientAddress(request);
    this.accessLog?.write(request, remoteAddress, 101, started);

    const info = { protocol: protocol ?? '', extensions: '', remoteAddress, url: request.url ?? '/', user };
    const client =
      o.api === 'fragment'
        ? new WebSocketContext(socket, this.settings, this.sweeper, info, this)
        : new WebSocket(socket, this.settings, this.sweeper, info, this);
    this.clients.add(client);
    this.stats.connections = this.clients.size;
    this.emit('connection', client, request);
    client.receiveInitial(head);
  }

  /** @internal ClientRegistry: a connection is gone. */
  clientClosed(client: WebSocket | WebSocketContext): void {
    this.clients.delete(client);
    this.stats.connections = this.clients.size;
  }

  private refuse(
    request: http.IncomingMessage,
    socket: Socket,
    started: number,
    status: number,
    reason: string,
    headers?: Record<string, string>,
  ): void {
    this.count(status);
    this.accessLog?.write(request, this.clientAddress(request), status, started);
    // A complete response, then close (the client may still be sending; end() lets it read ours).
    socket.end(refusalResponse(status, reason, headers));
    socket.once('finish', () => socket.destroy());
  }

  private count(status: number): void {
    this.stats.statuses[status] = (this.stats.statuses[status] ?? 0) + 1;
  }

  private clientAddress(request: http.IncomingMessage): string {
    if (this.options.trustProxy) {
      const forwarded = request.headers['x-forwarded-for'];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
      if (first) return first;
    }
    return request.socket.remoteAddress ?? '';
  }
}

function pathOf(url: string | undefined): string {
  const query = (url ?? '/').indexOf('?');
  return query === -1 ? (url ?? '/') : url!.slice(0, query);
}

function ignoreSocketError(): void {}

/** Drop keys whose value is undefined so they do not override the defaults. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
