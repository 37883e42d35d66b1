/**
 * `WebSocketStream` as Chromium and undici ship it (the WICG explainer,
 * https://github.com/ricea/websocketstream-explainer): a WebSocket as a pair of WHATWG streams.
 *
 *   const wss = new WebSocketStream(url, { protocols, signal });
 *   const { readable, writable, protocol, extensions } = await wss.opened;
 *   const { closeCode, reason } = await wss.closed;
 *   wss.close({ closeCode, reason });
 *
 * Backpressure reaches the socket both ways. Reading: the readable pulls from the core
 * WebSocket's `receive()`, whose queue pauses the socket once more than `receiveBufferLimit`
 * bytes wait (src/receive-queue.ts), so a reader that stops reading stops the socket being read
 * and TCP stalls the peer. Writing: a write resolves when its frame was handed to the kernel
 * (`sendAsync`), so the writable's queue fills while the peer does not read.
 */
import { connect, type ConnectOptions } from '../client.js';
import type { WebSocket as CoreWebSocket } from '../websocket.js';
import { subprotocolList, toUSVString, webSocketUrl } from './arguments.js';
import { WebSocketError, closeInfoArguments, type WebSocketCloseInfo } from './websocket-error.js';

export interface WebSocketStreamOptions extends Omit<ConnectOptions, 'protocols' | 'api' | 'signal'> {
  protocols?: string[];
  /** Aborting it before the connection opened fails it: `opened` and `closed` reject with its reason. */
  signal?: AbortSignal;
}

export interface WebSocketOpenInfo {
  /** Messages: a string for text, a Uint8Array for binary. */
  readable: ReadableStream<string | Uint8Array>;
  /** Takes strings (text messages) and ArrayBuffers or views (binary); anything else goes as its string. */
  writable: WritableStream<string | ArrayBuffer | ArrayBufferView>;
  protocol: string;
  extensions: string;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A rejection nobody awaits is not an unhandled rejection (a browser would only log it):
  // `await wss.closed` still gets it.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export class WebSocketStream {
  readonly #url: string;
  readonly #opened = deferred<WebSocketOpenInfo>();
  readonly #closed = deferred<Required<WebSocketCloseInfo>>();
  readonly #handshake = new AbortController();
  #core: CoreWebSocket | undefined;
  /** close() was called (or the writable closed): the closing handshake is started or due. */
  #closing = false;
  #handshakeAborted = false;
  /** How the connection ended, for the readable's end (set by the core's 'close' event). */
  #ending: { code: number; reason: string; wasClean: boolean } | undefined;
  #writableController: WritableStreamDefaultController | undefined;
  /** Removes the listener on the caller's signal, which only matters until the handshake ends. */
  #forgetSignal: () => void = () => {};

