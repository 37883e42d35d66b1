/**
 * `wsframe/ws`'s WebSocket: the API of `ws` 8's WebSocket class over wsframe's engine, so that
 * code written for `ws` runs with only its import changed. A client (`new WebSocket(url)`) is
 * CONNECTING until wsframe's `connect()` resolves; a server's socket is made OPEN by
 * `wsframe/ws`'s WebSocketServer. Either way the work is done by a wsframe `WebSocket` inside;
 * this class translates names, arguments and events (README, "Migrating from ws", lists where
 * the behaviour differs).
 */
import { EventEmitter } from 'node:events';
import type * as http from 'node:http';
import { connect } from '../client.js';
import type { ConnectOptions } from '../client.js';
import type { WebSocket as CoreWebSocket } from '../websocket.js';
import { generateKey, parseExtensionList, parseWebSocketUrl, upgradeRequestHeaders } from '../handshake/index.js';
import { CLOSED, CONNECTING, defineReadyStateConstants } from '../api/ready-state.js';
import { WebSocketError } from '../protocol/errors.js';
import type { CLOSING, OPEN, ReadyState, ReadyStateConstants } from '../api/ready-state.js';
import type { createWebSocketStream } from '../api/websocket-stream.js';
import { deflateOptionsFromWs, maxPayloadToLimit } from './options.js';
import type { WsPerMessageDeflateOptions } from './options.js';
import type { WebSocketServer } from './server.js';
import { addEventListener, defineEventAttributes, removeEventListener } from './event-target.js';
import type { EventHandler, EventSource, EventType } from './event-target.js';

/** The events and their arguments, as ws has them (typed listeners for TypeScript users). */
export interface WebSocketEvents {
  open: [];
  message: [data: RawData, isBinary: boolean];
  close: [code: number, reason: Buffer];
  error: [error: Error];
  ping: [data: Buffer];
  pong: [data: Buffer];
  upgrade: [response: http.IncomingMessage];
  'unexpected-response': [request: http.ClientRequest, response: http.IncomingMessage];
}

/** How binary messages are handed to 'message' listeners (text always comes as a Buffer, as in ws). */
export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';
const binaryTypes: readonly string[] = ['nodebuffer', 'arraybuffer', 'fragments', 'blob'];

/** ws's client options that wsframe honours (the others are accepted and ignored: README, "Migrating from ws"). */
export interface ClientOptions {
  /** ms for the opening handshake. Default 10000 (wsframe's; ws has none). */
  handshakeTimeout?: number;
  /** Offer permessage-deflate. Default true. */
  perMessageDeflate?: boolean | WsPerMessageDeflateOptions;
  /** Largest message in bytes; 0: no limit. Default 4194304 (wsframe's; ws: 104857600). */
  maxPayload?: number;
  /** Extra request headers. */
  headers?: Record<string, string | number | string[]>;
  /** The Origin header. */
  origin?: string;
  /** Follow redirects (at most `maxRedirects`). Default false. */
  followRedirects?: boolean;
  /** Default 10. */
  maxRedirects?: number;
  /** Only 13 (RFC 6455). */
  protocolVersion?: number;
  /** ms to wait for the close handshake to finish. Default 5000 (wsframe's; ws: 30000). */
  closeTimeout?: number;
  /** wss://: passed to tls.connect. */
  ca?: ConnectOptions['ca'];
  rejectUnauthorized?: boolean;
  servername?: string;
  /** wsframe's own: an http:// or https:// proxy to tunnel through, or false; default from HTTP_PROXY / HTTPS_PROXY / NO_PROXY (ws needs an `agent` for this). */
  proxy?: ConnectOptions['proxy'];
  [option: string]: unknown;
}

export interface SendOptions {
  binary?: boolean;
  compress?: boolean;
  fin?: boolean;
  /** Ignored: a client always masks and a server never does (RFC 6455 §5.1). */
  mask?: boolean;
}

type Callback = (error?: Error | null) => void;

const EMPTY = Buffer.alloc(0);

