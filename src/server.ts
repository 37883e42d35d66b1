/**
 * The server: what the IIS WebSocket Protocol module does for a site, for a Node http/https
 * server. Standalone (`{ port, host }`), attached to an existing server (`{ server, path }`), or
 * `handleUpgrade(req, socket, head)` for frameworks. Configuration follows the IIS
 * `<webSocket>` element and site limits (DESIGN.md, "Configuration").
 *
 * The standalone server listens with a plain `net.Server` and reads the request head itself
 * (src/handshake/request-head.ts), so an upgraded socket carries nothing of node:http (its
 * parser, listeners and timers stay on every socket it ever served: memory per idle connection).
 * Every mode then takes the same path: `upgrade()`.
 */
import { EventEmitter } from 'node:events';
import type * as http from 'node:http';
import type * as https from 'node:https';
import type * as http2 from 'node:http2';
import * as tls from 'node:tls';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { connectionSettings, defaultCloseTimeout, defaultHighWaterMark, parkable } from './connection/connection.js';
import type { ConnectionSettings } from './connection/connection.js';
import { Sweeper, clock, elapsed } from './connection/sweeper.js';
import type { Sweepable } from './connection/sweeper.js';
import {
  AllowedOrigins,
  RequestHeadParser,
  refusalResponse,
  selectSubprotocol,
} from './handshake/index.js';
import { AccessLog } from './access-log.js';
import { definedOnly } from './options.js';
import { WebSocket, remoteAddressOf } from './websocket.js';
import type { ClientRegistry } from './websocket.js';
import { WebSocketContext } from './context.js';
import { deflateNegotiator } from './extensions/permessage-deflate.js';
import type { DeflateAcceptance, PerMessageDeflateOptions } from './extensions/permessage-deflate.js';
import { DeflateCodec, deflateSettings } from './extensions/deflate-codec.js';
import type { DeflateSettings } from './extensions/deflate-codec.js';
import { negotiateExtensions } from './handshake/extension-negotiation.js';
import type { ExtensionNegotiator } from './handshake/extension-negotiation.js';
import { formatExtensionList } from './handshake/header-values.js';
import { NodeSocketTransport } from './transport/node-socket-transport.js';
import type { Transport, TransportListener } from './transport/transport.js';
import { endAndDestroy, http1Dialect } from './hosting/handshake-dialect.js';
import { PlainAcceptance, answeredByAddon } from './hosting/handshake-dialect.js';
import type { Acceptance, AcceptableHandshake, HandshakeDialect } from './hosting/handshake-dialect.js';
import { attachHttp2, isHttp2Server, listenStandalone } from './hosting/http2-server.js';
import type { StandaloneListener } from './hosting/http2-server.js';
import type { WebSocketErrorCode } from './protocol/errors.js';
import { channels, publishHandshakeFailed, publishOpen } from './diagnostics.js';
import { StandaloneRequest } from './hosting/standalone-request.js';
import { NativeListener, NativeSocketAddresses, deferAcceptMs, nativeTransport, transportWanted } from './transport/native-transport.js';
import { nativeAddon } from './native.js';
import { canAdoptSockets, handOver } from './transport/adopt-socket.js';
import { StaticPages, endpointOnly } from './hosting/static-pages.js';
import type { PageAnswer, StaticPage } from './hosting/static-pages.js';
import { pageResponse } from './handshake/index.js';

/** The verify hook's answer: accept (optionally attaching the authenticated user), or refuse. */
export type VerifyResult =
  | boolean
  | { accept: true; user?: unknown; headers?: Record<string, string | string[]> }
  | { accept: false; status?: number; reason?: string; headers?: Record<string, string> };

/**
 * An upgrade request as `verify` and 'connection' listeners see it. A node:http
 * `IncomingMessage` is one: attached mode and `handleUpgrade` pass it on as it is. The
 * standalone server reads requests itself and hands out its own object with these fields
 * (src/hosting/standalone-request.ts: `headers` made when first read).
 */
export interface UpgradeRequestInfo {
  readonly method?: string | undefined;
  /** The request-target as sent: path and query. */
  readonly url?: string | undefined;
  /** `'1.1'` for HTTP/1.1. */
  readonly httpVersion: string;
  /** Names lower-cased, repeated headers joined as node:http joins them. */
  readonly headers: http.IncomingHttpHeaders;
  /** Alternating names and values, as received. */
  readonly rawHeaders: readonly string[];
  /**
   * The connection's net.Socket; on the native transport (which has none) an object with the
   * addresses a net.Socket would give, read when asked.
   */
  readonly socket: Socket | SocketAddresses;
}

