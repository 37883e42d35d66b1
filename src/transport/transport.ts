/**
 * The transport layer (DESIGN.md, "transport"): what a connection needs from whatever carries its
 * bytes, and nothing more. A `Connection` talks only to this interface, so the same state machine
 * runs over a `net.Socket` or `tls.TLSSocket` (node-socket-transport.ts), over connections the
 * addon owns on Node's libuv loop, or over an HTTP/2 stream (RFC 8441).
 *
 * Nothing here is socket-specific on purpose: no file descriptors, no Nagle, no half-open
 * options. A carrier sets those up itself before it hands a transport out.
 */

/** Called once all the bytes of a write were handed to the kernel, or with the reason they never will be. */
export type WriteCallback = (error?: Error | null) => void;

/** What a transport tells its owner: the server while it reads a request head, then the Connection. */
export interface TransportListener {
  /**
   * Bytes arrived; the chunk is the listener's to keep (a transport never reuses its memory) —
   * unless the listener called `lendReads`: then the chunk may be lent memory, valid only during
   * this call and what runs right after it (process.nextTick callbacks, promise jobs), and the
   * listener copies what it keeps (lent-memory.ts).
   */
  onData(chunk: Uint8Array): void;
  /** The peer ended its side (TCP FIN; HTTP/2 END_STREAM). */
  onEnd(): void;
  /** The carrier failed (reset, I/O error): the closure will not be clean. `onClose` follows. */
  onError(error: Error): void;
  /** The carrier is gone. Exactly once, and last: no event follows it. */
  onClose(): void;
  /** Everything queued was handed to the kernel (after `bufferedAmount` was above 0). */
  onDrain(): void;
  /** `bytes` more were read into the target given to `readInto` (only listeners that call it get this). */
  onFilled?(bytes: number): void;
}

/** What stands in for a parked connection's listener with its carrier (Transport.park). */
export interface ParkedListener {
  /** The next event for the connection is due (or its application acts): make the listener and its transport again. */
  wake(): void;
}

/** Which carrier a transport is (for diagnostics and tests; a Connection never branches on it). */
export type TransportKind = 'node' | 'native' | 'http2';

export interface Transport {
  readonly kind: TransportKind;
  /** Sets (or replaces) the listener: events go to the newest one. Does not start reading. */
  setListener(listener: TransportListener): void;
  /** Start or resume reading. A transport is handed out paused. */
  resume(): void;
  /** Stop reading; the carrier's own flow control (TCP window, HTTP/2 window) pushes back on the peer. */
  pause(): void;
  /**
   * Where the carrier can, read the next `target.length` bytes straight into `target` (a large
   * payload into its message: no copy) and report them with `onFilled` — at the latest when
   * `target` is full, and at least every `reportEveryMs` while bytes arrive (so they count as
   * activity for an idle timeout as every chunk of `onData` would) — instead of `onData`. The
   * caller keeps `target` as it is until then. False when the carrier cannot (then `onData`
   * goes on). Only the native transport can: a net.Socket or an HTTP/2 stream reads into
   * buffers of its own.
   */
  readInto?(target: Uint8Array, reportEveryMs: number): boolean;
  /**
   * The listener copies whatever it keeps of a chunk past `onData` (see there): the carrier may
   * read into memory it reuses. Only the native transport does; others hand out fresh chunks
   * anyway and need not have it.
   */
  lendReads?(): void;
  /**
   * Write a batch in order, as one write where the carrier can (writev, cork). `callback` runs
   * once all of it was handed to the kernel, or with an error when it never will be.
   */
  write(chunks: readonly Uint8Array[], callback?: WriteCallback): void;
  /** Bytes accepted by `write` and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** False once `end` or `destroy` was called or the carrier closed: a write would be lost. */
  readonly writable: boolean;
  /**
   * End our side once everything queued is written (TCP FIN; HTTP/2 END_STREAM). `callback` runs
   * once that end was sent, or when the carrier closed first.
   */
  end(callback?: () => void): void;
  /** Close now, dropping whatever is queued (TCP close; RST_STREAM). `onClose` follows, asynchronously. */
  destroy(): void;
  /** The peer's address, read when asked; '' when unknown or already gone. */
  remoteAddress(): string;
  /**
   * Where the carrier can keep an idle connection without this object ("parking": the native
   * transport): if nothing is in flight here, stop routing events to the listener, send the next
   * one's arrival to `standIn.wake()` instead, and return a token the carrier makes a transport
   * again from (NativeTransport.unparked); else undefined. The caller drops this object and its listener.
   */
  park?(standIn: ParkedListener): number | undefined;
}
