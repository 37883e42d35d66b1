/**
 * The message-level API, modelled on .NET's System.Net.WebSockets.WebSocket:
 * `receive()` (ReceiveAsync), `send`/`sendAsync` (SendAsync), `close()` (CloseAsync), `state`,
 * plus async iteration and Node-style events for those who prefer them.
 *
 * Receiving has two styles; use one per socket:
 * - events: `ws.on('message', (data, isBinary) => …)` — messages are emitted as they arrive;
 * - pull: `await ws.receive()` or `for await (const message of ws)` — messages wait in a queue,
 *   and while more than `receiveBufferLimit` bytes wait the socket is paused (TCP flow control
 *   pushes back on the peer), so a reader that never reads costs bounded memory.
 * Messages that arrived complete before an error are delivered before it: the queue ends with
 * the close, and async iteration yields every message, then ends.
 */
import { EventEmitter } from 'node:events';
import type { ParkedListener, Transport } from './transport/transport.js';
import { NativeTransport } from './transport/native-transport.js';
import { Connection } from './connection/connection.js';
import type { ConnectionEvents, ConnectionSettings, ConnectionState } from './connection/connection.js';
import { ReceiveQueue } from './receive-queue.js';
import type { DeflateCodec } from './extensions/deflate-codec.js';
import type { PreparedMessage } from './protocol/prepared-message.js';
import { WebSocketError } from './protocol/errors.js';
import { kernels } from './native.js';
import { kept } from './transport/lent-memory.js';
import { defineReadyStateConstants, readyStateOf } from './api/ready-state.js';
import type { CLOSED, CLOSING, CONNECTING, OPEN, ReadyState, ReadyStateConstants } from './api/ready-state.js';

export type Message = { type: 'text'; data: string } | { type: 'binary'; data: Buffer };
export type ReceiveResult = Message | { type: 'close'; code: number; reason: string };

export interface CloseStatus {
  code: number;
  reason: string;
}

export interface SendOptions {
  /** Send bytes as a binary message (the default for bytes); `false` sends them as text (they must be UTF-8). */
  binary?: boolean;
  /** With permessage-deflate: `false` sends this message uncompressed. Default true (above the threshold). */
  compress?: boolean;
  /**
   * `false`: this is a fragment and more of the message follows (RFC 6455 §5.4); the sends after
   * it continue the message (their `binary` is ignored) until one without `fin: false`. A
   * fragmented message goes uncompressed. Default true.
   */
  fin?: boolean;
}

/** What the server or client learned during the handshake. */
export interface HandshakeInfo {
  /** The negotiated subprotocol, '' when none. */
  protocol: string;
  /** The negotiated extensions as sent in Sec-WebSocket-Extensions, '' when none. */
  extensions: string;
  /**
   * The peer's address (X-Forwarded-For's first hop when the server trusts a proxy). Read from
   * the socket when first asked (Node keeps it from then on): asked first after the socket
   * closed, it is ''. To have it after the close, read it in the 'connection' listener.
   */
  remoteAddress: string;
  /** The request path and query. */
  url: string;
  /** Whatever the server's verify hook attached (the authenticated user), else undefined. */
  user: unknown;
}

/**
 * @internal What the server or client hand to a new WebSocket or WebSocketContext: the peer's
 * address is not read yet. Reading it makes Node keep an object and two strings on the socket
 * (~90 B per idle connection; bench/RESULTS.md, "Idle connections"), so only who asks pays.
 */
export interface Handshake extends Omit<HandshakeInfo, 'remoteAddress'> {
  /**
   * The address `remoteAddress` answers without asking the socket: X-Forwarded-For's first hop
   * (the server trusts a proxy and the request named one), or the peer's, when the server read
   * it already (its access log). A parked WebSocket's socket object is made again, and one made
   * after the close knows no address: what was read must be kept here.
   */
  address: string | undefined;
}

