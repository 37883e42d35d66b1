/**
 * The client: `connect(url)` for ws:// and wss://, what .NET's ClientWebSocket.ConnectAsync
 * gives a console application. It returns the same `WebSocket` (or `WebSocketContext`) as the
 * server side, over the same connection code in the client role (RFC 6455 §5.3: every frame
 * masked, with keys from a cryptographic pool drawn in batches by the serializer).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { NodeSocketTransport } from './transport/node-socket-transport.js';
import { handOver } from './transport/adopt-socket.js';
import { transportWanted } from './transport/native-transport.js';
import type { Transport } from './transport/transport.js';
import { Http2Unavailable, http2Handshake } from './client/http2-handshake.js';
import { guardHandshake, handshakeTimeout } from './client/handshake-guard.js';
import { connectionSettings, defaultCloseTimeout, defaultHighWaterMark } from './connection/connection.js';
import { Sweeper } from './connection/sweeper.js';
import { generateKey, parseWebSocketUrl, upgradeRequestHeaders, validateUpgradeResponse } from './handshake/index.js';
import type { ExtraHeaders, WebSocketUrl } from './handshake/index.js';
import { WebSocketError } from './protocol/errors.js';
import { WebSocket } from './websocket.js';
import { WebSocketContext } from './context.js';
import { definedOnly } from './options.js';
import { PERMESSAGE_DEFLATE, acceptDeflateAnswer, deflateOffer } from './extensions/permessage-deflate.js';
import type { DeflateParameters, PerMessageDeflateOptions } from './extensions/permessage-deflate.js';
import { DeflateCodec, deflateSettings } from './extensions/deflate-codec.js';
import { formatExtensionList } from './handshake/header-values.js';
import type { Extension } from './handshake/header-values.js';
import { chooseProxy } from './client/proxy-environment.js';
import { connectThroughProxy } from './client/proxy-tunnel.js';
import { publishHandshakeFailed, publishOpen } from './diagnostics.js';

export interface ConnectOptions {
  /** Subprotocols to offer, most preferred first. */
  protocols?: string[];
  /** Extra request headers (Authorization, Cookie …). */
  headers?: ExtraHeaders;
  /** An Origin header (browsers send one; servers with an allow-list require it). */
  origin?: string;
  /** ms for the whole opening handshake (TCP, TLS, request, answer, redirects). Default 10000. */
  handshakeTimeout?: number;
  /** Abort the handshake: connect() rejects with the signal's reason (an AbortError). */
  signal?: AbortSignal;
  /** How many redirects (301, 302, 303, 307, 308 with Location) to follow. Default 0: a redirect is WS_ERR_HANDSHAKE_BAD_STATUS. */
  followRedirects?: number;
  /**
   * Shown every HTTP answer to an upgrade request (the 101, a refusal, a redirect) before it is
   * judged: to read a 101's Set-Cookie, or a refusal. Returning true for a refusal takes it
   * over: connect() still rejects, but leaves the response unread and the socket open for the
   * caller to read and then destroy (`request.destroy()`); otherwise the body is discarded.
   */
  onResponse?: (response: http.IncomingMessage, request: http.ClientRequest) => boolean | void;

  /** wss://: trusted certificates, passed to tls.connect. */
  ca?: TlsConnectionOptions['ca'];
  /** wss://: verify the server's certificate. Default true. */
  rejectUnauthorized?: boolean;
  /** wss://: the TLS server name (SNI and certificate check). Default: the URL's host name. */
  servername?: string;

  /** Largest message accepted, in bytes; larger closes with 1009. Default 4194304, as on the server. */
  receiveBufferLimit?: number;
  /** ms between heartbeat pings; an unanswered one closes with 1001. Default 0 (off). */
  pingInterval?: number;
  /** ms without a received byte before closing with 1001. Default 0 (off). */
  idleTimeout?: number;
  /** ms to wait for the server to close TCP after the close handshake (RFC 6455 §7.1.1). Default 5000. */
  closeTimeout?: number;
  /** `send` returns false once this many bytes wait to be written. Default 16384. */
  highWaterMark?: number;
  /** 'message' (default): resolve to a WebSocket; 'fragment': to a WebSocketContext. */
  api?: 'message' | 'fragment';
  /**
   * Offer permessage-deflate (RFC 7692), as browsers do. Default true; `false` offers nothing.
   * An answer with a parameter we did not allow fails with WS_ERR_HANDSHAKE_BAD_EXTENSIONS.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /**
   * An http: or https: proxy to tunnel through with CONNECT (RFC 9110 §9.3.6); `user:password@`
   * in it is sent as `Proxy-Authorization: Basic`. Default: from the environment (HTTP_PROXY for
   * ws://, HTTPS_PROXY for wss://, NO_PROXY; see the README). `false`: never a proxy.
   */
  proxy?: string | URL | false;
  /**
   * Open the WebSocket as a stream of an HTTP/2 connection (RFC 8441 extended CONNECT), shared
   * with the other WebSockets to the same origin. `true`: HTTP/2 or fail (WS_ERR_HTTP2_UNSUPPORTED);
   * `'auto'`: HTTP/2 when, over TLS, ALPN picks h2 and the server advertises extended CONNECT,
   * else an HTTP/1.1 upgrade (ws:// URLs always use HTTP/1.1 with 'auto'). Default false.
   */
  http2?: boolean | 'auto';
  /**
   * Who owns the connection once the handshake is done. 'native' (the default where the addon
   * loaded, not on Windows): a plain TCP connection (ws://, directly or through a proxy's tunnel)
   * is handed to the addon after the 101, as the server's attached mode does
   * (src/transport/adopt-socket.ts); wss:// and HTTP/2 stay Node's. 'node': the net.Socket
   * throughout. WSFRAME_TRANSPORT=node makes 'node' the default.
   */
  transport?: 'native' | 'node';
}

