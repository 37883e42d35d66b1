/**
 * Memory a carrier lends rather than gives: bytes valid only until its next read. The native
 * transport reads every chunk of a connection whose application borrows its messages
 * (`borrowedMessages`) into one buffer it reuses, so no read costs fresh memory (bench/RESULTS.md,
 * "Borrowed messages"). The one rule that keeps this safe: whoever keeps such bytes past the
 * call that delivered them copies them first — a queue of messages for a pull reader, ping and
 * pong payloads handed to listeners, a writer that queues instead of handing them to the kernel
 * at once. `kept()` is that copy, and a no-op for every other chunk. (The frame parser keeps
 * copies of what it holds between chunks: split headers, control payloads, messages assembled
 * across reads; and a carrier never pushes a chunk while the connection's parser is busy.)
 */

/** The ArrayBuffers lent: the native transport's reused read buffer. */
const lent = new WeakSet<ArrayBufferLike>();

/** The carrier lends this memory (it reuses it after the call that delivered it). */
export function lend(memory: ArrayBufferLike): void {
  lent.add(memory);
}

/** The view lies in lent memory. */
export function isLent(view: Uint8Array): boolean {
  return lent.has(view.buffer);
}

/** `view` itself, or a copy of it when it lies in lent memory: what may be kept past the call. */
export function kept(view: Buffer): Buffer;
export function kept(view: Uint8Array): Uint8Array;
export function kept(view: Uint8Array): Uint8Array {
  return lent.has(view.buffer) ? Buffer.from(view) : view;
}
