/**
 * A batch of chunks written to a Node stream as one write: corked, so a socket hands them to the
 * kernel with one writev and an Http2Stream to nghttp2 together (as few DATA frames as fit).
 * Shared by the transports over Node streams (net/tls sockets, HTTP/2 streams).
 */
import type { Writable } from 'node:stream';
import type { WriteCallback } from './transport.js';
import { kept } from './lent-memory.js';

// A stream keeps what it cannot write at once: lent bytes (a message borrowed from a native
// connection, sent on) are copied first (lent-memory.ts).
export function writeBatch(stream: Writable, chunks: readonly Uint8Array[], callback?: WriteCallback): void {
  const last = chunks.length - 1;
  if (last < 0) {
    if (callback !== undefined) queueMicrotask(callback);
    return;
  }
  if (last > 0) stream.cork();
  for (let i = 0; i < last; i++) stream.write(kept(chunks[i]!));
  stream.write(kept(chunks[last]!), callback);
  if (last > 0) stream.uncork();
}