/**
 * @internal Every option connect() takes; another name is a TypeError, not silence (a misspelt
 * option would otherwise change nothing without a word). The type keeps it complete, a README
 * test keeps the README's list in step.
 */
export const connectOptionNames: Readonly<Record<keyof ConnectOptions, true>> = {
  protocols: true,
  headers: true,
  origin: true,
  handshakeTimeout: true,
  signal: true,
  followRedirects: true,
  onResponse: true,
  ca: true,
  rejectUnauthorized: true,
  servername: true,
  receiveBufferLimit: true,
  pingInterval: true,
  idleTimeout: true,
  closeTimeout: true,
  highWaterMark: true,
  api: true,
  perMessageDeflate: true,
  proxy: true,
  http2: true,
  transport: true,
};

const defaults = {
  handshakeTimeout: 10_000,
  followRedirects: 0,
  receiveBufferLimit: 4 * 1024 * 1024,
  pingInterval: 0,
  idleTimeout: 0,
  closeTimeout: defaultCloseTimeout,
  highWaterMark: defaultHighWaterMark,
  api: 'message' as 'message' | 'fragment',
  perMessageDeflate: true as boolean | PerMessageDeflateOptions,
};

type Options = ConnectOptions & typeof defaults;

/** RFC 7231 §6.4: the redirects that carry a Location to retry at. */
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

interface Upgraded {
  socket: Socket;
  /** Over HTTP/2: the stream's transport (over HTTP/1.1 one is made for `socket`). */
  transport?: Transport;
  head: Buffer;
  url: WebSocketUrl;
  protocol: string | undefined;
  /** The agreed extensions, as the server answered them. */
  extensions: Extension[];
  deflate: DeflateParameters | undefined;
  /** For diagnostics: the headers sent, and the proxy tunnelled through. */
  requestHeaders: Record<string, string | string[]>;
  proxy: string | undefined;
}

/**
 * Open a WebSocket connection. Rejects with a `WebSocketError` — WS_ERR_INVALID_URL before any
 * I/O, WS_ERR_CONNECT_FAILED, WS_ERR_HANDSHAKE_TIMEOUT, or a WS_ERR_HANDSHAKE_* code for an
 * answer that is not a valid 101 (with `statusCode` and `headers` when it was another status) —
 * or with an AbortError from `signal`.
 */
export function connect(url: string | URL, options?: ConnectOptions & { api?: 'message' }): Promise<WebSocket>;
export function connect(url: string | URL, options: ConnectOptions & { api: 'fragment' }): Promise<WebSocketContext>;
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<WebSocket | WebSocketContext> {
  for (const name of Object.keys(options)) {
    if (!Object.hasOwn(connectOptionNames, name)) throw new TypeError(`connect(): unknown option '${name}' (it takes: ${Object.keys(connectOptionNames).join(', ')})`);
  }
  const o: Options = { ...defaults, ...definedOnly(options) };
  let target = parseWebSocketUrl(url);
  // Headers and protocols are checked here too, so a bad one fails before any I/O.
  upgradeRequestHeaders({ url: target, key: generateKey(), protocols: o.protocols, origin: o.origin, headers: o.headers });
  o.signal?.throwIfAborted();

  const deadline = Date.now() + o.handshakeTimeout;
  let current = o;
  for (let redirects = 0; ; redirects++) {
    const outcome = await handshakeOver(target, current, deadline, redirects < o.followRedirects);
    if ('redirect' in outcome) {
      const next = parseWebSocketUrl(new URL(outcome.redirect, target.href));
      // Credentials meant for one server are not handed to another that a redirect names.
      if (next.hostHeader !== target.hostHeader || next.secure !== target.secure) current = { ...current, headers: withoutCredentials(current.headers) };
      target = next;
      continue;
    }
    return open(outcome, current);
  }
}

