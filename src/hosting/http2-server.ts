/**
 * WebSockets over HTTP/2 (RFC 8441) for a WebSocketServer: on the user's node:http2 server
 * (attached mode) or on the standalone server's own (`http2: true`, `tls`).
 *
 * An extended CONNECT stream with `:protocol websocket` goes through the server's one upgrade
 * decision (enabled, origins, maxConnections, verify, subprotocol and permessage-deflate
 * negotiation, access log), answered by `Http2Dialect` with `:status 200` or the refusal on the
 * stream, and then carried by an Http2StreamTransport. SETTINGS_ENABLE_CONNECT_PROTOCOL
 * (RFC 8441 §3) is the user's to set on their server; the standalone server sets it on its own.
 */
import type { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as net from 'node:net';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import {
  connectAcceptResponse,
  connectRefusalResponse,
  isWebSocketConnect,
  validateConnectRequest,
} from '../handshake/index.js';
import type { ExtraHeaders, UpgradeRequestOptions } from '../handshake/index.js';
import { pathOf } from '../server.js';
import type { UpgradeRequestInfo, WebSocketServer } from '../server.js';
import { Http2StreamTransport } from '../transport/http2-stream-transport.js';
import type { HandshakeDialect } from './handshake-dialect.js';
import { pagesListener } from './static-pages.js';
import type { StaticPages } from './static-pages.js';

/** The HTTP/2 connection preface (RFC 9113 §3.4): how a cleartext port tells HTTP/2 from HTTP/1.1. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** An extended CONNECT answered on its stream: HEADERS with :status 200, or a refusal and its body. */
class Http2Dialect implements HandshakeDialect {
  constructor(private readonly stream: http2.ServerHttp2Stream) {}

  validate(request: UpgradeRequestInfo, options: UpgradeRequestOptions): ReturnType<HandshakeDialect['validate']> {
    const verdict = validateConnectRequest(request, options);
    if (!verdict.ok) return verdict;
    const stream = this.stream;
    return {
      ...verdict,
      accept(_transport, answer) {
        stream.respond(connectAcceptResponse({ ...answer, key: verdict.key }).headers);
        return 200;
      },
    };
  }

  refuse(_transport: unknown, status: number, reason: string, headers?: ExtraHeaders): void {
    const stream = this.stream;
    if (stream.destroyed || stream.headersSent) return;
    const response = connectRefusalResponse(status, reason, headers);
    stream.respond(response.headers);
    // RFC 9113 §8.1: after a complete response, RST_STREAM(NO_ERROR) tells the client to stop
    // sending its request body (here: WebSocket frames it sent without waiting).
    stream.end(response.body, () => stream.close(http2.constants.NGHTTP2_NO_ERROR));
  }
}

/** An http2 server (node:http2's own test: only it can change its SETTINGS). */
export function isHttp2Server(server: EventEmitter): server is http2.Http2Server | http2.Http2SecureServer {
  return typeof (server as Partial<http2.Http2Server>).updateSettings === 'function';
}

/**
 * Take the RFC 8441 streams of `server` (those for `path` when given) for `wss`; the rest are left
 * to the server's other listeners. Returns what undoes it.
 */
export function attachHttp2(server: http2.Http2Server | http2.Http2SecureServer, wss: WebSocketServer, path: string | undefined): () => void {
  const takes = (headers: http2.IncomingHttpHeaders): boolean =>
    isWebSocketConnect(headers) && (path === undefined || pathOf(headers[':path']) === path);
  const onStream = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]): void => {
    if (!takes(headers)) return;
    const request: UpgradeRequestInfo = {
      method: 'CONNECT',
      url: headers[':path'],
      httpVersion: '2.0',
      headers,
      rawHeaders,
      socket: stream.session!.socket as Socket,
    };
    wss.upgradeStream(request, new Http2StreamTransport(stream), new Http2Dialect(stream));
  };
  // Once the server has a 'request' listener, node:http2's compatibility layer also sees every
  // stream and answers a CONNECT with 405 unless 'connect' has a listener: this is one. A CONNECT
  // that is not ours, with no other listener, still gets that 405.
  const onConnect = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse): void => {
    if (takes(request.headers)) return;
    if (server.listenerCount('connect') === 1) response.writeHead(405).end();
  };
  server.on('stream', onStream);
  server.on('connect', onConnect);
  return () => {
    server.off('stream', onStream);
    server.off('connect', onConnect);
  };
}

