/**
 * A batch of chunks written to a Node stream as one write: corked, so a socket hands them to the
 * kernel with one writev and an Http2Stream to nghttp2 together (as few DATA frames as fit).
 * Shared by the transports over Node streams (net/tls sockets, HTTP/2 streams).
 */
import type { Writable } from 'node:stream';
import type { TransportListener, WriteCallback } from './transport.js';
import { kept } from './lent-memory.js';

/** What writeBatch needs of the transport that owns the stream (see watchDrain). */
export interface DrainWatcher {
  /** An empty write waits behind the queue (one at a time per stream). */
  watchingDrain: boolean;
  /** Told onDrain when the queue emptied with no 'drain' from Node. */
  readonly listener: TransportListener | undefined;
}

// A stream keeps what it cannot write at once: lent bytes (a message borrowed from a native
// connection, sent on) are copied first (lent-memory.ts).
export function writeBatch(stream: Writable, chunks: readonly Uint8Array[], callback: WriteCallback | undefined, owner: DrainWatcher): void {
  const last = chunks.length - 1;
  if (last < 0) {
    if (callback !== undefined) queueMicrotask(callback);
    return;
  }
  if (last > 0) stream.cork();
  for (let i = 0; i < last; i++) stream.write(kept(chunks[i]!));
  stream.write(kept(chunks[last]!), callback);
  if (last > 0) stream.uncork();
  if (!owner.watchingDrain) watchDrain(stream, owner);
}

/**
 * Keeps the Transport's promise of onDrain (transport.ts: "everything queued was handed to the
 * kernel, after bufferedAmount was above 0"), which a Node stream alone does not: Node emits
 * 'drain' only after a write found the queue at the stream's high-water mark (16 KiB), and a
 * queue left under it empties without a word. A server whose output passed a smaller
 * receiveBufferLimit (it stops reading until the drain), a client holding its pongs, or an
 * application whose highWaterMark is under the stream's would wait forever. So when a batch
 * leaves bytes queued and no 'drain' is due, an empty write goes in behind them: a Writable runs
 * its callback once everything before it was handed on.
 */
function watchDrain(stream: Writable, owner: DrainWatcher): void {
  // Once ended nothing more may be written, and nobody waits for a drain of a closing stream.
  if (stream.writableLength === 0 || stream.writableNeedDrain || stream.writableEnded || stream.destroyed) return;
  owner.watchingDrain = true;
  stream.write(EMPTY, (error) => {
    owner.watchingDrain = false;
    if (error != null || stream.destroyed) return;
    // Bytes written after the marker: a 'drain' is due for them, or the next marker goes behind them.
    if (stream.writableLength === 0) owner.listener?.onDrain();
    else watchDrain(stream, owner);
  });
}

const EMPTY = new Uint8Array(0);
