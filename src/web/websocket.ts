/**
 * The WHATWG `WebSocket` (https://websockets.spec.whatwg.org/#the-websocket-interface), the
 * browser's API, over wsframe's own client: `connect()` does the handshake and the core
 * `WebSocket` (src/websocket.ts) the protocol; this file only keeps the standard's state, checks
 * and timing.
 *
 * Timing: the standard has every event "queue a task", so a handler never runs inside the read
 * that delivered its message, and every message event is a task of its own (microtasks run
 * between two of them). Here a task is a `setImmediate`: one per event. The cost against the core
 * API's `'message'` event is measured in bench/RESULTS.md ("wsframe/web").
 */
import { Blob } from 'node:buffer';
import { connect, type ConnectOptions } from '../client.js';
import type { WebSocket as CoreWebSocket } from '../websocket.js';
import { checkCloseArguments, clampUnsignedShort, subprotocolList, toUSVString, webSocketUrl } from './arguments.js';
import { CloseEvent, MessageEvent } from './events.js';

/** What `new WebSocket(url, init)` takes besides subprotocols: the options of wsframe's `connect()`. */
export interface WebSocketInit extends Omit<ConnectOptions, 'protocols' | 'api' | 'signal'> {
  protocols?: string | string[];
}

export type BinaryType = 'blob' | 'arraybuffer';

type Handler<E extends Event = Event> = ((this: WebSocket, event: E) => unknown) | null;
type Listener = (event: Event) => void;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

