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

import type { MessageMemory } from '../protocol/frame-parser.js';

/** The ArrayBuffers lent: the native transport's reused read buffer, and the message buffers below. */
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

/** Messages shorter than this are assembled in fresh memory: Node's allocator pools small Buffers anyway. */
const MIN_POOLED = 64 * 1024;
/** What the pool keeps for later, at most: a burst of large messages does not pin memory beyond it. */
const MAX_POOLED_BUFFERS = 8;
const MAX_POOLED_BYTES = 32 * 1024 * 1024;

/**
 * The buffers of messages assembled across frames or reads (a large message, read straight into
 * its buffer: Transport.readInto) when they are lent: one process-wide pool, so a 1 MiB echo does
 * not fault in 1 MiB of fresh pages per message (bench/RESULTS.md, "Borrowed messages"). A
 * delivered buffer is lent again only after `settle()`, which the connection calls once the
 * bytes it read were handled and what its listeners sent was handed to its transport (which
 * copies what it keeps). Connections never parse inside one another's delivery, so buffers
 * delivered before a settle are all free after it.
 */
class LentMessagePool implements MessageMemory {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  private readonly settling: Buffer[] = [];

  take(size: number): Uint8Array {
    if (size < MIN_POOLED) return Buffer.allocUnsafe(size);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i]!.length;
      if (length >= size && (best < 0 || length < this.free[best]!.length)) best = i;
    }
    if (best >= 0) {
      const buffer = this.free.splice(best, 1)[0]!;
      this.freeBytes -= buffer.length;
      return buffer;
    }
    const buffer = Buffer.allocUnsafeSlow(size);
    lend(buffer.buffer);
    return buffer;
  }

  delivered(buffer: Uint8Array): void {
    if (isLent(buffer)) this.settling.push(buffer as Buffer);
  }

  /** The deliveries so far are over: their buffers may be lent again. */
  settle(): void {
    for (const buffer of this.settling) {
      if (this.free.length < MAX_POOLED_BUFFERS && this.freeBytes + buffer.length <= MAX_POOLED_BYTES) {
        this.free.push(buffer);
        this.freeBytes += buffer.length;
      }
    }
    this.settling.length = 0;
  }

  /** Bytes kept for later (a diagnostic; tests read it). */
  get pooledBytes(): number {
    return this.freeBytes;
  }
}

/** The one pool of lent message buffers (JavaScript is single-threaded: no sharing between workers). */
export const lentMessages = new LentMessagePool();