/** What `UpgradeRequestInfo.socket` offers whatever the transport (a net.Socket has all of it). */
export interface SocketAddresses {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly remoteFamily?: string | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

export interface WebSocketServerOptions {
  /** Listen on this port (standalone). 0 picks a free one. */
  port?: number;
  /** Address to listen on (standalone). Default: Node's (every interface). */
  host?: string;
  /** Largest queue of connections not yet accepted (standalone; `listen`'s backlog). Default: Node's (511). */
  backlog?: number;
  /**
   * Who owns the connections. 'native' (the default where the addon loaded): the addon, on Node's
   * event loop, without a net.Socket each: standalone from the accept on; attached (`server`) and
   * `handleUpgrade`, from the 101 on, for plain TCP sockets (the upgraded net.Socket's descriptor
   * is handed to the addon and the net.Socket destroyed; not on Windows, not for TLS). 'node':
   * net.Socket. Where the addon did not load, 'native' falls back to 'node' (see
   * `wss.transport`). The environment variable WSFRAME_TRANSPORT=node makes 'node' the default.
   */
  transport?: 'native' | 'node';
  /**
   * Attach to an existing http/https server instead of listening; or to an http2 server, whose
   * RFC 8441 streams (`:protocol websocket`) are taken too (and its HTTP/1.1 upgrades with `allowHTTP1`).
   */
  server?: http.Server | https.Server | http2.Http2Server | http2.Http2SecureServer;
  /** Only upgrade requests for this path (query ignored); others are left alone (attached) or refused 400 (standalone; 404 with `pages`). */
  path?: string;
  /**
   * Standalone: pages served on the same port, by path (query ignored), e.g.
   * `{ '/': { headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: html } }`. Every
   * request that is not a WebSocket upgrade (no Upgrade, no Sec-WebSocket-Key) is then answered
   * by src/hosting/static-pages.ts: a page to GET and HEAD (HEAD: headers only), 405 with
   * `Allow: GET, HEAD` to other methods on a page's path, 426 on the endpoint's `path`, 404
   * elsewhere, 413 to a request with a body; upgrades for another path get 404 instead of 400.
   * Each answer carries `Connection: close` and the connection closes after it (no keep-alive:
   * a browser loads the page, then opens the WebSocket on a connection of its own). The request
   * head is read under the same handshakeTimeout and maxHeaderSize as an upgrade's; page requests
   * are not upgrade attempts: not in `stats.statuses` nor the access log. Default: none.
   */
  pages?: Readonly<Record<string, StaticPage>>;

