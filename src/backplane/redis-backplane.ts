/**
 * A Backplane over Redis pub/sub (ioredis): collections in several processes or machines share
 * broadcasts through one Redis server. One connection publishes, one subscribes (a Redis
 * connection in subscriber mode can do nothing else).
 *
 * Delivery is at-most-once, as Redis pub/sub is: a message published while Redis is unreachable
 * (or while this process's connection is being re-established) is dropped, not queued, and a
 * subscriber that is disconnected misses what was published meanwhile. Local delivery never
 * depends on Redis (the collection writes to its own members before publishing). A lost
 * connection is reported through `onError`, retried forever with exponential backoff (100 ms
 * doubling to 5 s by default), and resubscribed when it comes back. Nothing here throws at the
 * caller of publish/subscribe, and no 'error' event or rejected promise escapes.
 *
 * ioredis is loaded only when a RedisBackplane is constructed, so applications that never use
 * Redis never load it.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Backplane, BackplaneMessage } from './backplane.js';

/** 'connecting' until both connections were ready once; 'reconnecting' after a loss; 'closed' after close(). */
export type RedisBackplaneStatus = 'connecting' | 'ready' | 'reconnecting' | 'closed';

export interface RedisBackplaneOptions {
  /** Default 'redis://127.0.0.1:6379'. `rediss://` for TLS, credentials and db in the URL as ioredis reads them. */
  url?: string;
  /** First reconnect delay, doubled on every failed attempt. Default 100 ms. */
  retryDelayMs?: number;
  /** Longest reconnect delay. Default 5000 ms. */
  maxRetryDelayMs?: number;
  /** Problems: a lost connection, a failed reconnect (once per distinct error), a malformed message. */
  onError?: (error: Error) => void;
  /** Called when `status` changes. */
  onStatusChange?: (status: RedisBackplaneStatus) => void;
  /**
   * More ioredis options (its RedisOptions, for both connections); the ones this backplane relies
   * on win over them. Typed loosely on purpose: naming ioredis's type here would pull ioredis's
   * declarations into every consumer's type check, and ioredis 6.1's do not compile under
   * `strict` without skipLibCheck (they import the untyped 'redis-errors').
   */
  redisOptions?: Readonly<Record<string, unknown>>;
}

type Role = 'publisher' | 'subscriber';

export class RedisBackplane implements Backplane {
  onError?: (error: Error) => void;
  onStatusChange?: (status: RedisBackplaneStatus) => void;
  readonly url: string;

  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, Set<(message: BackplaneMessage) => void>>();
  private currentStatus: RedisBackplaneStatus = 'connecting';
  private everReady = false;
  private closed = false;
  private droppedCount = 0;
  private droppedSinceReport = 0;
  private pendingSubscribes = 0;
  private readonly readyWaiters = new Set<() => void>();
  /** The last error reported per connection, so a retry failing the same way every 5 s is reported once. */
  private readonly lastReported: Record<Role, string | undefined> = { publisher: undefined, subscriber: undefined };
  private readonly wasReady: Record<Role, boolean> = { publisher: false, subscriber: false };

  constructor(options: RedisBackplaneOptions = {}) {
    this.url = options.url ?? 'redis://127.0.0.1:6379';
    this.onError = options.onError;
    this.onStatusChange = options.onStatusChange;
    const first = options.retryDelayMs ?? 100;
    const max = options.maxRetryDelayMs ?? 5000;
    // Loaded here, not at the top: users of the other backplanes never load ioredis.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const RedisClass = (require('ioredis') as typeof import('ioredis')).Redis;
    const common: RedisOptions = {
      ...(options.redisOptions as RedisOptions | undefined),
      // Forever, with backoff: the caller's processes keep serving their local members meanwhile.
      retryStrategy: (times: number) => Math.min(first * 2 ** Math.min(times - 1, 30), max),
      lazyConnect: false,
    };
    this.publisher = new RedisClass(this.url, {
      ...common,
      connectionName: 'wsframe-backplane-pub',
      // At-most-once: never queue a publish while disconnected, never resend one after a reconnect.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
    });
    this.subscriber = new RedisClass(this.url, {
      ...common,
      connectionName: 'wsframe-backplane-sub',
      // SUBSCRIBE waits for the connection; after a reconnect ioredis subscribes again by itself.
      enableOfflineQueue: true,
      autoResubscribe: true,
      maxRetriesPerRequest: null,
    });
    this.watch(this.publisher, 'publisher');
    this.watch(this.subscriber, 'subscriber');
    this.subscriber.on('message', (channel: string, payload: string) => this.dispatch(channel, payload));
  }

  /** The state of the two connections together. */
  get status(): RedisBackplaneStatus {
    return this.currentStatus;
  }

  /** How many publishes were dropped because Redis was not reachable (or the publish failed). */
  get dropped(): number {
    return this.droppedCount;
  }

