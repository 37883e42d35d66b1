/**
 * The fragment-level API, modelled on IIS's IWebSocketContext (DESIGN.md has the mapping):
 * the application reads and writes data frames' payloads as they come, never a whole message,
 * so it can stream messages of any size through a fixed buffer.
 */
import type { Transport } from './transport/transport.js';
import { Connection } from './connection/connection.js';
import type { ConnectionEvents, ConnectionSettings, ConnectionState } from './connection/connection.js';
import { WebSocketError } from './protocol/errors.js';
import { ReceiveQueue } from './receive-queue.js';
import type { DeflateCodec } from './extensions/deflate-codec.js';
import { UTF8_INVALID } from './kernels.js';
import { kernels } from './native.js';
import { remoteAddressOf } from './websocket.js';
import { defineReadyStateConstants, readyStateOf } from './api/ready-state.js';
import type { CLOSED, CLOSING, CONNECTING, OPEN, ReadyState, ReadyStateConstants } from './api/ready-state.js';
import type { ClientRegistry, CloseStatus, Handshake, HandshakeInfo } from './websocket.js';

/** What ReadFragment reports (pData/pcbData, pfUTF8Encoded, pfFinalFragment, pfConnectionClose). */
export interface Fragment {
  data: Uint8Array;
  /** The message is text (its pieces are valid UTF-8 so far, but may end inside a character). */
  utf8: boolean;
  /** The last piece of the message. */
  final: boolean;
  /** The peer closed: no data; see getCloseStatus(). */
  connectionClose: boolean;
}

export interface WriteFragmentOptions {
  /** Text (true) or binary (false); only the first fragment of a message decides. Default false. */
  utf8?: boolean;
  /** The last fragment of the message. Default true. */
  final?: boolean;
}

const closeFragment: Fragment = Object.freeze({ data: new Uint8Array(0), utf8: false, final: true, connectionClose: true }) as Fragment;

export class WebSocketContext implements ConnectionEvents {
  // `WebSocketContext.OPEN` etc. (defined below the class, on the class and its prototype).
  declare static readonly CONNECTING: typeof CONNECTING;
  declare static readonly OPEN: typeof OPEN;
  declare static readonly CLOSING: typeof CLOSING;
  declare static readonly CLOSED: typeof CLOSED;

  private readonly connection: Connection;
  private readonly received: ReceiveQueue<Fragment>;
  private readonly pendingWrites = new Set<(error: Error) => void>();
  private writingMessage = false; // a message we write in fragments is unfinished (RFC 6455 §5.4)
  private writingText = false; // …and it is text
  private writeUtf8State = 0; // streaming UTF-8 state of the text message we write
  private failure: WebSocketError | undefined;
  private resolveClosed!: () => void;
  /** Resolves when the TCP connection is gone. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  /** @internal Made by the server or client once the handshake succeeded. */
  constructor(
    transport: Transport,
    settings: ConnectionSettings,
    private readonly info: Handshake,
    private readonly registry?: ClientRegistry,
    deflate?: DeflateCodec,
  ) {
    this.connection = new Connection(transport, settings, this, deflate);
    this.received = new ReceiveQueue(this.connection, settings.maxMessageSize, (fragment) => fragment.data.length);
  }