/** @internal HandshakeInfo.remoteAddress. */
export function remoteAddressOf(transport: Transport, known: string | undefined): string {
  return known ?? transport.remoteAddress();
}

type SendCallback = (error?: Error | null) => void;

/** @internal Who keeps the set of open connections (the server): told once when one is gone. */
export interface ClientRegistry {
  clientClosed(client: object): void;
  /** The settings its connections were made with (a parked WebSocket makes its Connection again with them). */
  readonly connectionSettings: ConnectionSettings;
  /** A parked WebSocket was woken (it parks only through its registry's sweep). */
  woke(ws: WebSocket): void;
}

/**
 * EventEmitter, constructed without `EventEmitter.init`: that makes every emitter a listener
 * table of its own, `{ __proto__: null }`, which V8 keeps in dictionary mode (~200 B, made on
 * every connection opened and thrown away at once), plus two own symbol-keyed fields (16 B in
 * every idle connection; bench/RESULTS.md, "Opening: the common handshake in the addon"). Here
 * the table is one fast object with the three events nearly every application listens to (48 B;
 * 'ping', 'pong' or 'drain' added later go to its property store and it stays fast), as Node's
 * own streams pre-shape theirs; the two symbols are read from EventEmitter.prototype, whose
 * values init would have copied (captureRejections included). Everything else is EventEmitter's
 * own prototype, unchanged: `instanceof EventEmitter`, `on`, `emit`, `events.once` …
 */
const PreShapedEventEmitter = function (this: { _events: object; _eventsCount: number; _maxListeners: number | undefined }) {
  this._events = { message: undefined, close: undefined, error: undefined };
  this._eventsCount = 0;
  this._maxListeners = undefined;
} as unknown as typeof EventEmitter;
PreShapedEventEmitter.prototype = EventEmitter.prototype;
Object.setPrototypeOf(PreShapedEventEmitter, EventEmitter); // its static members too (`WebSocket.once` …)

export class WebSocket extends PreShapedEventEmitter implements ConnectionEvents, ParkedListener {
  // `WebSocket.OPEN` etc. (defined below the class, on the class and its prototype).
  declare static readonly CONNECTING: typeof CONNECTING;
  declare static readonly OPEN: typeof OPEN;
  declare static readonly CLOSING: typeof CLOSING;
  declare static readonly CLOSED: typeof CLOSED;

  /**
   * What the handshake settled (HandshakeInfo): in the usual case — no subprotocol, extension or
   * user — only the request's path and query, one field rather than four in every idle
   * connection (bench/RESULTS.md, "Parking"); else all of it.
   */
  private readonly handshake: string | Handshake;

  /** X-Forwarded-For's first hop (a trusted proxy), else the peer's address once read. */
  private address: string | undefined;
  /**
   * The Connection; while the WebSocket is parked (park: a server's idle connection on the
   * native transport), the native transport's token to make it again from (wake).
   */
  private connection: Connection | number;
  /**
   * The pull reader's queue, made on first use (an application that receives with events never
   * pays for it); before that, the error reported, if any (the queue ends with it). One field
   * for both: 8 B in every idle connection.
   */
  private received: ReceiveQueue<ReceiveResult> | WebSocketError | undefined;

  /**
   * @internal Made by the server or client once the handshake succeeded. `parked`: the server's
   * connection has nothing to do yet (no bytes after the head, no extension, a registry that
   * parks: WebSocketServer.open) and its transport reads already: it starts parked, if the
   * transport agrees, and its Connection is made by its first event or call (wake), not now.
   */
  constructor(
    transport: Transport,
    settings: ConnectionSettings,
    info: Handshake,
    private readonly registry?: ClientRegistry,
    deflate?: DeflateCodec,
    parked = false,
  ) {
    super();
    this.handshake = info.protocol === '' && info.extensions === '' && info.user === undefined ? info.url : info;
    this.address = info.address;
    this.connection = (parked ? transport.park?.(this) : undefined) ?? new Connection(transport, settings, this, deflate);
  }

