/**
 * One coarse timer for the heartbeats and timeouts of many connections (DESIGN.md: "Heartbeats
 * and timeouts run from one coarse sweep timer, not one timer per socket").
 *
 * A timer per socket costs memory and a timer-list insert on every reset; here a connection
 * only stamps `sweeper.now` on activity, and the sweep decides what is due. The price is
 * resolution: a deadline fires up to one tick late, and the tick is a quarter of the shortest
 * interval configured (at least 10 ms, at most 1 s).
 */

const sharedByTick = new Map<number, Sweeper>();

/**
 * The sweepers' clock, in ms: Date.now() less a fixed epoch, wrapped to 32 bits, so that a time
 * a connection stores is a small integer kept in the object itself, not a boxed double (as
 * Date.now() is: 16 B more per connection). Compare times only through `elapsed`: exact for
 * spans under 2^31 ms (24.8 days), longer than any timeout Node's timers take.
 */
const epoch = Date.now();
export function clock(): number {
  return (Date.now() - epoch) | 0;
}

/** ms from `since` to `now`, both times of the sweepers' clock. */
export function elapsed(since: number, now: number): number {
  return (now - since) | 0;
}

export interface Sweepable {
  /** Called once a tick with the time of the tick (the sweepers' clock: compare with `elapsed`). */
  sweep(now: number): void;
}

export class Sweeper {
  /**
   * The sweeper of a given tick, shared (clients: every connection with the same intervals
   * sweeps together, however many connect() calls made them).
   */
  static shared(intervals: number[]): Sweeper {
    const sweeper = new Sweeper(intervals);
    const existing = sharedByTick.get(sweeper.tick);
    if (existing !== undefined) return existing;
    sharedByTick.set(sweeper.tick, sweeper);
    return sweeper;
  }

  /** Time of the last tick (or of the last `add`), on the sweepers' clock: cheap to read on the hot path. */
  now = clock();
  readonly tick: number;
  private readonly members = new Set<Sweepable>();
  private timer: NodeJS.Timeout | undefined;

  /** `intervals`: every interval (ms) this sweeper must serve; zeros (= off) are ignored. */
  constructor(intervals: number[]) {
    const shortest = Math.min(...intervals.filter((ms) => ms > 0), 4000);
    this.tick = Math.min(1000, Math.max(10, Math.floor(shortest / 4)));
  }

  get size(): number {
    return this.members.size;
  }

  add(member: Sweepable): void {
    this.members.add(member);
    this.now = clock();
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweepAll(), this.tick);
      // The sweep never keeps the process alive on its own: sockets do.
      this.timer.unref();
    }
  }

  delete(member: Sweepable): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private sweepAll(): void {
    const now = (this.now = clock());
    for (const member of this.members) member.sweep(now);
  }
}