function open(upgraded: Upgraded, o: Options): WebSocket | WebSocketContext {
  const settings = connectionSettings('client', o, Sweeper.shared([o.pingInterval, o.idleTimeout, o.closeTimeout]));
  const info = {
    protocol: upgraded.protocol ?? '',
    extensions: formatExtensionList(upgraded.extensions),
    url: upgraded.url.href,
    user: undefined,
    address: undefined,
  };
  const codec =
    upgraded.deflate !== undefined ? new DeflateCodec(upgraded.deflate, 'client', deflateSettings(deflateOptionsOf(o) ?? {})) : undefined;
  // Over HTTP/1.1 a ws:// connection moves into the addon now, where it can (src/transport/adopt-socket.ts).
  const overSocket = upgraded.transport === undefined ? new NodeSocketTransport(upgraded.socket) : undefined;
  const { transport, head } =
    overSocket === undefined
      ? { transport: upgraded.transport!, head: upgraded.head }
      : transportWanted(o.transport) === 'native'
        ? handOver(overSocket, upgraded.head)
        : { transport: overSocket, head: upgraded.head };
  const client =
    o.api === 'fragment'
      ? new WebSocketContext(transport, settings, info, undefined, codec)
      : new WebSocket(transport, settings, info, undefined, codec);
  // Deliver the server's first frames (and start reading) only after the caller's `await
  // connect()` continuation has attached its listeners: that continuation is a microtask, this
  // an immediate. The socket is not read meanwhile, so nothing can overtake these bytes.
  publishOpen('client', client, transport, upgraded.socket, { url: info.url, headers: upgraded.requestHeaders }, info.protocol, info.extensions, upgraded.proxy);
  setImmediate(() => client.receiveInitial(head));
  return client;
}

/**
 * The headers as http.request's raw list (name, value, name, value …), one line per value. As an
 * object, node:http sets them one by one with setHeader, which is case-insensitive: of
 * `{ 'X-A': '1', 'x-a': '2' }` only the last would be sent.
 */
function rawHeaderList(headers: Record<string, string | string[]>): string[] {
  const list: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const line of typeof value === 'string' ? [value] : value) list.push(name, line);
  }
  return list;
}

/** The handshake over HTTP/2 when `http2` asks for it (and 'auto' finds it), else over HTTP/1.1. */
async function handshakeOver(url: WebSocketUrl, o: Options, deadline: number, mayRedirect: boolean): Promise<Upgraded | { redirect: string }> {
  if (!o.http2 || (o.http2 === 'auto' && !url.secure)) return handshake(url, o, deadline, mayRedirect);
  const deflateOptions = deflateOptionsOf(o);
  const deflate = deflateOptions !== undefined ? { offer: deflateOffer(deflateOptions), options: deflateOptions } : undefined;
  try {
    const outcome = await http2Handshake(url, { ...o, deflate }, deadline, mayRedirect);
    return 'redirect' in outcome ? outcome : { ...outcome, head: Buffer.alloc(0), url, proxy: undefined };
  } catch (error) {
    if (!(error instanceof Http2Unavailable)) throw error;
    if (o.http2 === 'auto') return handshake(url, o, deadline, mayRedirect);
    throw new WebSocketError('WS_ERR_HTTP2_UNSUPPORTED', error.message);
  }
}