export interface StandaloneOptions {
  readonly tls?: tls.TlsOptions | undefined;
  readonly http2?: boolean | undefined;
  readonly maxHeaderSize: number;
  readonly path: string | undefined;
  /** The `pages` option: what answers requests that are not WebSockets, instead of 426/400. */
  readonly pages?: StaticPages | undefined;
}

/** What the standalone server listens with when it serves TLS or HTTP/2. */
export interface StandaloneListener {
  readonly server: net.Server;
  /** Close every HTTP/2 session (after the WebSockets on them were closed), so the server can stop. */
  closeSessions(): void;
}

/**
 * The standalone server's listener for `tls` and/or `http2`:
 * - TLS without HTTP/2: every socket goes to `onSocket`, the standalone HTTP/1.1 path.
 * - TLS with HTTP/2: ALPN offers h2 and http/1.1 (RFC 7301); h2 sessions are node:http2's,
 *   HTTP/1.1 upgrades reach `onUpgrade` through node:http (allowHTTP1).
 * - Cleartext HTTP/2: prior knowledge (RFC 9113 §3.3) beside HTTP/1.1 on one port, told apart by
 *   the first bytes: the connection preface goes to HTTP/2, anything else to `onSocket`.
 * Requests that are not WebSockets get 426 over HTTP/1.1 and 400 over HTTP/2 (which has no Upgrade),
 * or with `pages` their page or its refusal.
 */
export function listenStandalone(
  wss: WebSocketServer,
  options: StandaloneOptions,
  onSocket: (socket: Socket) => void,
  onUpgrade: (request: IncomingMessage, socket: Socket, head: Buffer) => void,
): StandaloneListener {
  if (!options.http2) return { server: tls.createServer({ ...options.tls }, onSocket), closeSessions() {} };
  const h2Options = { settings: { enableConnectProtocol: true, maxHeaderListSize: options.maxHeaderSize } };
  const sessions = new Set<http2.ServerHttp2Session>();
  const h2 =
    options.tls !== undefined
      ? http2.createSecureServer({ ...options.tls, ...h2Options, allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'] })
      : http2.createServer(h2Options);
  h2.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on('error', ignore); // a peer that breaks the connection is not the process's problem
    session.once('close', () => sessions.delete(session));
  });
  h2.on('upgrade', onUpgrade);
  h2.on('request', options.pages !== undefined ? pagesListener(options.pages) : refusePlainRequest);
  h2.on('sessionError', ignore);
  attachHttp2(h2, wss, options.path);
  const closeSessions = (): void => {
    for (const session of sessions) session.close();
  };
  if (options.tls !== undefined) return { server: h2, closeSessions };

  const server = net.createServer({ noDelay: true }, (socket) => {
    routeByPreface(socket, (http2Socket) => h2.emit('connection', http2Socket), onSocket);
  });
  return { server, closeSessions };
}

/**
 * Cleartext HTTP/2 with prior knowledge beside HTTP/1.1 on one port (RFC 9113 §3.3): a connection
 * that opens with the HTTP/2 preface goes to `onHttp2`, any other to `onHttp1`, with the bytes read
 * so far put back for whichever reads next (node:http2 takes what a socket has buffered first).
 */
export function routeByPreface(socket: Socket, onHttp2: (socket: Socket) => void, onHttp1: (socket: Socket) => void): void {
  socket.on('error', ignore); // until a server takes the socket, a reset is not the process's problem
  let seen: Buffer = Buffer.alloc(0);
  const sniff = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const compared = Math.min(seen.length, PREFACE.length);
    const isPreface = seen.subarray(0, compared).equals(PREFACE.subarray(0, compared));
    if (isPreface && seen.length < PREFACE.length) return; // wait for the rest of the preface
    socket.off('data', sniff);
    socket.pause();
    socket.unshift(seen);
    socket.off('error', ignore);
    if (isPreface) onHttp2(socket);
    else onHttp1(socket);
  };
  socket.on('data', sniff);
}

/** A request that is not a WebSocket handshake, on the standalone server: this endpoint only speaks WebSocket. */
function refusePlainRequest(request: IncomingMessage | http2.Http2ServerRequest, response: ServerResponse | http2.Http2ServerResponse): void {
  const overHttp2 = request.httpVersionMajor === 2;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'sec-websocket-version': '13' };
  if (!overHttp2) headers['upgrade'] = 'websocket';
  const reason = overHttp2
    ? 'this endpoint only accepts WebSockets (RFC 8441 extended CONNECT with :protocol websocket)\n'
    : 'this endpoint only accepts WebSocket upgrades\n';
  (response as ServerResponse).writeHead(overHttp2 ? 400 : 426, headers).end(reason);
}

function ignore(): void {}