  /** `<webSocket enabled>`: false refuses every upgrade with 503. Default true. */
  enabled?: boolean;
  /** `<webSocket pingInterval>`: ms between heartbeat pings; a peer that has not answered by the next one is closed (1011, WS_ERR_PONG_TIMEOUT). Default 0 (off). */
  pingInterval?: number;
  /** `<webSocket receiveBufferLimit>`: largest message in bytes; larger closes with 1009. Default 4194304. */
  receiveBufferLimit?: number;
  /** Site `maxConnections`: over it upgrades get 503. Default 0 (unlimited). */
  maxConnections?: number;
  /** ms for a client to send its whole request head (standalone server); else 408. 0: no limit. Default 10000. */
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
  /**
   * Messages are lent to 'message' listeners, as uWebSockets.js lends them: the Buffer (of a
   * binary or a text message) is valid only during the listener call (and the process.nextTick
   * callbacks and promise jobs right after it); whatever is kept past that must be copied
   * (`Buffer.from(data)`, or `data.toString()` for text). Sending it on from the listener
   * (`ws.send(data)`, a broadcast) is fine: what is not written at once is copied. On the native
   * transport every read of a connection then goes into one reused buffer, and large messages
   * into pooled ones: no fresh memory per message (bench/RESULTS.md, "Borrowed messages"). Ping
   * and pong payloads, and messages queued for `receive()`, are owned as always. Only with
   * `api: 'message'`. Default false: every message is the application's to keep.
   */
  borrowedMessages?: boolean;
  /**
   * permessage-deflate (RFC 7692). Off by default: compression costs CPU, and is what most
   * often takes servers down. `true` uses the defaults: answer with server_ and client_no_context_takeover
   * (no per-connection compression state), 1 KiB threshold.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;

  /** Subprotocols in order of preference, or a function choosing from the client's offer (and the request). */
  protocols?: readonly string[] | ((offered: readonly string[], request: UpgradeRequestInfo) => string | undefined);
  /**
   * Allowed origins, each a serialized origin `scheme://host[:port]` (RFC 6454 §6.2: no path, no
   * trailing slash), or `'null'` (admits every opaque origin: sandboxed frames, file: pages).
   * Compared by scheme, host and port; a request whose Origin is not one of them, or not an
   * origin at all, gets 403. An entry that is not an origin throws WS_ERR_INVALID_ORIGIN here.
   * Default: any origin.
   */
  origins?: string[];
  /** Decide on each upgrade (authentication): refuse with a status, or accept and attach a user. */
  verify?: (request: UpgradeRequestInfo) => VerifyResult | Promise<VerifyResult>;
  /** Take the client address from X-Forwarded-For (only behind a proxy you trust). Default false. */
  trustProxy?: boolean;
  /** One W3C extended log line per upgrade attempt. */
  accessLog?: Writable;
  /** Standalone: serve wss:// with this certificate and key (node:tls server options). */
  tls?: tls.TlsOptions;
  /**
   * Standalone: also take WebSockets over HTTP/2 (RFC 8441), advertising
   * SETTINGS_ENABLE_CONNECT_PROTOCOL. With `tls`, ALPN offers h2 and http/1.1; without, cleartext
   * HTTP/2 with prior knowledge is told from HTTP/1.1 on the same port by its preface. Default false.
   */
  http2?: boolean;
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
  private readonly negotiators: ExtensionNegotiator[];
  private readonly deflate: DeflateSettings | undefined;
  private readonly origins: AllowedOrigins | undefined;
  /** Standalone with `pages`: what answers requests that are not upgrades. */
  private readonly pages: StaticPages | undefined;
  /** Standalone: the listening socket (a net.Server with the node transport). */
  private readonly listener: net.Server | NativeListener | undefined;
  /** Which transport connections use (the `transport` option, where this server and process allow it). */
  readonly transport: 'native' | 'node';
  /** Attached: the server whose 'upgrade' events we take. */
  private readonly attachedTo: http.Server | https.Server | http2.Http2Server | http2.Http2SecureServer | undefined;
  /** Attached to an http2 server: stop taking its streams. */
  private readonly detachHttp2: (() => void) | undefined;
  /** Standalone with `tls` or `http2`: closes its HTTP/2 sessions. */
  private readonly standaloneHttp: StandaloneListener | undefined;
  /**
   * Whether a request may be answered by the addon (native/plain_upgrade.h): it is there, and
   * nothing the application set asks for a decision on each request (verify, origins, a
   * subprotocol function, which sees even an empty offer) or for more than the plain 101. Then
   * who answers it: the native listener itself, before the server hears of the connection
   * (listening), or the server on a connection's first read (answerPlainUpgrade: net.Socket).
   */
  private readonly plainUpgrades: 'listener' | 'first read' | undefined;
  /** Standalone: connections whose request head is still arriving (a native listener's join when it hands them over). */
  private readonly readingHead = new Set<PendingUpgrade>();
  /** The handshake timeout of all of them, on the sweeper's one timer while the server listens (listening). */
  private readonly headTimeouts: Sweepable = { sweep: (now) => this.sweepHeadTimeouts(now) };
  private pendingHandshakes = 0;
  private closing = false;
  /** Parks the idle WebSockets at each tick of the sweeper (parkIdle), where they can be parked. */
  private readonly parker: Sweepable | undefined;
  /** With a parker: the WebSockets not parked (new or woken since the last tick), the only ones a tick visits. */
  private awake: WebSocket[] = [];

  constructor(options: WebSocketServerOptions = {}, onConnection?: (ws: WebSocket, request: UpgradeRequestInfo) => void) {
    // With `api: 'fragment'` the 'connection' argument is a WebSocketContext instead.
    super();
    this.options = { ...defaults, ...definedOnly(options) };
    const o = this.options;
    const standalone = o.server === undefined && o.port !== undefined;
    // WSFRAME_PARK_EVERY_MS: a tick that short (at least 10 ms), for the test suite to park often.
    this.sweeper = new Sweeper([o.pingInterval, o.idleTimeout, o.closeTimeout, standalone ? o.handshakeTimeout : 0, 4 * Number(process.env.WSFRAME_PARK_EVERY_MS ?? 0)]);
    this.origins = o.origins === undefined ? undefined : new AllowedOrigins(o.origins); // throws before anything listens
    this.pages = o.pages === undefined ? undefined : new StaticPages(o.pages, o.path); // so do bad page headers
    this.settings = connectionSettings('server', o, this.sweeper);
    this.accessLog = o.accessLog ? new AccessLog(o.accessLog) : undefined;
    const deflateOptions = o.perMessageDeflate === true ? {} : o.perMessageDeflate || undefined;
    this.deflate = deflateOptions !== undefined ? deflateSettings(deflateOptions) : undefined;
    this.negotiators = deflateOptions !== undefined ? [deflateNegotiator(deflateOptions)] : [];
    if (onConnection) this.on('connection', onConnection);

    if (o.server !== undefined) {
      this.attachedTo = o.server;
      o.server.on('upgrade', this.onUpgrade);
      if (isHttp2Server(o.server)) this.detachHttp2 = attachHttp2(o.server, this, o.path);
    }
    const wanted = transportWanted(o.transport);
    // TLS and HTTP/2 are node:tls's and node:http2's: they need Node's sockets.
    const tlsOrHttp2 = o.tls !== undefined || o.http2 === true || o.server instanceof tls.Server || (o.server !== undefined && isHttp2Server(o.server));
    const possible = standalone ? nativeTransport !== undefined : canAdoptSockets;
    this.transport = wanted === 'native' && possible && !tlsOrHttp2 ? 'native' : 'node';
    // Parking (WebSocket.park): WebSockets on the native transport, where their connections can park.
    if (this.transport === 'native' && o.api !== 'fragment' && parkable(this.settings)) {
      this.parker = { sweep: () => this.parkIdle() };
    }
    const plain = nativeAddon !== undefined && o.enabled && o.verify === undefined && this.origins === undefined && typeof o.protocols !== 'function';
    this.plainUpgrades = !plain ? undefined : standalone && this.transport === 'native' ? 'listener' : 'first read';
    if (standalone && this.transport === 'native') {
      const listener = new NativeListener(
        (transport, age) => this.accept(transport, new NativeSocketAddresses(transport), age),
        (transport, bytes, headLength) => this.openPlain(transport, new NativeSocketAddresses(transport), bytes, headLength, answeredByAddon),
      );
      this.listener = listener;
      listener.listen(o.port!, o.host, o.backlog).then(
        () => this.listening(),
        (error) => this.emit('error', error),
      );
    } else if (standalone && tlsOrHttp2) {
      this.standaloneHttp = listenStandalone(this, { ...o, path: o.path, pages: this.pages }, this.onSocket, this.onStandaloneUpgrade);
      const server = this.standaloneHttp.server;
      this.listener = server;
      server.on('error', (error) => this.emit('error', error));
      server.listen({ port: o.port, host: o.host, backlog: o.backlog }, () => this.listening());
    } else if (standalone) {
      const netServer = net.createServer({ noDelay: true }, this.onSocket);
      this.listener = netServer;
      netServer.on('error', (error) => this.emit('error', error));
      netServer.listen({ port: o.port, host: o.host, backlog: o.backlog }, () => this.listening());
    } // else: handleUpgrade() only
  }