export class WebSocket extends EventEmitter<WebSocketEvents> implements EventSource {
  declare static readonly CONNECTING: typeof CONNECTING;
  declare static readonly OPEN: typeof OPEN;
  declare static readonly CLOSING: typeof CLOSING;
  declare static readonly CLOSED: typeof CLOSED;
  // ws's module is its WebSocket class with the rest on it (`require('ws').WebSocketServer`); src/ws/index.ts sets these.
  declare static WebSocket: typeof WebSocket;
  declare static WebSocketServer: typeof WebSocketServer;
  declare static Server: typeof WebSocketServer;
  declare static createWebSocketStream: typeof createWebSocketStream;

  private core: CoreWebSocket | undefined;
  /** The ready state before there is a connection (CONNECTING), or after a handshake that failed (CLOSED). */
  private ownState: ReadyState = CONNECTING;
  private type: BinaryType = 'nodebuffer';
  private address: string | undefined; // the URL connected to: the last redirect's, as in ws
  private readonly abort: AbortController | undefined;
  /** An 'unexpected-response' listener took the refusal: no 'error' for it. */
  private refusalHandled = false;
  /** @internal The close was clean (both close frames, then TCP): the close event's `wasClean`. */
  closedCleanly = false;

  /**
   * A client: `new WebSocket(address, protocols?, options?)`. A bad URL, subprotocol or header
   * throws here, before any I/O (a WebSocketError with its WS_ERR_* code). `address` null is
   * how the server makes its sockets (as in ws).
   */
  constructor(address: string | URL | null, protocols?: string | string[] | ClientOptions, options?: ClientOptions) {
    super();
    if (address === null) return;
    if (protocols !== undefined && typeof protocols === 'object' && !Array.isArray(protocols)) {
      options = protocols;
      protocols = undefined;
    }
    const o: ClientOptions = options ?? {};
    if (o.protocolVersion !== undefined && o.protocolVersion !== 13) {
      throw new RangeError(`Unsupported protocol version: ${o.protocolVersion} (supported versions: 13)`);
    }
    const url = parseWebSocketUrl(address);
    this.address = url.href;
    this.abort = new AbortController();
    const connectOptions: ConnectOptions & { api?: 'message' } = {
      protocols: protocols === undefined ? undefined : typeof protocols === 'string' ? [protocols] : protocols,
      headers: o.headers === undefined ? undefined : stringHeaders(o.headers),
      origin: o.origin,
      handshakeTimeout: o.handshakeTimeout,
      followRedirects: o.followRedirects ? (o.maxRedirects ?? 10) : 0,
      ca: o.ca,
      rejectUnauthorized: o.rejectUnauthorized,
      servername: o.servername,
      proxy: o.proxy,
      receiveBufferLimit: maxPayloadToLimit(o.maxPayload),
      closeTimeout: o.closeTimeout,
      perMessageDeflate: o.perMessageDeflate === undefined ? undefined : deflateOptionsFromWs(o.perMessageDeflate),
      signal: this.abort.signal,
      onResponse: (response, request) => this.answered(response, request, connectOptions.followRedirects! > 0),
    };
    // Throws now, as ws does, for a subprotocol or header that connect() would reject later.
    upgradeRequestHeaders({ url, key: generateKey(), protocols: connectOptions.protocols, origin: o.origin, headers: connectOptions.headers });
    connect(url.href, connectOptions).then(
      (core) => this.opened(core),
      (error: Error) => this.failed(error),
    );
  }

  /** @internal The server's side: an open wsframe socket to present as ws's. */
  static fromCore(core: CoreWebSocket): WebSocket {
    const ws = new WebSocket(null);
    ws.attach(core);
    return ws;
  }

  get readyState(): ReadyState {
    return this.core?.readyState ?? this.ownState;
  }

  get binaryType(): BinaryType {
    return this.type;
  }

  /** One of 'nodebuffer' (Buffer), 'arraybuffer', 'fragments' (an array of Buffers) or 'blob'; anything else is ignored, as in ws. */
  set binaryType(type: BinaryType) {
    if (binaryTypes.includes(type)) this.type = type;
  }

