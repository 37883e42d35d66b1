/**
 * `createWebSocketStream(ws)`: a Node `Duplex` over a message socket (wsframe's `WebSocket`, or
 * `wsframe/ws`'s), for code that pipes. What is written goes out as messages; what arrives
 * comes out of the readable side. Backpressure both ways:
 * - reading: when the readable side's buffer is full (`push` returns false) the socket is paused,
 *   so TCP flow control holds the peer back; `_read` resumes it.
 * - writing: a write completes when its message was handed to the kernel, so the writable
 *   side's `highWaterMark` bounds what waits in memory.
 * `objectMode`: one chunk is one whole message (text as a string, binary as a Buffer; a string
 * written goes as text). Otherwise the readable side is a byte stream and writes go as binary.
 * The peer's close ends the readable side; an error on the socket destroys the stream with it;
 * ending the writable side closes the WebSocket (RFC 6455 close handshake); destroying the
 * stream drops the connection.
 */
import { Duplex } from 'node:stream';
import type { DuplexOptions } from 'node:stream';
import type { EventEmitter } from 'node:events';
import { CLOSED, CONNECTING, OPEN } from './ready-state.js';
import { WebSocketError } from '../protocol/errors.js';

/** What the stream needs of a WebSocket: both wsframe's and `wsframe/ws`'s have it. */
export interface StreamableWebSocket extends EventEmitter {
  readonly readyState: number;
  readonly isPaused: boolean;
  send(data: string | Uint8Array, options: { binary: boolean }, callback: (error?: Error | null) => void): unknown;
  pause(): void;
  resume(): void;
  close(): unknown;
  terminate(): void;
}

export function createWebSocketStream(ws: StreamableWebSocket, options?: DuplexOptions): Duplex {
  const duplex = new Duplex({ objectMode: false, writableObjectMode: false, ...options });
  const objectMode = duplex.readableObjectMode;

  ws.on('message', (data: Buffer | string, isBinary: boolean) => {
    const chunk = !isBinary && objectMode ? data.toString() : data;
    if (!duplex.push(chunk)) ws.pause();
  });
  ws.on('error', (error: Error) => duplex.destroy(error));
  ws.once('close', () => {
    if (!duplex.destroyed) duplex.push(null);
  });

  duplex._read = () => {
    if (ws.readyState === OPEN && ws.isPaused) ws.resume();
  };

  duplex._write = (chunk: Buffer | string, _encoding, callback) => {
    whenOpen(ws, callback, () => ws.send(chunk, { binary: typeof chunk !== 'string' }, callback));
  };

  // Ending the writable side is our half of the close handshake; done when the connection is.
  duplex._final = (callback) => {
    whenOpen(ws, callback, () => {
      if (ws.readyState === CLOSED) return callback();
      ws.once('close', () => callback());
      ws.close();
    });
  };

  duplex._destroy = (error, callback) => {
    if (ws.readyState === CLOSED) return callback(error);
    ws.once('close', () => callback(error));
    ws.terminate();
  };

  return duplex;
}

/** Run `action` once `ws` is no longer connecting (a `wsframe/ws` client may still be); a failed open fails `callback`. */
function whenOpen(ws: StreamableWebSocket, callback: (error?: Error | null) => void, action: () => void): void {
  if (ws.readyState !== CONNECTING) return action();
  const onOpen = (): void => {
    ws.off('close', onClose);
    action();
  };
  const onClose = (): void => {
    ws.off('open', onOpen);
    callback(new WebSocketError('WS_ERR_NOT_OPEN', 'the WebSocket closed before it opened'));
  };
  ws.once('open', onOpen);
  ws.once('close', onClose);
}