  /**
   * Resolves true once both connections are ready and every SUBSCRIBE so far is confirmed, false
   * after `timeoutMs` (or on close) — e.g. to announce a server only once its broadcasts cross.
   */
  whenReady(timeoutMs = 5000): Promise<boolean> {
    if (this.isFullyReady()) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.isFullyReady() && !this.closed) return;
        clearTimeout(timer);
        this.readyWaiters.delete(check);
        resolve(!this.closed);
      };
      const timer = setTimeout(() => {
        this.readyWaiters.delete(check);
        resolve(false);
      }, timeoutMs);
      this.readyWaiters.add(check);
    });
  }

  private isFullyReady(): boolean {
    return !this.closed && this.currentStatus === 'ready' && this.pendingSubscribes === 0;
  }

  private notifyWaiters(): void {
    for (const check of [...this.readyWaiters]) check();
  }

  publish(channel: string, message: BackplaneMessage): void {
    if (this.closed) return;
    if (this.publisher.status !== 'ready') {
      this.drop(new Error(`not connected to Redis (${this.publisher.status})`));
      return;
    }
    let payload: string;
    try {
      payload = JSON.stringify(message);
    } catch (error) {
      this.report(error);
      return;
    }
    this.publisher.publish(channel, payload).catch((error: unknown) => this.drop(error));
  }

  subscribe(channel: string, listener: (message: BackplaneMessage) => void): () => void {
    let set = this.listeners.get(channel);
    if (set === undefined) {
      this.listeners.set(channel, (set = new Set()));
      if (!this.closed) {
        this.pendingSubscribes++;
        this.subscriber
          .subscribe(channel)
          .catch((error: unknown) => this.report(error, `subscribing to '${channel}'`))
          .finally(() => {
            this.pendingSubscribes--;
            this.notifyWaiters();
          });
      }
    }
    set.add(listener);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const current = this.listeners.get(channel);
      if (current === undefined || !current.delete(listener) || current.size > 0) return;
      this.listeners.delete(channel);
      if (!this.closed) this.subscriber.unsubscribe(channel).catch((error: unknown) => this.report(error, `unsubscribing from '${channel}'`));
    };
  }

  /** Quit both connections (gracefully when connected, at once when not) and stop retrying. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.setStatus('closed');
    this.notifyWaiters();
    await Promise.all([this.publisher, this.subscriber].map((connection) => quit(connection)));
    this.listeners.clear();
  }

  private watch(connection: Redis, role: Role): void {
    connection.on('error', (error: Error) => {
      if (this.closed || this.lastReported[role] === error.message) return;
      this.lastReported[role] = error.message;
      this.report(error, `Redis ${role} connection to ${redact(this.url)}`);
    });
    connection.on('ready', () => {
      this.lastReported[role] = undefined;
      this.wasReady[role] = true;
      this.update();
    });
    connection.on('close', () => {
      // A server that shuts down cleanly closes the socket without an error: report that too.
      if (!this.closed && this.wasReady[role]) {
        this.wasReady[role] = false;
        this.report(new Error('connection lost; reconnecting (pub/sub is at-most-once: messages meanwhile are dropped)'), `Redis ${role} connection to ${redact(this.url)}`);
      }
      this.update();
    });
    for (const event of ['connect', 'reconnecting', 'end']) connection.on(event, () => this.update());
  }

  private update(): void {
    if (this.closed) return;
    const ready = this.publisher.status === 'ready' && this.subscriber.status === 'ready';
    if (ready) {
      if (this.droppedSinceReport > 0) {
        this.report(new Error(`Redis is back; ${this.droppedSinceReport} message(s) published meanwhile were dropped`));
        this.droppedSinceReport = 0;
      }
      this.everReady = true;
    }
    this.setStatus(ready ? 'ready' : this.everReady ? 'reconnecting' : 'connecting');
  }

  private setStatus(status: RedisBackplaneStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.notifyWaiters();
    try {
      this.onStatusChange?.(status);
    } catch {
      // A callback's bug must not break the connection handling.
    }
  }

  private drop(error: unknown): void {
    this.droppedCount++;
    // One report per outage, not one per message: the count comes when Redis is back.
    if (this.droppedSinceReport++ === 0) this.report(error, 'publish dropped (pub/sub is at-most-once)');
  }

  private dispatch(channel: string, payload: string): void {
    const set = this.listeners.get(channel);
    if (set === undefined) return;
    let message: BackplaneMessage;
    try {
      const parsed = JSON.parse(payload) as Partial<BackplaneMessage>;
      if (typeof parsed !== 'object' || parsed === null || typeof parsed.origin !== 'string' || typeof parsed.binary !== 'boolean' || typeof parsed.data !== 'string') {
        throw new Error('not a backplane message');
      }
      message = { origin: parsed.origin, binary: parsed.binary, data: parsed.data };
    } catch (error) {
      this.report(error, `malformed message on '${channel}'`);
      return;
    }
    for (const listener of [...set]) {
      try {
        listener(message);
      } catch (error) {
        this.report(error, `a listener of '${channel}'`);
      }
    }
  }

  private report(error: unknown, context?: string): void {
    if (this.closed) return; // what fails after close() (a pending SUBSCRIBE rejected, …) is expected
    const cause = error instanceof Error ? error : new Error(String(error));
    const reported = context === undefined ? cause : new Error(`${context}: ${cause.message}`, { cause });
    try {
      this.onError?.(reported);
    } catch {
      // onError's own failure has nowhere left to go.
    }
  }
}

/** QUIT when connected (bounded), else drop the connection and its reconnect timer at once. */
async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status === 'ready') {
    const timer = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    try {
      await Promise.race([connection.quit().then(() => undefined), timer]);
    } catch {
      // Lost while quitting: disconnect below.
    }
  }
  if ((connection.status as string) !== 'end') connection.disconnect(false);
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