  /** Bytes queued by send() and not yet handed to the kernel, frame headers included. */
  get bufferedAmount(): number {
    return this.core?.bufferedAmount ?? 0;
  }

  /** The negotiated subprotocol, '' when none. */
  get protocol(): string {
    return this.core?.protocol ?? '';
  }

  /** The names of the negotiated extensions, comma-separated (as ws gives them). */
  get extensions(): string {
    const list = this.core?.extensions;
    if (!list) return '';
    const parsed = parseExtensionList(list);
    return parsed.ok ? parsed.value.map((extension) => extension.name).join() : '';
  }

  /** The URL a client connected to (after redirects); undefined on a server's socket (as in ws). */
  get url(): string | undefined {
    return this.address;
  }

  get isPaused(): boolean {
    return this.core?.isPaused ?? false;
  }

  /** Stop reading (messages already read still come); a no-op while CONNECTING or once CLOSED. */
  pause(): void {
    this.core?.pause();
  }

  resume(): void {
    this.core?.resume();
  }

  /**
   * Send a message: a string (or number) as text, bytes (Buffer, TypedArray, DataView,
   * ArrayBuffer) as binary, unless `binary` says otherwise; an array or object goes through
   * Buffer.from. Throws while CONNECTING, as ws does; once closing, the callback gets the error.
   */
  send(data: unknown, options?: SendOptions | Callback, callback?: Callback): void {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    const core = this.openCore(callback);
    if (core === undefined) return;
    const payload = toPayload(data);
    const binary = options?.binary ?? typeof payload !== 'string';
    const message = binary && typeof payload === 'string' ? Buffer.from(payload) : payload;
    core.send(message, { binary, compress: options?.compress, fin: options?.fin }, callback);
  }

  /** ping(data?, mask?, callback?): mask is ignored (RFC 6455 §5.1 decides it). */
  ping(data?: unknown, mask?: boolean | Callback, callback?: Callback): void {
    this.control('ping', data, mask, callback);
  }

  /** pong(data?, mask?, callback?): an unsolicited pong; pings are answered by themselves. */
  pong(data?: unknown, mask?: boolean | Callback, callback?: Callback): void {
    this.control('pong', data, mask, callback);
  }

  /**
   * Start the close handshake. While CONNECTING it abandons the handshake ('error', then
   * 'close' with 1006), as ws does. A reason without a code is dropped, as ws drops it.
   */
  close(code?: number, reason?: string | Buffer): void {
    if (this.readyState === CLOSED) return;
    if (this.core === undefined) return this.abandon();
    if (code === undefined) void this.core.close();
    else void this.core.close(code, reason === undefined ? undefined : reason.toString());
  }

  /** Drop the connection now (while CONNECTING: abandon the handshake). */
  terminate(): void {
    if (this.readyState === CLOSED) return;
    if (this.core === undefined) return this.abandon();
    this.core.terminate();
  }

  // ---- the EventTarget emulation (src/ws/event-target.ts) ------------------------------------

  /** ws's EventTarget emulation: `open`, `message` (text as a string), `close` and `error` events to `handler`; `{ once }`. */
  addEventListener(type: EventType, handler: EventHandler, options?: { once?: boolean }): void {
    addEventListener(this, type, handler, options);
  }

  removeEventListener(type: EventType, handler: EventHandler): void {
    removeEventListener(this, type, handler);
  }

  // onopen, onmessage, onclose, onerror: defined below the class (defineEventAttributes).

  // ---- inside ------------------------------------------------------------------------------

