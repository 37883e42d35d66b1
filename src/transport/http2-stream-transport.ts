/**
 * A transport over an HTTP/2 stream (RFC 8441): after the extended CONNECT is answered with a
 * 2xx, the stream is the WebSocket's "TCP connection" (RFC 8441 §5), on either side.
 *
 * - Backpressure is HTTP/2 flow control (RFC 9113 §5.2): a paused stream stops taking DATA, so
 *   node:http2 stops returning window to the peer, which must stop sending on this stream; the
 *   session and the other streams go on. Our writes wait in the stream (`writableLength`) while the
 *   peer's window for it is shut.
 * - `end()` is END_STREAM, the FIN of RFC 6455's closing handshake (then RST_STREAM NO_ERROR if the
 *   peer's half is still open); `destroy()` resets the stream
 *   with CANCEL (RFC 9113 §7: "the stream is no longer needed"), the counterpart of dropping TCP.
 * - A peer's END_STREAM is `onEnd`; a reset with an error code (anything but NO_ERROR or CANCEL,
 *   which node:http2 reports as an 'error') is `onError`; either way `onClose` follows.
 */
import { constants, type Http2Stream } from 'node:http2';
import type { Transport, TransportListener, WriteCallback } from './transport.js';
import { writeBatch, type DrainWatcher } from './write-batch.js';

const kTransport = Symbol('wsframe.transport');
type StreamWithTransport = Http2Stream & { [kTransport]: Http2StreamTransport };

export class Http2StreamTransport implements Transport, DrainWatcher {
  get kind(): 'http2' {
    return 'http2';
  }

  /** @internal Read by the shared stream listeners below, and by write-batch.ts (DrainWatcher). */
  listener: TransportListener | undefined;
  /** @internal write-batch.ts (DrainWatcher). */
  watchingDrain = false;
  private peer: string | undefined;

  /** The stream must have its response (server) or have received it (client); it starts paused. */
  constructor(readonly stream: Http2Stream) {
    (stream as StreamWithTransport)[kTransport] = this;
    stream.setTimeout(0);
    // Paused before the 'data' listener goes on, so adding it does not start the flow.
    stream.pause();
    stream.on('data', onStreamData);
    stream.on('end', onStreamEnd);
    stream.on('error', onStreamError);
    stream.on('close', onStreamClose);
    stream.on('drain', onStreamDrain);
  }

  setListener(listener: TransportListener): void {
    this.listener = listener;
  }

  resume(): void {
    this.stream.resume();
  }

  pause(): void {
    this.stream.pause();
  }

  write(chunks: readonly Uint8Array[], callback?: WriteCallback): void {
    writeBatch(this.stream, chunks, callback, this);
  }

  get bufferedAmount(): number {
    return this.stream.writableLength;
  }

  get writable(): boolean {
    return !this.stream.destroyed && this.stream.writable;
  }

  end(callback?: () => void): void {
    const stream = this.stream;
    stream.end(() => {
      // A WebSocket ends its side once the close handshake is done or the connection failed: the
      // peer's half carries nothing more we would read. RST_STREAM(NO_ERROR) after our END_STREAM
      // says so (RFC 9113 §8.1) instead of waiting closeTimeout for a peer that never ends its half.
      if (!stream.destroyed && !stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
      callback?.();
    });
  }

  destroy(): void {
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_CANCEL);
  }

  /**
   * Kept once read, as a net.Socket keeps its peer's (and the native transport its own): the
   * session, and with it the socket, is gone from a closed stream, and an address read while the
   * stream was open (by the access log, or the application) is still the answer in its 'close'.
   */
  remoteAddress(): string {
    return (this.peer ??= this.stream.session?.socket?.remoteAddress) ?? '';
  }
}

// Shared stream listeners: `this` is the stream, its transport hangs off a symbol. Events that
// come before the server handed the transport to a connection have no listener yet and are dropped:
// the server learns of a reset from `stream.destroyed`.
function listenerOf(stream: Http2Stream): TransportListener | undefined {
  return (stream as StreamWithTransport)[kTransport].listener;
}
function onStreamData(this: Http2Stream, chunk: Buffer): void {
  listenerOf(this)?.onData(chunk);
}
function onStreamEnd(this: Http2Stream): void {
  listenerOf(this)?.onEnd();
}
function onStreamError(this: Http2Stream, error: Error): void {
  listenerOf(this)?.onError(error);
}
function onStreamClose(this: Http2Stream): void {
  listenerOf(this)?.onClose();
}
function onStreamDrain(this: Http2Stream): void {
  listenerOf(this)?.onDrain();
}