  /**
   * Standalone: listening. The handshake timeouts join the sweeper now and leave it when the
   * server closes: a sweep that came and went with the heads arriving was added on the rare
   * accept that found no other head arriving, code V8 had seen run only before it optimized the
   * open path, so it threw that code away and compiled it again in a fresh server's first burst.
   */
  private listening(): void {
    const o = this.options;
    if (o.handshakeTimeout > 0 && !this.closing) this.sweeper.add(this.headTimeouts);
    if (this.plainUpgrades === 'listener' && !this.closing) {
      // A silent connection reaches the server by half the handshake timeout, whose sweep then
      // counts from its accept: it times out as late as one the server held from the start.
      (this.listener as NativeListener).answerPlainUpgrades({
        path: o.path,
        maxHeaderSize: o.maxHeaderSize,
        ignoreExtensionOffers: this.negotiators.length === 0,
        announceAfter: o.handshakeTimeout > 0 ? Math.max(1, Math.floor(o.handshakeTimeout / 2)) : 0,
        budget: this.connectionsLeft(),
        // The kernel's wait for a silent peer counts toward its handshake timeout: not for one shorter.
        deferAccept: o.handshakeTimeout === 0 || o.handshakeTimeout >= deferAcceptMs(),
      });
    }
    this.emit('listening');
  }

  /** How many more connections maxConnections admits: less those open and those in verify() (-1: no limit). */
  private connectionsLeft(): number {
    const limit = this.options.maxConnections;
    return limit > 0 ? Math.max(0, limit - this.clients.size - this.pendingHandshakes) : -1;
  }

  /** A connection opened or closed: with maxConnections, the listener's budget follows (the listener is gone once closing). */
  private updatePlainUpgradeBudget(): void {
    if (this.options.maxConnections > 0 && this.plainUpgrades === 'listener' && !this.closing) {
      (this.listener as NativeListener).plainUpgradeBudget(this.connectionsLeft());
    }
  }

  /** The listening address (standalone or attached). */
  address(): AddressInfo | string | null {
    return (this.listener ?? this.attachedTo)?.address() ?? null;
  }

  /** True when `request` asks for a WebSocket upgrade (RFC 6455 §4.1 `Upgrade: websocket`). */
  static isWebSocketRequest(request: Pick<UpgradeRequestInfo, 'method' | 'headers'>): boolean {
    return request.method === 'GET' && /(^|,)\s*websocket\s*(,|$)/i.test(request.headers.upgrade ?? '');
  }

  /**
   * Run the upgrade handshake on `socket` (for frameworks that route 'upgrade' themselves).
   * Bytes that arrived with the request (`head`) are the client's first frames: not lost.
   */
  handleUpgrade(request: UpgradeRequestInfo, socket: Socket, head: Buffer): void {
    const transport = new NodeSocketTransport(socket);
    const pending = new PendingUpgrade(this, transport, socket, clock());
    transport.setListener(pending);
    this.upgrade(request, pending, head);
  }