  /** The negotiated subprotocol, '' when none. */
  get protocol(): string {
    const handshake = this.handshake;
    return typeof handshake === 'string' ? '' : handshake.protocol;
  }

  /** The negotiated extensions as sent in Sec-WebSocket-Extensions, '' when none. */
  get extensions(): string {
    const handshake = this.handshake;
    return typeof handshake === 'string' ? '' : handshake.extensions;
  }

  /** The request path and query (a client: the URL it connected to). */
  get url(): string {
    const handshake = this.handshake;
    return typeof handshake === 'string' ? handshake : handshake.url;
  }

  /** Whatever the server's verify hook attached (the authenticated user), else undefined. */
  get user(): unknown {
    const handshake = this.handshake;
    return typeof handshake === 'string' ? undefined : handshake.user;
  }

  /** The pre-shaped listener table keeps names without listeners: list only those with some. */
  override eventNames(): (string | symbol)[] {
    return super.eventNames().filter((name) => this.listenerCount(name) > 0);
  }

  /**
   * The peer's address (X-Forwarded-For's first hop when the server trusts a proxy), read from
   * the socket when first asked; '' when first asked after the socket closed (read it in the
   * 'connection' listener to keep it).
   */
  get remoteAddress(): string {
    // Kept once read: the transport object that read it may be parked and made again.
    return (this.address ??= this.wake().transport.remoteAddress());
  }

  /** 'OPEN', 'CLOSING' (a close frame went one way) or 'CLOSED'. */
  get state(): ConnectionState {
    const connection = this.connection;
    return typeof connection === 'number' ? 'OPEN' : connection.state;
  }

  /** `state` as the standard's number: 1 (OPEN), 2 (CLOSING) or 3 (CLOSED); compare with `WebSocket.OPEN`. */
  get readyState(): ReadyState {
    return readyStateOf(this.state);
  }

  /** Bytes accepted by send() and not yet handed to the kernel. */
  get bufferedAmount(): number {
    const connection = this.connection;
    return typeof connection === 'number' ? 0 : connection.bufferedAmount;
  }

  /**
   * Stop reading the socket (TCP flow control then holds the peer back). Messages already read
   * (the rest of the socket read being parsed) are still delivered. A no-op once CLOSED.
   */
  pause(): void {
    if (this.state !== 'CLOSED') this.wake().pauseReading();
  }

  /** Read the socket again after pause(). */
  resume(): void {
    if (this.state !== 'CLOSED') this.wake().resumeReading();
  }

  /** pause() is in force. */
  get isPaused(): boolean {
    const connection = this.connection;
    return typeof connection !== 'number' && connection.readingPaused;
  }

  /** Round-trip time of the last answered heartbeat ping (ms), when `pingInterval` is on. */
  get rtt(): number | undefined {
    const connection = this.connection;
    return typeof connection === 'number' ? undefined : connection.rtt; // no heartbeats: never parked
  }

  /** What the peer's close frame said (1005 when it had no code), or undefined if none arrived. */
  getCloseStatus(): CloseStatus | undefined {
    const connection = this.connection;
    return typeof connection === 'number' ? undefined : connection.protocol.closeReceived;
  }

  // ---- parking ---------------------------------------------------------------------------

  /**
   * @internal The server parks its idle WebSockets now and then (WebSocketServer): one with no
   * pull reader and no error reported holds nothing else, so, where its connection agrees
   * (Connection.park: at rest, on a carrier that parks), it keeps only the carrier's token and
   * lets the Connection, its Protocol and the transport object go (bench/RESULTS.md, "Parking").
   * The next event or call makes them again (wake). True if it is parked now.
   */
  park(): boolean {
    const connection = this.connection;
    if (typeof connection === 'number') return true;
    if (this.registry === undefined || this.received !== undefined) return false;
    const token = connection.park(this);
    if (token === undefined) return false;
    this.connection = token;
    return true;
  }