  /**
   * What the handshake settled, made when asked: `remoteAddress` is read from the socket when
   * first asked ('' if that is after the socket closed), as WebSocket's.
   */
  get handshake(): HandshakeInfo {
    const { protocol, extensions, url, user, address } = this.info;
    return { protocol, extensions, remoteAddress: remoteAddressOf(this.connection.transport, address), url, user };
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** `state` as the standard's number (1 OPEN, 2 CLOSING, 3 CLOSED), as WebSocket's. */
  get readyState(): ReadyState {
    return readyStateOf(this.connection.state);
  }

  get bufferedAmount(): number {
    return this.connection.bufferedAmount;
  }

  /**
   * ReadFragment: the next piece of received payload. With `into`, at most `into.length` bytes
   * are copied there and the rest of the piece stays for the next read (`final` only on the last
   * piece). After the peer's close: `{ connectionClose: true }`. After a protocol error: rejects with it.
   */
  async readFragment(into?: Uint8Array): Promise<Fragment> {
    const fragment = await this.received.take();
    if (into === undefined || fragment.connectionClose || fragment.data.length <= into.length) {
      if (into === undefined || fragment.connectionClose) return fragment;
      into.set(fragment.data);
      return { ...fragment, data: into.subarray(0, fragment.data.length) };
    }
    into.set(fragment.data.subarray(0, into.length));
    this.received.unshift({ ...fragment, data: fragment.data.subarray(into.length) });
    return { data: into, utf8: fragment.utf8, final: false, connectionClose: false };
  }

  /**
   * WriteFragment: send one fragment; resolves when its bytes were handed to the kernel. Text
   * fragments are validated as a stream: a fragment that makes the message invalid UTF-8 is
   * refused (WS_ERR_INVALID_UTF8) and nothing is sent.
   */
  writeFragment(data: Uint8Array, options: WriteFragmentOptions = {}): Promise<void> {
    const final = options.final ?? true;
    const continuing = this.writingMessage;
    const utf8 = continuing ? this.writingText : options.utf8 === true;
    if (this.connection.state !== 'OPEN') return Promise.reject(new WebSocketError('WS_ERR_NOT_OPEN', 'the WebSocket is not open'));
    if (utf8) {
      const state = kernels.validateUtf8(data, continuing ? this.writeUtf8State : 0, final);
      if (state === UTF8_INVALID) return Promise.reject(new WebSocketError('WS_ERR_INVALID_UTF8', 'the fragment is not valid UTF-8'));
      this.writeUtf8State = state;
    }
    return new Promise<void>((resolve, reject) => {
      this.pendingWrites.add(reject);
      const done = (error?: Error | null): void => {
        if (!this.pendingWrites.delete(reject)) return; // cancelled meanwhile
        if (error) reject(error);
        else resolve();
      };
      if (continuing) this.connection.sendContinuation(data, final, done);
      else if (utf8) this.connection.sendText(data, final, done);
      else this.connection.sendBinary(data, final, done);
      this.writingMessage = !final;
      this.writingText = utf8 && !final;
    });
  }

  /** SendConnectionClose: send our close frame; resolves when it was handed to the kernel. */
  sendConnectionClose(code?: number, reason?: string): Promise<void> {
    if (this.connection.state !== 'OPEN') return Promise.resolve();
    return new Promise((resolve) => this.connection.sendClose(code, reason, () => resolve()));
  }

  /** GetCloseStatus: the code and reason of the peer's close frame, undefined until one arrived. */
  getCloseStatus(): CloseStatus | undefined {
    return this.connection.protocol.closeReceived;
  }

  /** CloseTcpConnection: drop TCP now. */
  closeTcpConnection(): void {
    this.connection.terminate();
  }

  /** CancelOutstandingIO: pending reads and writes reject with an AbortError; the connection stays. */
  cancelOutstandingIO(): void {
    const abort = (): Error => new DOMException('the operation was cancelled (cancelOutstandingIO)', 'AbortError');
    this.received.cancelWaiting(abort());
    const writes = [...this.pendingWrites];
    this.pendingWrites.clear();
    for (const reject of writes) reject(abort());
  }

  // ---- ConnectionEvents ------------------------------------------------------------------

  /** @internal The fragment API asks the connection for fragments only. */
  onMessage(): void {}

  /** @internal */
  onFragment(data: Uint8Array, text: boolean, final: boolean): void {
    this.received.push({ data, utf8: text, final, connectionClose: false });
  }

  /** @internal Pongs are sent by the protocol; the fragment API does not surface pings. */
  onPing(): void {}

  /** @internal */
  onPong(): void {}

  /** @internal */
  onClosing(): void {
    this.received.push(closeFragment);
  }

  /** @internal */
  onError(error: WebSocketError): void {
    this.failure ??= error;
  }

  /** @internal After a violation our close frame waits until the fragments before it were read (ReceiveQueue.holdClose). */
  holdFailClose(): boolean {
    this.received.holdClose();
    return true;
  }

  /** @internal */
  onClosed(): void {
    this.received.end(closeFragment, this.connection.protocol.closeReceived === undefined ? this.failure : undefined);
    this.resolveClosed();
    this.registry?.clientClosed(this);
  }

  /** @internal */
  onDrain(): void {}

  /** @internal Deliver the bytes that came with the handshake, then start reading the socket. */
  receiveInitial(head: Uint8Array): void {
    this.connection.start(head);
  }
}

export interface WebSocketContext extends ReadyStateConstants {}
defineReadyStateConstants(WebSocketContext);