  /** Close every connection with 1001 (going away), stop listening, resolve when all are gone. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = [...this.clients].map((client) =>
      client instanceof WebSocket
        ? client.close(1001, 'server shutting down')
        : client.sendConnectionClose(1001, 'server shutting down').then(() => client.closed),
    );
    if (this.listener !== undefined) {
      const listener = this.listener;
      const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const pending of this.readingHead) pending.transport.destroy(); // requests still arriving
      this.sweeper.delete(this.headTimeouts);
      await Promise.all(closed);
      this.standaloneHttp?.closeSessions();
      await stopped;
    }
    this.attachedTo?.off('upgrade', this.onUpgrade);
    this.detachHttp2?.();
    await Promise.all(closed);
    if (this.parker !== undefined) {
      this.sweeper.delete(this.parker);
      this.awake = [];
    }
  }

  /**
   * Each tick, every idle WebSocket lets its connection's objects go until its next event
   * (WebSocket.park; bench/RESULTS.md, "Parking"): an idle connection then keeps its WebSocket
   * and the addon's slot. One that is busy at the tick stays as it is; one parked while active
   * is made again by its next read, at most once a tick. A tick visits only the WebSockets not
   * parked (`awake`: new ones, and those woken since), so a million parked connections cost it
   * nothing. The sweep joins the sweeper with the first connection and leaves it when the server
   * closes (not when the last connection goes: clients connecting one after another would start
   * and stop its timer each time).
   */
  private parkIdle(): void {
    const visit = this.awake;
    this.awake = [];
    for (const ws of visit) if (!ws.park() && ws.state !== 'CLOSED') this.awake.push(ws);
  }

  /** @internal ClientRegistry: a parked WebSocket was woken; the next tick looks at it again. */
  woke(ws: WebSocket): void {
    this.awake.push(ws);
  }

  /** Standalone with `path`: an upgrade for another path is refused (the port is ours, no one else answers it). */
  private refuseBadPath(request: UpgradeRequestInfo, pending: PendingUpgrade): void {
    const status = this.pages !== undefined ? 404 : 400; // beside pages, a path is a resource that is not there
    this.refuse(request, pending, Date.now(), status, 'WS_ERR_HANDSHAKE_BAD_PATH', 'no WebSocket endpoint at this path');
  }

  /** Standalone over node:https or node:http2 (HTTP/1.1 upgrades): every upgrade gets an answer. */
  private readonly onStandaloneUpgrade = (request: http.IncomingMessage, socket: Socket, head: Buffer): void => {
    if (this.options.path === undefined || pathOf(request.url) === this.options.path) {
      this.handleUpgrade(request, socket, head);
      return;
    }
    const transport = new NodeSocketTransport(socket);
    const pending = new PendingUpgrade(this, transport, socket, clock());
    transport.setListener(pending);
    this.refuseBadPath(request, pending);
  };

  /** Attached: upgrade requests for other paths are left to other 'upgrade' listeners. */
  private readonly onUpgrade = (request: http.IncomingMessage, socket: Socket, head: Buffer): void => {
    if (this.options.path !== undefined && pathOf(request.url) !== this.options.path) return;
    this.handleUpgrade(request, socket, head);
  };

  // ---- standalone: reading the request head ----------------------------------------------

  private readonly onSocket = (socket: Socket): void => {
    this.accept(new NodeSocketTransport(socket), socket);
  };

  /** Standalone: a new connection, whose request head is read next (`age`: ms since its accept, when the native listener held it). */
  private accept(transport: Transport, socket: Socket | SocketAddresses, age = 0): void {
    const pending = new PendingUpgrade(this, transport, socket, (clock() - age) | 0);
    transport.setListener(pending);
    pending.headArriving = true;
    this.readingHead.add(pending);
    transport.resume();
  }

  /** @internal PendingUpgrade: bytes of a request head. */
  readHead(pending: PendingUpgrade, chunk: Uint8Array): void {
    if (pending.parser === undefined && this.answerPlainUpgrade(pending, chunk)) return;
    const result = (pending.parser ??= new RequestHeadParser({ maxHeaderSize: this.options.maxHeaderSize })).push(chunk);
    if (result.state === 'incomplete') return;
    this.stopReadingHead(pending);
    if (result.state === 'refused') {
      const head = result.refusal.head; // complete, but announcing a body
      if (this.pages !== undefined && head !== undefined && !new StandaloneRequest(head, pending.socket!).hasUpgradeOrKey()) {
        this.answerPage(pending, head.method, this.pages.bodyRefused());
        return;
      }
      this.refuseConnection(pending, result.refusal.status, 'WS_ERR_HANDSHAKE_BAD_REQUEST', result.refusal.reason);
      return;
    }
    const request = new StandaloneRequest(result.head, pending.socket!);
    if (this.pages !== undefined && !request.hasUpgradeOrKey()) {
      this.answerPage(pending, request.method, this.pages.answer(request));
    } else if (this.options.path !== undefined && pathOf(request.url) !== this.options.path) {
      this.refuseBadPath(request, pending);
    } else if (!request.hasUpgradeOrKey()) {
      // A plain HTTP request: this endpoint only speaks WebSocket (RFC 7231 §6.5.15). One that
      // tries to be a handshake goes on to upgrade() for the specific reason it fails.
      this.refuse(request, pending, Date.now(), 426, 'WS_ERR_HANDSHAKE_BAD_UPGRADE', endpointOnly.reason, endpointOnly.headers);
    } else {
      this.upgrade(request, pending, Buffer.from(chunk.buffer, chunk.byteOffset + result.bodyStart, chunk.length - result.bodyStart));
    }
  }