  /** @internal Parked now (its Connection let go until the next event or call). */
  get parked(): boolean {
    return typeof this.connection === 'number';
  }

  /**
   * @internal ParkedListener: an event for the parked connection, or a call that needs it: make
   * it again. Returns the Connection (every call on the connection goes through here).
   */
  wake(): Connection {
    const token = this.connection;
    if (typeof token !== 'number') return token;
    const registry = this.registry!;
    const connection = new Connection(NativeTransport.unparked(token), registry.connectionSettings, this);
    this.connection = connection;
    registry.woke(this);
    return connection;
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Queue a message: a string goes as text, bytes as binary (or as text with `{ binary: false }`).
   * Returns false once `bufferedAmount` passed the high-water mark (wait for 'drain'), like
   * `stream.write`. The callback runs when the bytes were handed to the kernel, or with an error.
   * Never throws for a closed socket: the callback gets WS_ERR_NOT_OPEN.
   */
  send(data: string | Uint8Array | ArrayBuffer, options?: SendOptions | SendCallback, callback?: SendCallback): boolean {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const connection = this.wake();
    if (connection.state !== 'OPEN') return notSent(callback);
    const compress = options?.compress !== false;
    const final = options?.fin !== false;
    if (connection.protocol.sendingFragmented) {
      return connection.sendContinuation(typeof data === 'string' ? Buffer.from(data) : toBytes(data), final, callback);
    }
    if (typeof data === 'string') return connection.sendText(data, final, callback, compress);
    const bytes = toBytes(data);
    if (options?.binary === false) {
      if (!kernels.isValidUtf8(bytes)) throw new WebSocketError('WS_ERR_INVALID_UTF8', 'text to send is not valid UTF-8');
      return connection.sendText(bytes, final, callback, compress);
    }
    return connection.sendBinary(bytes, final, callback, compress);
  }

  /** @internal A message framed once for many sockets (WebSocketCollection.broadcast); false when not open. */
  sendPrepared(message: PreparedMessage, compress = true): boolean {
    const connection = this.wake();
    if (connection.state !== 'OPEN') return false;
    connection.sendPrepared(message, compress);
    return true;
  }

  /** `send`, as a promise that resolves when the bytes were handed to the kernel (SendAsync). */
  sendAsync(data: string | Uint8Array | ArrayBuffer, options?: SendOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.send(data, options ?? {}, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Send a ping (RFC 6455 §5.5.2); the 'pong' event reports the answer. The callback runs when
   * the frame was handed to the kernel, or with WS_ERR_NOT_OPEN.
   */
  ping(payload?: Uint8Array | string, callback?: SendCallback): boolean {
    const connection = this.wake();
    if (connection.state !== 'OPEN') return notSent(callback);
    return connection.sendPing(typeof payload === 'string' ? Buffer.from(payload) : payload, callback);
  }

  /** Send an unsolicited pong (RFC 6455 §5.5.3: a unidirectional heartbeat); pings are answered by themselves. */
  pong(payload?: Uint8Array | string, callback?: SendCallback): boolean {
    const connection = this.wake();
    if (connection.state !== 'OPEN') return notSent(callback);
    return connection.sendPong(typeof payload === 'string' ? Buffer.from(payload) : payload, callback);
  }

  /** Start the close handshake (CloseAsync); resolves once the connection is closed. */
  close(code?: number, reason?: string): Promise<void> {
    const connection = this.wake();
    const closed = connection.state === 'CLOSED' ? Promise.resolve() : this.closedPromise();
    connection.sendClose(code, reason);
    return closed;
  }

  /** Drop the TCP connection now, without a close handshake. */
  terminate(): void {
    this.wake().terminate();
  }

  private closedPromise(): Promise<void> {
    return new Promise((resolve) => this.once('close', () => resolve()));
  }

  // ---- receiving -------------------------------------------------------------------------

  /**
   * The next message (ReceiveAsync). After the connection closed it resolves
   * `{ type: 'close', code, reason }`; after a protocol error it rejects with that error
   * (once every message that arrived before it has been received).
   */
  receive(): Promise<ReceiveResult> {
    return this.queue().take();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    for (;;) {
      let next: ReceiveResult;
      try {
        next = await this.receive();
      } catch {
        return; // the error was reported through 'error' and the close code; iteration just ends
      }
      if (next.type === 'close') return;
      yield next;
    }
  }

  private queue(): ReceiveQueue<ReceiveResult> {
    const received = this.received;
    if (received instanceof ReceiveQueue) return received;
    const connection = this.wake();
    const queue = new ReceiveQueue<ReceiveResult>(connection, connection.receiveLimit, sizeOfResult);
    if (received !== undefined) queue.failed(received);
    return (this.received = queue);
  }

  // ---- ConnectionEvents ------------------------------------------------------------------

  /** @internal */
  onMessage(data: Uint8Array, text: boolean): void {
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.listenerCount('message') > 0) {
      this.emit('message', buffer, !text);
      return;
    }
    // Queued for a pull reader: past this call, so never lent memory (borrowedMessages).
    this.queue().push(text ? { type: 'text', data: buffer.toString('utf8') } : { type: 'binary', data: kept(buffer) });
  }

  /** @internal The message API asks the connection for whole messages only. */
  onFragment(): void {}

  /** @internal */
  onPing(payload: Uint8Array): void {
    this.emit('ping', payload);
  }

  /** @internal */
  onPong(payload: Uint8Array): void {
    this.emit('pong', payload);
  }

  /** @internal The peer's close frame arrived ('closing'); getCloseStatus() reads it from the protocol. */
  onClosing(): void {
    this.emit('closing');
  }

  /** @internal */
  onError(error: WebSocketError): void {
    const received = this.received;
    if (received instanceof ReceiveQueue) received.failed(error);
    else this.received ??= error;
    // An 'error' event without a listener would throw; the error stays visible through
    // receive(), the close code and getCloseStatus, so nobody has to listen.
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /**
   * @internal A pull reader (receive(), for await) answers messages after they were delivered:
   * after a violation our close frame waits until it took them (ReceiveQueue.holdClose). A
   * 'message' listener has answered already, during the parse.
   */
  holdFailClose(): boolean {
    const received = this.received;
    if (!(received instanceof ReceiveQueue) || this.listenerCount('message') > 0) return false;
    received.holdClose();
    return true;
  }

  /** @internal */
  onClosed(code: number, reason: string, wasClean: boolean): void {
    const queue = this.queue();
    queue.end({ type: 'close', code, reason }, queue.failure);
    this.registry?.clientClosed(this);
    this.emit('close', code, reason, wasClean);
  }

  /** @internal */
  onDrain(): void {
    this.emit('drain');
  }

  /**
   * @internal Deliver the bytes that came with the handshake, then start reading the socket. One
   * still parked since it opened has none and reads already.
   */
  receiveInitial(head: Uint8Array): void {
    const connection = this.connection;
    if (typeof connection !== 'number') connection.start(head);
  }
}

export interface WebSocket extends ReadyStateConstants {}
defineReadyStateConstants(WebSocket);

function sizeOfResult(result: ReceiveResult): number {
  if (result.type === 'binary') return result.data.length;
  return result.type === 'text' ? result.data.length : 0; // UTF-16 units: close enough, and O(1)
}

function toBytes(data: Uint8Array | ArrayBuffer): Uint8Array {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** A send on a socket that is not open: false, and the callback (if any) gets WS_ERR_NOT_OPEN. */
function notSent(callback: SendCallback | undefined): false {
  if (callback !== undefined) process.nextTick(callback, new WebSocketError('WS_ERR_NOT_OPEN', 'the WebSocket is not open'));
  return false;
}