  /** Throws a "SyntaxError" DOMException for a bad URL or subprotocol list, as `new WebSocket()` does. */
  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    this.#url = webSocketUrl(url);
    const protocols = subprotocolList(options.protocols);
    const { signal, ...rest } = options;
    if (signal?.aborted) {
      this.#opened.reject(signal.reason);
      this.#closed.reject(signal.reason);
      return;
    }
    if (signal !== undefined) {
      const onAbort = (): void => this.#abortHandshake(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#forgetSignal = () => signal.removeEventListener('abort', onAbort);
    }
    connect(this.#url, { ...rest, protocols, api: 'message', signal: this.#handshake.signal }).then(
      (core) => this.#established(core, protocols),
      (error: Error) => this.#neverOpened(error),
    );
  }

  get url(): string {
    return this.#url;
  }

  /** Resolves with the streams, the subprotocol and the extensions once the handshake succeeded. */
  get opened(): Promise<WebSocketOpenInfo> {
    return this.#opened.promise;
  }

  /** Resolves with `{ closeCode, reason }` after a clean close; rejects with a WebSocketError otherwise. */
  get closed(): Promise<Required<WebSocketCloseInfo>> {
    return this.#closed.promise;
  }

  /**
   * Start the closing handshake with `closeCode` (1000 or 3000-4999, else an "InvalidAccessError"
   * DOMException) and `reason` (at most 123 bytes, else a "SyntaxError"); a reason without a code
   * goes with 1000. Before open it fails the connection.
   */
  close(closeInfo?: WebSocketCloseInfo): void {
    const { code, reason } = closeInfoArguments(closeInfo);
    this.#close(code, reason);
  }

  #close(code: number | undefined, reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#core === undefined) this.#handshake.abort();
    else if (this.#core.state === 'OPEN') void this.#core.close(code, code === undefined ? undefined : reason);
  }

  /** What writable.abort(reason) and readable.cancel(reason) do: close with a WebSocketError's code, if one is given. */
  #closeUsingReason(reason: unknown): void {
    if (reason instanceof WebSocketError && reason.closeCode !== null) this.#close(reason.closeCode, reason.reason);
    else this.#close(undefined, '');
  }

  #abortHandshake(reason: unknown): void {
    if (this.#core !== undefined || this.#ending !== undefined) return;
    this.#handshakeAborted = true;
    this.#closing = true;
    this.#handshake.abort();
    this.#opened.reject(reason);
    this.#closed.reject(reason);
  }

  #neverOpened(error: Error): void {
    this.#forgetSignal();
    if (this.#handshakeAborted) return;
    this.#ending = { code: 1006, reason: '', wasClean: false };
    this.#failedToOpen(error.message);
  }

  /** As Chromium: `opened` rejects with a WebSocketError without a code, `closed` with 1006. */
  #failedToOpen(why: string): void {
    this.#opened.reject(new WebSocketError(`the WebSocket connection was not established: ${why}`));
    this.#closed.reject(WebSocketError.fromClosure(`the WebSocket connection was not established: ${why}`, 1006, ''));
  }

  #established(core: CoreWebSocket, offered: string[]): void {
    this.#forgetSignal();
    this.#core = core;
    core.on('close', (code: number, reason: string, wasClean: boolean) => this.#ended(code, reason, wasClean));
    // close() or the signal came while connect() was settling, or subprotocols were offered and
    // none was chosen (as for the WebSocket, src/web/websocket.ts): fail the connection.
    if (this.#closing || (offered.length > 0 && core.protocol === '')) {
      this.#closing = true;
      core.terminate();
      return;
    }
    const readable = new ReadableStream<string | Uint8Array>({
      pull: (controller) => this.#pull(core, controller),
      cancel: (reason) => this.#closeUsingReason(reason),
    });
    const writable = new WritableStream<string | ArrayBuffer | ArrayBufferView>({
      start: (controller) => {
        this.#writableController = controller;
      },
      write: (chunk) => this.#write(core, chunk),
      close: () => this.#close(undefined, ''),
      abort: (reason) => this.#closeUsingReason(reason),
    });
    this.#opened.resolve({ readable, writable, protocol: core.protocol, extensions: core.extensions });
  }

  /**
   * One message into the readable. Messages wait in the core WebSocket's queue until pulled,
   * so its limit pauses the socket; every message that arrived before the end is read first.
   */
  async #pull(core: CoreWebSocket, controller: ReadableStreamDefaultController<string | Uint8Array>): Promise<void> {
    let next;
    try {
      next = await core.receive();
    } catch {
      next = undefined; // a protocol error: the connection's end (below) says how it closed
    }
    if (next !== undefined && next.type !== 'close') {
      controller.enqueue(next.type === 'text' ? next.data : new Uint8Array(next.data.buffer, next.data.byteOffset, next.data.byteLength));
      return;
    }
    const ending = this.#ending!;
    if (ending.wasClean) controller.close();
    else controller.error(WebSocketError.fromClosure('the WebSocket connection closed uncleanly', ending.code, ending.reason));
  }

  #write(core: CoreWebSocket, chunk: string | ArrayBuffer | ArrayBufferView): Promise<void> {
    let data: string | Uint8Array;
    if (typeof chunk === 'string') data = toUSVString(chunk);
    else if (chunk instanceof ArrayBuffer) data = new Uint8Array(chunk);
    else if (ArrayBuffer.isView(chunk)) data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else data = toUSVString(chunk); // anything else as text, as the standard converts it
    if (this.#closing || core.state !== 'OPEN') {
      return Promise.reject(new DOMException('the WebSocketStream is closing', 'InvalidStateError'));
    }
    return core.sendAsync(data);
  }

  #ended(code: number, reason: string, wasClean: boolean): void {
    this.#ending = { code, reason, wasClean };
    if (this.#handshakeAborted) return;
    if (this.#writableController === undefined) {
      // Failed before it opened: close() while connect() settled, or no subprotocol chosen.
      this.#failedToOpen(this.#core?.protocol === '' ? 'no subprotocol was chosen' : 'closed while connecting');
      return;
    }
    if (wasClean) {
      this.#writableController.error(new DOMException('a closed WebSocketStream cannot be written to', 'InvalidStateError'));
      this.#closed.resolve({ closeCode: code, reason });
      return;
    }
    const error = WebSocketError.fromClosure('the WebSocket connection closed uncleanly', code, reason);
    this.#writableController.error(error);
    this.#closed.reject(error);
  }
}