  /**
   * The common handshake in one native pass (native/plain_upgrade.cc), when the first bytes hold
   * a whole request the server would accept with the plain 101 and no decision of the
   * application's is wanted: the addon checks the request and makes the 101, and the connection
   * opens as through upgrade(). Anything else, the addon missing included, takes the TypeScript
   * path with the same bytes (false). bench/RESULTS.md, "Opening: the common handshake in the addon".
   */
  private answerPlainUpgrade(pending: PendingUpgrade, chunk: Uint8Array): boolean {
    const o = this.options;
    if (this.plainUpgrades !== 'first read' || this.closing) return false;
    if (this.connectionsLeft() === 0) return false;
    const response = Buffer.allocUnsafe(PLAIN_RESPONSE_SIZE);
    const headLength = nativeAddon!.plainUpgrade(chunk, this.negotiators.length === 0, response);
    if (headLength === 0 || headLength > o.maxHeaderSize) return false;
    // "GET " target " HTTP/1.1": the target is visible ASCII (the addon checked), so latin1 is exact.
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (o.path !== undefined && pathOf(targetOf(bytes)) !== o.path) return false;
    this.stopReadingHead(pending);
    this.openPlain(pending.transport, pending.socket!, bytes, headLength, new PlainAcceptance(response));
    return true;
  }

  /**
   * A plain upgrade, answered by the addon (`bytes`: the first read, `headLength` of it the
   * head): the connection opens as through upgrade(), with the request made from the head's bytes
   * only when read (src/hosting/standalone-request.ts).
   */
  private openPlain(transport: Transport, socket: Socket | SocketAddresses, bytes: Buffer, headLength: number, acceptance: Acceptance): void {
    const started = this.accessLog !== undefined ? Date.now() : 0;
    // Usually the head is the whole read: no views to make of it.
    const whole = headLength === bytes.length;
    const request = new StandaloneRequest({ method: 'GET', url: targetOf(bytes), httpVersion: '1.1', rawHeaders: whole ? bytes : bytes.subarray(0, headLength) }, socket);
    this.open(request, transport, whole ? nothingAfterHead : bytes.subarray(headLength), started, acceptance, undefined, undefined);
  }

  /** `pages`: a plain request's answer, then close (page requests are not upgrade attempts: not counted, not logged). */
  private answerPage(pending: PendingUpgrade, method: string, answer: PageAnswer): void {
    endAndDestroy(pending.transport, pageResponse(answer.status, answer.headers, answer.body, { head: method === 'HEAD' }));
  }

  /** @internal The head is complete, refused or timed out, or the transport closed: this phase is over. */
  stopReadingHead(pending: PendingUpgrade): void {
    pending.headArriving = false;
    pending.parser = undefined;
    this.readingHead.delete(pending);
  }

  private sweepHeadTimeouts(now: number): void {
    // Every one is looked at: the native listener hands over a connection it held some time after its accept.
    for (const pending of this.readingHead) {
      if (elapsed(pending.accepted, now) < this.options.handshakeTimeout) continue;
      this.stopReadingHead(pending);
      this.refuseConnection(pending, 408, 'WS_ERR_HANDSHAKE_TIMEOUT', 'handshake timeout');
    }
  }

  /** No request to log (malformed, too large, timed out): count the status, answer, close. */
  private refuseConnection(pending: PendingUpgrade, status: number, code: WebSocketErrorCode, reason: string): void {
    this.count(status);
    publishHandshakeFailed('server', status, code, reason, '');
    endAndDestroy(pending.transport, refusalResponse(status, reason));
  }

  // ---- every mode ----------------------------------------------------------------------------