  /** The connection to send on. Throws while CONNECTING (as ws); after a failed handshake the callback gets WS_ERR_NOT_OPEN. */
  private openCore(callback: Callback | undefined): CoreWebSocket | undefined {
    if (this.core !== undefined) return this.core;
    if (this.ownState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (callback !== undefined) process.nextTick(callback, new WebSocketError('WS_ERR_NOT_OPEN', 'the WebSocket is not open'));
    return undefined;
  }

  private control(kind: 'ping' | 'pong', data: unknown, mask: boolean | Callback | undefined, callback: Callback | undefined): void {
    if (typeof data === 'function') {
      callback = data as Callback;
      data = undefined;
    } else if (typeof mask === 'function') {
      callback = mask;
    }
    const core = this.openCore(callback);
    if (core === undefined) return;
    const payload = data === undefined ? undefined : toPayload(data);
    core[kind](typeof payload === 'string' ? Buffer.from(payload) : payload, callback);
  }

  private attach(core: CoreWebSocket): void {
    this.core = core;
    core.on('message', (data: Buffer, isBinary: boolean) => this.emit('message', isBinary ? this.binary(data) : data, isBinary));
    core.on('ping', (payload: Uint8Array) => this.emit('ping', asBuffer(payload)));
    core.on('pong', (payload: Uint8Array) => this.emit('pong', asBuffer(payload)));
    // wsframe's rule, kept here: an 'error' nobody listens to is not thrown (README, "Migrating from ws").
    core.on('error', (error: Error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    core.on('close', (code: number, reason: string, wasClean: boolean) => {
      this.closedCleanly = wasClean;
      this.emit('close', code, Buffer.from(reason));
    });
  }

  private binary(data: Buffer): Buffer | ArrayBuffer | Buffer[] | Blob {
    switch (this.type) {
      case 'nodebuffer':
        return data;
      case 'arraybuffer':
        return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      case 'fragments':
        return [data]; // wsframe assembles a message once, in one buffer
      case 'blob':
        return new Blob([data]);
    }
  }

  private opened(core: CoreWebSocket): void {
    if (this.ownState === CLOSED) {
      core.terminate(); // abandoned while the answer was on its way
      return;
    }
    this.attach(core);
    this.emit('open');
  }

  private failed(error: Error): void {
    if (this.ownState === CLOSED) return;
    this.ownState = CLOSED;
    if (!this.refusalHandled && this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('close', 1006, EMPTY);
  }

  /** close() or terminate() while CONNECTING. */
  private abandon(): void {
    const error = new Error('WebSocket was closed before the connection was established');
    this.abort!.abort(error);
    this.failed(error);
  }

  /**
   * Every HTTP answer to our upgrade request: ws's 'upgrade' and 'unexpected-response'. As in
   * ws, a listener of the latter owns the response (read it, then `request.destroy()`).
   */
  private answered(response: http.IncomingMessage, request: http.ClientRequest, followingRedirects: boolean): boolean {
    const status = response.statusCode ?? 0;
    if (status === 101) {
      this.emit('upgrade', response);
      return false;
    }
    if (followingRedirects && status >= 300 && status < 400 && response.headers.location !== undefined) {
      this.address = new URL(response.headers.location, this.address).href;
      return false;
    }
    if (this.listenerCount('unexpected-response') === 0) return false;
    this.refusalHandled = true;
    this.emit('unexpected-response', request, response);
    return true;
  }
}

/** What 'message' gives for a binary message, by binaryType (text always comes as a Buffer). */
export type RawData = Buffer | ArrayBuffer | Buffer[] | Blob;

export interface WebSocket extends ReadyStateConstants {
  /** The on<event> attributes of ws's EventTarget emulation: setting one replaces the handler set before. */
  onopen: EventHandler | null;
  onmessage: EventHandler | null;
  onclose: EventHandler | null;
  onerror: EventHandler | null;
}
defineReadyStateConstants(WebSocket);
defineEventAttributes(WebSocket);

/** What ws's send/ping/pong accept, as wsframe's send takes it: text, or a byte view without a copy. */
function toPayload(data: unknown): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (typeof data === 'number') return String(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof Blob !== 'undefined' && data instanceof Blob) throw new TypeError('wsframe/ws does not send Blobs: send await blob.arrayBuffer()');
  return Buffer.from(data as string); // arrays and objects Buffer.from accepts; anything else throws its TypeError
}

function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

function stringHeaders(headers: Record<string, string | number | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, typeof value === 'number' ? String(value) : value]));
}
