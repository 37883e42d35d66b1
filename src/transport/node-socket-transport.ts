/**
 * A transport over a `net.Socket` or `tls.TLSSocket`: the client's, attached mode's (node:http's
 * upgraded sockets), `handleUpgrade`'s, and the standalone server's with `transport: 'node'` or
 * when the addon did not load.
 *
 * Memory per idle connection matters: the socket's listeners are shared functions that find
 * their transport through a symbol on the socket, not closures per connection.
 */
import type { Socket } from 'node:net';
import type { Transport, TransportListener, WriteCallback } from './transport.js';
import { writeBatch, type DrainWatcher } from './write-batch.js';

const kTransport = Symbol('wsframe.transport');
type SocketWithTransport = Socket & { [kTransport]: NodeSocketTransport };

export class NodeSocketTransport implements Transport, DrainWatcher {
  /** A getter, not a field: nothing more to keep in every idle connection. */
  get kind(): 'node' {
    return 'node';
  }

  /** @internal Read by the shared socket listeners below, and by write-batch.ts (DrainWatcher). */
  listener: TransportListener | undefined;
  /** @internal write-batch.ts (DrainWatcher). */
  watchingDrain = false;
  private reading = false;

  /** The socket must be connected; it is taken over (timeouts off, Nagle off) and starts paused. */
  constructor(readonly socket: Socket) {
    (socket as SocketWithTransport)[kTransport] = this;
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.pause();
  }

  setListener(listener: TransportListener): void {
    if (this.listener === undefined) {
      const socket = this.socket;
      // The peer's FIN is listened for on every socket, although Node ends a socket that does not
      // allow half-open TCP by itself (64 B per idle connection: Node's listener array): only so
      // does the FIN reach the connection, which must then start its close timeout (a peer that
      // sends FIN and stops reading while our output is queued would hold its socket forever).
      socket.on('end', onSocketEnd);
      socket.on('error', onSocketError);
      socket.on('close', onSocketClose);
      socket.on('drain', onSocketDrain);
    }
    this.listener = listener;
  }

  resume(): void {
    if (!this.reading) {
      this.reading = true;
      this.socket.on('data', onSocketData);
    }
    this.socket.resume();
  }

  pause(): void {
    this.socket.pause();
  }

  /** The socket is someone else's from now on (adopt-socket.ts): our listeners leave it. */
  release(): void {
    const socket = this.socket;
    socket.off('data', onSocketData);
    socket.off('end', onSocketEnd);
    socket.off('error', onSocketError);
    socket.off('close', onSocketClose);
    socket.off('drain', onSocketDrain);
    this.listener = undefined;
  }

  write(chunks: readonly Uint8Array[], callback?: WriteCallback): void {
    writeBatch(this.socket, chunks, callback, this);
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  get writable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  end(callback?: () => void): void {
    // Node calls it on 'finish' (our FIN is out) or with an error: either way, the end is done.
    this.socket.end(callback === undefined ? undefined : () => callback());
  }

  destroy(): void {
    this.socket.destroy();
  }

  remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }
}

// Shared socket listeners: `this` is the socket, its transport hangs off a symbol.
function listenerOf(socket: Socket): TransportListener {
  return (socket as SocketWithTransport)[kTransport].listener!;
}
function onSocketData(this: Socket, chunk: Buffer): void {
  listenerOf(this).onData(chunk);
}
function onSocketEnd(this: Socket): void {
  listenerOf(this).onEnd();
}
function onSocketError(this: Socket, error: Error): void {
  listenerOf(this).onError(error);
}
function onSocketClose(this: Socket): void {
  listenerOf(this).onClose();
}
function onSocketDrain(this: Socket): void {
  listenerOf(this).onDrain();
}