  /**
   * The one upgrade decision, whatever the mode: refuse with a complete response and close, or
   * write the 101 and hand the transport to a connection, which then becomes its listener.
   */
  private upgrade(request: UpgradeRequestInfo, pending: PendingUpgrade, head: Buffer): void {
    // For the access log's time taken: no clock read per handshake without one.
    const started = this.accessLog !== undefined ? Date.now() : 0;
    const o = this.options;

    if (!o.enabled || this.closing) {
      this.refuse(request, pending, started, 503, 'WS_ERR_HANDSHAKE_UNAVAILABLE', 'WebSocket is disabled on this server');
      return;
    }
    const verdict = pending.dialect.validate(request, { origins: this.origins });
    if (!verdict.ok) {
      this.refuse(request, pending, started, verdict.status, verdict.code, verdict.reason, verdict.headers);
      return;
    }
    // Count handshakes in flight too, so a burst cannot slip past the limit during verify().
    if (this.connectionsLeft() === 0) {
      this.refuse(request, pending, started, 503, 'WS_ERR_HANDSHAKE_UNAVAILABLE', 'too many connections');
      return;
    }
    // Without verify the connection opens in this same turn: no promise per handshake.
    if (o.verify !== undefined) void this.verifyThenOpen(o.verify, request, pending, head, started, verdict);
    else this.open(request, pending.transport, head, started, verdict, undefined, undefined);
  }

  /** The verify hook decides: refuse with its status, or open with the user and headers it gave. */
  private async verifyThenOpen(
    verify: NonNullable<WebSocketServerOptions['verify']>,
    request: UpgradeRequestInfo,
    pending: PendingUpgrade,
    head: Buffer,
    started: number,
    verdict: AcceptableHandshake,
  ): Promise<void> {
    // What the client sends next waits in the transport while verify runs (reading resumes
    // once it accepted).
    pending.transport.pause();
    this.pendingHandshakes++;
    let result: VerifyResult;
    try {
      result = await verify(request);
    } catch (error) {
      this.emit('verifyError', error);
      result = { accept: false, status: 500, reason: 'verification failed' };
    } finally {
      this.pendingHandshakes--;
    }
    if (pending.closed) return;
    if (this.closing) {
      this.refuse(request, pending, started, 503, 'WS_ERR_HANDSHAKE_UNAVAILABLE', 'server shutting down');
      return;
    }
    if (result === false || (typeof result === 'object' && !result.accept)) {
      const refusal = typeof result === 'object' && !result.accept ? result : undefined;
      this.refuse(request, pending, started, refusal?.status ?? 403, 'WS_ERR_HANDSHAKE_REFUSED', refusal?.reason ?? 'forbidden', refusal?.headers);
      return;
    }
    const accepted = typeof result === 'object' ? result : undefined;
    pending.transport.resume();
    this.open(request, pending.transport, head, started, verdict, accepted?.user, accepted?.headers);
  }

  /** Accept: negotiate, write the 101, hand the transport to a new connection, announce it. */
  private open(
    request: UpgradeRequestInfo,
    transport: Transport,
    head: Buffer,
    started: number,
    verdict: Acceptance,
    user: unknown,
    extraHeaders: Record<string, string | string[]> | undefined,
  ): void {
    const o = this.options;
    const selector = o.protocols;
    const protocol =
      selector === undefined
        ? undefined
        : selectSubprotocol(verdict.protocols, typeof selector === 'function' ? (offered) => selector(offered, request) : selector);
    const extensions = negotiateExtensions(verdict.extensions, this.negotiators);
    const deflate =
      extensions.length === 0 ? undefined : (extensions.find((extension) => extension.name === 'permessage-deflate')?.acceptance as DeflateAcceptance | undefined);
    // Attached or handleUpgrade: the connection moves into the addon before the 101 is written
    // (paused, as it starts there). Every other transport reads already.
    const handedOver = this.transport === 'native' && transport instanceof NodeSocketTransport ? handOver(transport, head) : undefined;
    if (handedOver !== undefined) ({ transport, head } = handedOver);
    const status = verdict.accept(transport, { protocol, extensions, headers: extraHeaders });
    this.count(status);
    // The access log reads the peer's address now: the connection keeps it (Handshake.address).
    let address = this.forwardedFor(request);
    if (this.accessLog !== undefined) this.accessLog.write(request, (address = remoteAddressOf(transport, address)), status, started);

    const extensionList = extensions.length === 0 ? '' : formatExtensionList(extensions);
    const info = { protocol: protocol ?? '', extensions: extensionList, url: request.url ?? '/', user, address };
    const codec = deflate !== undefined ? new DeflateCodec(deflate.parameters, 'server', this.deflate!) : undefined;
    // Once for the connection's life: a parked one's transport object, made again, still lends.
    if (this.settings.lendReads) transport.lendReads?.();
    // Nothing to do yet (nothing after the head, no extension; the 'connection' listener has not
    // run): the WebSocket starts parked, reading, and makes its Connection when first needed —
    // not made and dropped on every connection opened (bench/RESULTS.md, "Opening: the common
    // handshake in the addon").
    const parked = this.parker !== undefined && codec === undefined && head.length === 0;
    if (parked && handedOver !== undefined) transport.resume();
    const client =
      o.api === 'fragment'
        ? new WebSocketContext(transport, this.settings, info, this, codec)
        : new WebSocket(transport, this.settings, info, this, codec, parked);
    // One that did not start parked is for the next tick to look at; one that did, once woken (woke).
    if (this.parker !== undefined && client instanceof WebSocket && !client.parked) this.awake.push(client);
    this.clients.add(client);
    this.stats.connections = this.clients.size;
    this.updatePlainUpgradeBudget();
    if (this.parker !== undefined && this.clients.size === 1 && !this.closing) this.sweeper.add(this.parker);
    // Only when someone listens: reading `headers` makes them (src/hosting/standalone-request.ts).
    if (channels.open.hasSubscribers) {
      publishOpen('server', client, transport, request.socket, { url: info.url, headers: request.headers }, info.protocol, info.extensions);
    }
    this.emit('connection', client, request);
    // The head's bytes go in first, then the connection resumes reading (unless taking them paused it).
    client.receiveInitial(head);
  }

