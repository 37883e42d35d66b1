/**
 * What both pull APIs (WebSocket.receive, WebSocketContext.readFragment) share: received items
 * wait here until the application asks, and while more than `limit` bytes wait the socket is
 * paused, so TCP flow control pushes back on a peer that sends faster than the application
 * reads (DESIGN.md: backpressure both ways). The queue ends with one terminal item — or an
 * error — that every later take gets, after the items that arrived before it.
 */
import type { Connection } from './connection/connection.js';

/**
 * What a waiting item costs besides its data (the object that holds it), counted against the
 * limit so that a flood of empty messages or fragments pauses the socket too: at most
 * limit / 64 items wait.
 */
const ITEM_OVERHEAD = 64;

type Waiter<T> = { resolve(item: T): void; reject(error: Error): void };

export class ReceiveQueue<T> {
  private items: T[] = [];
  private bytes = 0;
  private waiters: Waiter<T>[] = [];
  private terminal: { item: T; error: Error | undefined } | undefined;
  private holdingClose = false; // a violation's close frame waits for the items before it to be taken
  /** The first error reported (failed): what its owner ends the queue with. */
  failure: Error | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly limit: number,
    private readonly sizeOf: (item: T) => number,
  ) {}

  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(item);
      return;
    }
    this.items.push(item);
    this.bytes += this.sizeOf(item) + ITEM_OVERHEAD;
    if (this.bytes > this.limit) this.connection.pauseReading();
  }

  /** The next item, or undefined when none waits (ended or not). */
  shift(): T | undefined {
    const item = this.items.shift();
    if (item !== undefined) {
      this.bytes -= this.sizeOf(item) + ITEM_OVERHEAD;
      if (this.bytes <= this.limit / 2) this.connection.resumeReading();
      if (this.holdingClose && this.items.length === 0) releaseAtEndOfTurn(this);
    }
    return item;
  }

  /** Put back the rest of an item a reader took only part of. */
  unshift(item: T): void {
    this.items.unshift(item);
    this.bytes += this.sizeOf(item) + ITEM_OVERHEAD;
  }

  /** The next item; after the end, the terminal item (or its error). */
  take(): Promise<T> {
    const item = this.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.terminal !== undefined) {
      return this.terminal.error !== undefined ? Promise.reject(this.terminal.error) : Promise.resolve(this.terminal.item);
    }
    this.releaseClose(); // the application waits on the socket again: it has answered what it took
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * A protocol violation: our close frame is held (Connection.holdFailClose) until the
   * application has taken every item that arrived before it, so that what it sends in answer
   * goes out first. The bound: the close goes when the application waits on the queue again, or
   * at the end of the event-loop turn in which it took the last item (setImmediate: replies sent
   * in the same turn, also after awaiting promises that need no I/O, are before it). Items never
   * taken hold it for at most closeTimeout (the connection's sweep).
   */
  holdClose(): void {
    this.holdingClose = true;
    if (this.items.length === 0) releaseAtEndOfTurn(this); // taken already, by waiting readers
  }

  /** @internal Sends the held close frame, once. */
  releaseClose(): void {
    if (!this.holdingClose || this.items.length > 0) return;
    this.holdingClose = false;
    this.connection.releaseHeldClose();
  }

  get ended(): boolean {
    return this.terminal !== undefined && this.items.length === 0;
  }

  /** An error was reported (the first one counts): kept in `failure` for the end. */
  failed(error: Error): void {
    this.failure ??= error;
  }

  /** No more items will come: waiting and later takes get `item`, or `error` when given. */
  end(item: T, error: Error | undefined): void {
    this.terminal = { item, error };
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error !== undefined) waiter.reject(error);
      else waiter.resolve(item);
    }
  }

  /** Reject every waiting take with `error` (cancelOutstandingIO); queued items stay. */
  cancelWaiting(error: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}

function releaseAtEndOfTurn<T>(queue: ReceiveQueue<T>): void {
  setImmediate(releaseLater, queue);
}

function releaseLater<T>(queue: ReceiveQueue<T>): void {
  queue.releaseClose(); // unless a reader put part of an item back (readFragment into a buffer)
}