export class WebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: typeof CONNECTING;
  declare readonly OPEN: typeof OPEN;
  declare readonly CLOSING: typeof CLOSING;
  declare readonly CLOSED: typeof CLOSED;

  readonly #url: string;
  readonly #origin: string;
  #readyState: ReadyState = CONNECTING;
  #protocol = '';
  #extensions = '';
  #binaryType: BinaryType = 'blob';
  #bufferedAmount = 0;
  #core: CoreWebSocket | undefined;
  /** Aborts the handshake when close() is called before it finished. */
  readonly #handshake = new AbortController();
  /** "Fail the WebSocket connection" happened: the close event is preceded by an error event. */
  #failed = false;
  /** While a Blob is read, later sends (and close) wait behind it, so they keep their order. */
  #blobQueue: Promise<void> | undefined;
  /** Tasks queued and not yet run. */
  #tasksPending = 0;
  /**
   * Sends made while tasks are pending, handed to the core WebSocket together after the last
   * one: one write for the replies to everything one read delivered, as the core's message
   * event gets, where a send per task would be a write (a system call) per message.
   */
  #outbox: Array<{ payload: string | Uint8Array; size: number }> = [];
  readonly #handlers = new Map<string, { handler: Handler; listener: Listener }>();

  /**
   * `new WebSocket(url, protocols)` as in a browser; as in undici, the second argument may instead
   * be an object with `protocols` and any of `connect()`'s options (headers, TLS, limits …).
   * Throws a "SyntaxError" DOMException for a URL that is not ws:, wss:, http: or https:, has a
   * fragment, or a subprotocol that is not a token or repeats.
   */
  constructor(url: string | URL, protocols?: string | string[] | WebSocketInit) {
    super();
    this.#url = webSocketUrl(url);
    this.#origin = new URL(this.#url).origin;
    const init: WebSocketInit = isInit(protocols) ? protocols : { protocols };
    const offered = subprotocolList(init.protocols);
    connect(this.#url, { ...init, protocols: offered, api: 'message', signal: this.#handshake.signal }).then(
      (core) => this.#established(core, offered),
      () => this.#handshakeFailed(),
    );
  }

  get url(): string {
    return this.#url;
  }

  get readyState(): ReadyState {
    return this.#readyState;
  }

  /** The subprotocol the server chose, '' before open or when it chose none. */
  get protocol(): string {
    return this.#protocol;
  }

  /** The extensions the server agreed to (Sec-WebSocket-Extensions), '' before open or when none. */
  get extensions(): string {
    return this.#extensions;
  }

  /** Bytes of application data passed to send() and not yet handed to the kernel (no framing). */
  get bufferedAmount(): number {
    return this.#bufferedAmount;
  }

  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  /** WebIDL enum attribute: a value other than 'blob' or 'arraybuffer' is ignored. */
  set binaryType(value: BinaryType) {
    if (value === 'blob' || value === 'arraybuffer') this.#binaryType = value;
  }

  get onopen(): Handler {
    return this.#handler('open');
  }
  set onopen(handler: Handler) {
    this.#setHandler('open', handler);
  }
  get onmessage(): Handler<MessageEvent> {
    return this.#handler('message');
  }
  set onmessage(handler: Handler<MessageEvent>) {
    this.#setHandler('message', handler);
  }
  get onerror(): Handler {
    return this.#handler('error');
  }
  set onerror(handler: Handler) {
    this.#setHandler('error', handler);
  }
  get onclose(): Handler<CloseEvent> {
    return this.#handler('close');
  }
  set onclose(handler: Handler<CloseEvent>) {
    this.#setHandler('close', handler);
  }

  /**
   * Send a text (string, or any other value as its string) or binary (ArrayBuffer, a view of
   * one, Blob) message. Throws an "InvalidStateError" DOMException before open; after close() it
   * sends nothing but still counts the bytes in bufferedAmount, as the standard says.
   */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    if (this.#readyState === CONNECTING) throw new DOMException('the WebSocket is still connecting', 'InvalidStateError');
    let payload: string | Uint8Array | Blob;
    let size: number;
    if (data instanceof ArrayBuffer) {
      payload = new Uint8Array(data);
      size = payload.byteLength;
    } else if (ArrayBuffer.isView(data)) {
      payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      size = payload.byteLength;
    } else if (data instanceof Blob) {
      payload = data;
      size = data.size;
    } else {
      payload = toUSVString(data);
      size = Buffer.byteLength(payload, 'utf8');
    }
    this.#bufferedAmount += size;
    if (this.#readyState !== OPEN) return;
    if (payload instanceof Blob || this.#blobQueue !== undefined) {
      const blob = payload;
      this.#afterBlobs(async () => this.#transmit(blob instanceof Blob ? new Uint8Array(await blob.arrayBuffer()) : blob, size));
      return;
    }
    this.#transmit(payload, size);
  }

  /**
   * Start the closing handshake. Throws an "InvalidAccessError" DOMException for a code other than
   * 1000 or 3000-4999 and a "SyntaxError" one for a reason over 123 bytes of UTF-8. Before open it
   * fails the connection (error, then close with 1006).
   */
  close(code?: number, reason?: string): void {
    // close(undefined, reason) is the two-argument form to Chromium, whose code is then 0: an
    // InvalidAccessError (a close frame's reason cannot go without a code, RFC 6455 §5.5.1).
    const closeCode = code === undefined && reason === undefined ? undefined : clampUnsignedShort(code);
    const closeReason = reason === undefined ? undefined : toUSVString(reason);
    checkCloseArguments(closeCode, closeReason);
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      this.#readyState = CLOSING;
      this.#failed = true;
      if (this.#core !== undefined) this.#core.terminate();
      else this.#handshake.abort();
      return;
    }
    this.#readyState = CLOSING;
    const core = this.#core!;
    const start = (): void => {
      this.#sendOutbox();
      void core.close(closeCode, closeReason);
    };
    if (this.#blobQueue !== undefined) this.#afterBlobs(async () => start());
    else start();
  }

  // ---- the protocol's feedback, each as a task --------------------------------------------

  #established(core: CoreWebSocket, offered: string[]): void {
    this.#core = core;
    core.on('message', (data: Buffer, isBinary: boolean) => this.#queueTask(() => this.#message(data, isBinary)));
    core.on('closing', () => this.#queueTask(() => this.#closingStarted()));
    core.on('error', () => (this.#failed = true));
    core.on('close', (code: number, reason: string, wasClean: boolean) => this.#queueTask(() => this.#closed(code, reason, wasClean)));
    // close() came while connect() was settling: the connection is failed, not opened. So is
    // one where subprotocols were offered and none was chosen (Fetch, "establish a WebSocket
    // connection": an empty Sec-WebSocket-Protocol answer fails it), which RFC 6455 allows.
    if (this.#readyState !== CONNECTING || (offered.length > 0 && core.protocol === '')) {
      this.#failed = true;
      core.terminate();
      return;
    }
    this.#queueTask(() => {
      if (this.#readyState !== CONNECTING) return;
      this.#readyState = OPEN;
      this.#protocol = core.protocol;
      this.#extensions = core.extensions;
      this.dispatchEvent(new Event('open'));
    });
  }

  #handshakeFailed(): void {
    this.#failed = true;
    this.#queueTask(() => this.#closed(1006, '', false));
  }

  #message(data: Buffer, isBinary: boolean): void {
    if (this.#readyState !== OPEN) return;
    let payload: string | ArrayBuffer | Blob;
    if (!isBinary) payload = data.toString('utf8');
    else if (this.#binaryType === 'blob') payload = new Blob([data]);
    else payload = arrayBufferCopy(data);
    this.dispatchEvent(new MessageEvent('message', { data: payload, origin: this.#origin }));
  }

  #closingStarted(): void {
    if (this.#readyState === OPEN) this.#readyState = CLOSING;
  }

  #closed(code: number, reason: string, wasClean: boolean): void {
    this.#readyState = CLOSED;
    if (this.#failed) this.dispatchEvent(new Event('error'));
    this.dispatchEvent(new CloseEvent('close', { wasClean, code, reason }));
  }

  // ---- helpers ----------------------------------------------------------------------------

  #queueTask(task: () => void): void {
    this.#tasksPending++;
    setImmediate(() => {
      try {
        task();
      } finally {
        if (--this.#tasksPending === 0) this.#sendOutbox();
      }
    });
  }

  #transmit(payload: string | Uint8Array, size: number): void {
    this.#outbox.push({ payload, size });
    if (this.#tasksPending === 0) this.#sendOutbox();
  }

  #sendOutbox(): void {
    const outbox = this.#outbox;
    if (outbox.length === 0) return;
    this.#outbox = [];
    const core = this.#core!;
    for (const { payload, size } of outbox) {
      core.send(payload, (error) => {
        if (!error) this.#bufferedAmount -= size;
      });
    }
  }

  #afterBlobs(step: () => Promise<void>): void {
    const queued = (this.#blobQueue ?? Promise.resolve()).then(step).catch(() => this.#core?.terminate());
    this.#blobQueue = queued;
    void queued.then(() => {
      if (this.#blobQueue === queued) this.#blobQueue = undefined;
    });
  }

  #handler<E extends Event>(type: string): Handler<E> {
    return (this.#handlers.get(type)?.handler as Handler<E> | undefined) ?? null;
  }

  /**
   * An event handler IDL attribute: its listener is added when first set, keeps its place while
   * the handler changes, and is removed when set to null (or a non-object).
   */
  #setHandler<E extends Event>(type: string, handler: Handler<E>): void {
    const entry = this.#handlers.get(type);
    if (typeof handler !== 'function' && (typeof handler !== 'object' || handler === null)) {
      if (entry !== undefined) this.removeEventListener(type, entry.listener);
      this.#handlers.delete(type);
      return;
    }
    if (entry !== undefined) {
      entry.handler = handler as Handler;
      return;
    }
    const added = {
      handler: handler as Handler,
      listener: (event: Event): void => {
        if (typeof added.handler === 'function') added.handler.call(this, event);
      },
    };
    this.#handlers.set(type, added);
    this.addEventListener(type, added.listener);
  }
}

for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}

/**
 * A message's bytes in an ArrayBuffer of their own: the Buffer may view a read shared with other
 * messages. Not zero-filled first (ArrayBuffer.prototype.slice is), as every byte is copied over.
 */
function arrayBufferCopy(data: Buffer): ArrayBuffer {
  const copy = Buffer.allocUnsafeSlow(data.byteLength);
  data.copy(copy);
  return copy.buffer as ArrayBuffer;
}

function isInit(value: unknown): value is WebSocketInit {
  return typeof value === 'object' && value !== null && !(Symbol.iterator in value);
}