  /** @internal src/hosting/http2-server.ts: an RFC 8441 stream, through the same decision as an HTTP/1.1 upgrade. */
  upgradeStream(request: UpgradeRequestInfo, transport: Transport, dialect: HandshakeDialect): void {
    const pending = new PendingUpgrade(this, transport, request.socket, clock());
    pending.dialect = dialect;
    transport.setListener(pending);
    this.upgrade(request, pending, Buffer.alloc(0));
  }

  /** @internal ClientRegistry: what its connections are made with (a parked WebSocket's again, too). */
  get connectionSettings(): ConnectionSettings {
    return this.settings;
  }

  /** @internal ClientRegistry: a connection is gone. */
  clientClosed(client: WebSocket | WebSocketContext): void {
    this.clients.delete(client);
    this.stats.connections = this.clients.size;
    this.updatePlainUpgradeBudget();
  }

  private refuse(
    request: UpgradeRequestInfo,
    pending: PendingUpgrade,
    started: number,
    status: number,
    code: WebSocketErrorCode,
    reason: string,
    headers?: Record<string, string>,
  ): void {
    this.count(status);
    publishHandshakeFailed('server', status, code, reason, request.url ?? '');
    this.accessLog?.write(request, remoteAddressOf(pending.transport, this.forwardedFor(request)), status, started);
    pending.dialect.refuse(pending.transport, status, reason, headers);
  }

  private count(status: number): void {
    this.stats.statuses[status] = (this.stats.statuses[status] ?? 0) + 1;
  }

  /**
   * X-Forwarded-For's first hop, when the server trusts a proxy. Otherwise the address is the
   * socket's, read only by whoever asks for it (the access log, `remoteAddress`).
   */
  private forwardedFor(request: UpgradeRequestInfo): string | undefined {
    if (!this.options.trustProxy) return undefined;
    const forwarded = request.headers['x-forwarded-for'];
    return (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim() || undefined;
  }
}

const PLAIN_RESPONSE_SIZE = 129;
/** What follows a head that was the whole read (read only: start() takes it as the first frames' bytes). */
const nothingAfterHead = Buffer.alloc(0);

/** The request target of a plain upgrade's head: "GET " target " HTTP/1.1", visible ASCII (the addon checked), so latin1 is exact. */
function targetOf(head: Buffer): string {
  return head.toString('latin1', 4, head.indexOf(0x20, 4));
}

/** The path of a request target, without its query (what the `path` option is compared with). */
export function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?', 1)[0]!;
}

/**
 * The server's listener on a transport until a connection takes it over: it reads the request
 * head (standalone) and notes a close while `verify` runs. Errors in this phase (a reset) are
 * not the process's problem: the transport closes next, and that is all there is to do.
 */
class PendingUpgrade implements TransportListener {
  /** The transport closed before a connection took it over. */
  closed = false;
  /** In the server's `readingHead` (standalone): the request head is still arriving (kept here, not asked of the Set, on every read). */
  headArriving = false;
  /** The request head's parser, once its bytes did not make a plain upgrade (readHead). */
  parser: RequestHeadParser | undefined;
  /** How the handshake is answered: HTTP/1.1 bytes, or HTTP/2 headers on a stream (src/hosting/http2-server.ts). */
  dialect: HandshakeDialect = http1Dialect;

  constructor(
    private readonly server: WebSocketServer,
    readonly transport: Transport,
    /** What the request's `socket` is (UpgradeRequestInfo.socket). */
    readonly socket: Socket | SocketAddresses | undefined,
    /** When the transport was accepted (the sweeper's clock): handshakeTimeout counts from there. */
    readonly accepted: number,
  ) {}

  onData(chunk: Uint8Array): void {
    if (this.headArriving) this.server.readHead(this, chunk);
  }

  onEnd(): void {
    // The peer gave up before its head was complete: there is nothing to answer.
    if (this.headArriving) this.transport.destroy();
  }

  onError(): void {}

  onClose(): void {
    this.closed = true;
    this.server.stopReadingHead(this);
  }

  onDrain(): void {}
}