/** One request/answer exchange: an upgraded socket, a redirect to follow, or a typed rejection. */
function handshake(url: WebSocketUrl, o: Options, deadline: number, mayRedirect: boolean): Promise<Upgraded | { redirect: string }> {
  const key = generateKey();
  const deflateOptions = deflateOptionsOf(o);
  const offered = deflateOptions !== undefined ? [deflateOffer(deflateOptions)] : [];
  const requestHeaders = upgradeRequestHeaders({ url, key, protocols: o.protocols, extensions: offered, origin: o.origin, headers: o.headers });
  const headers = rawHeaderList(requestHeaders);
  const tlsOptions = { ca: o.ca, rejectUnauthorized: o.rejectUnauthorized, servername: o.servername };
  const proxy = chooseProxy(url, o.proxy, process.env);
  // Through a proxy the tunnel is the connection (TLS inside it for wss://), made when node:http asks for one.
  let tunnel: AbortController | undefined;
  const request = (proxy === undefined && url.secure ? https : http).request({
    host: url.hostname,
    port: url.port,
    path: url.resourceName,
    headers,
    ...(proxy !== undefined
      ? {
          createConnection: (_: unknown, created: (error: Error | null, socket: Duplex) => void): undefined => {
            tunnel = new AbortController();
            connectThroughProxy(proxy, url, tlsOptions, tunnel.signal).then(
              (socket) => {
                tunnel = undefined;
                created(null, socket);
              },
              (error: Error) => created(error, undefined as never), // with an error node:http takes no socket
            );
            return undefined;
          },
        }
      : { agent: false, ...(url.secure ? tlsOptions : {}) }),
  });

  return new Promise((resolve, reject) => {
    const abandon = (error: unknown): void => {
      if (error instanceof WebSocketError) publishHandshakeFailed('client', error.statusCode, error.code, error.message, url.href);
      tunnel?.abort(error);
      request.destroy();
    };
    // The one deadline covers the proxy too; while the tunnel is pending, the proxy is the one that is late.
    const timeoutError = (): WebSocketError =>
      tunnel !== undefined
        ? new WebSocketError('WS_ERR_PROXY_TIMEOUT', `no answer to CONNECT from the proxy ${proxy!.href} within ${o.handshakeTimeout} ms`)
        : handshakeTimeout(url, o.handshakeTimeout);
    const { settle, fail } = guardHandshake(o, deadline, reject, abandon, timeoutError);

    request.on('upgrade', (response: http.IncomingMessage, socket: Socket, head: Buffer) => {
      o.onResponse?.(response, request);
      const verdict = validateUpgradeResponse(response, { key, protocols: o.protocols, extensions: offered });
      if (!verdict.ok) {
        socket.destroy();
        fail(new WebSocketError(verdict.code, verdict.message));
        return;
      }
      const answer = verdict.extensions.find((extension) => extension.name === PERMESSAGE_DEFLATE);
      const deflate = answer !== undefined ? acceptDeflateAnswer(answer.params, deflateOptions) : undefined;
      if (typeof deflate === 'string') {
        socket.destroy();
        fail(new WebSocketError('WS_ERR_HANDSHAKE_BAD_EXTENSIONS', deflate));
        return;
      }
      if (!settle()) {
        socket.destroy();
        return;
      }
      resolve({ socket, head, url, protocol: verdict.protocol, extensions: verdict.extensions, deflate, requestHeaders, proxy: proxy?.href });
    });

    request.on('response', (response: http.IncomingMessage) => {
      const taken = o.onResponse?.(response, request) === true;
      if (!taken) response.resume(); // the body of a refusal is not read; let the socket go
      const location = response.headers.location;
      if (mayRedirect && redirectStatuses.has(response.statusCode ?? 0) && location !== undefined) {
        if (settle()) resolve({ redirect: location });
        return;
      }
      // node:http reports a 101 here when it lacks `Connection: upgrade`: the check names the fault.
      const verdict = validateUpgradeResponse(response, { key, protocols: o.protocols, extensions: offered });
      const code = verdict.ok ? 'WS_ERR_HANDSHAKE_BAD_CONNECTION' : verdict.code;
      const message = verdict.ok ? 'the answer is not an upgrade' : verdict.message;
      const error = new WebSocketError(code, message, { statusCode: response.statusCode, headers: response.headers });
      if (!taken) fail(error);
      else if (settle()) reject(error); // the response, and its socket, are the caller's now
    });

    request.on('error', (error) => {
      // The tunnel's failures are already typed (WS_ERR_PROXY_*).
      if (error instanceof WebSocketError) fail(error);
      else fail(new WebSocketError('WS_ERR_CONNECT_FAILED', `could not open ${url.href}: ${error.message}`, { cause: error }));
    });
    request.end();
  });
}

/** The deflate options in force, undefined when the client offers no compression. */
function deflateOptionsOf(o: Options): PerMessageDeflateOptions | undefined {
  if (o.perMessageDeflate === false) return undefined;
  return o.perMessageDeflate === true ? {} : o.perMessageDeflate;
}

/** The headers that carry credentials, dropped on a redirect to another origin (as browsers and ws do). */
const credentialHeaders = new Set(['authorization', 'cookie', 'proxy-authorization']);

function withoutCredentials(headers: ExtraHeaders | undefined): ExtraHeaders | undefined {
  if (headers === undefined) return undefined;
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !credentialHeaders.has(name.toLowerCase())));
}
