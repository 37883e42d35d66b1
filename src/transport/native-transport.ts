/**
 * The native transport: connections the addon owns on Node's own libuv loop (native/transport/),
 * for the standalone server. No net.Socket, no stream state: per connection a small native struct
 * and this object.
 *
 * JavaScript never holds a pointer: connections and listeners are integer handles (slot index +
 * generation) that the addon checks on every call; a stale one is a no-op. Every event arrives
 * through one function registered once, as (event, slot index, value), and is routed through a
 * table indexed by slot. The addon frees a connection only after its close, and `closed` is its
 * last event, exactly once.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { constants } from 'node:os';
import type { AddressInfo } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { nativeAddon } from '../native.js';
import type { NativeTransportFunctions } from '../native.js';
import type { ParkedListener, Transport, TransportListener, WriteCallback } from './transport.js';
import { lend } from './lent-memory.js';

/** The addon's transport functions, or undefined when the addon (or its transport) did not load. */
export const nativeTransport: NativeTransportFunctions | undefined = nativeAddon?.transport;

/**
 * The transports a standalone server can be given here (`transport` option, `--transport`): the
 * native one where the addon loaded with it, and `net.Socket` always.
 */
export const transports: readonly ('native' | 'node')[] = nativeTransport !== undefined ? ['native', 'node'] : ['node'];

/**
 * The transport a server or client asked for (`transport` option); without one, 'native' unless
 * WSFRAME_TRANSPORT=node (the test suite runs its socket tests both ways). Whether it can have it
 * is the caller's to decide.
 */
export function transportWanted(option: 'native' | 'node' | undefined): 'native' | 'node' {
  return option ?? (process.env.WSFRAME_TRANSPORT === 'node' ? 'node' : 'native');
}

// The events (native/transport/transport_binding.cc, Event).
const ACCEPTED = 0; // (listener index, connection handle, ms since it was accepted)
const DATA = 1; // (index, Buffer, length)
const ENDED = 2; // (index)
const WRITTEN = 3; // (index, bytes)
const CLOSED = 4; // (index, libuv error or 0)
const LISTENER_CLOSED = 5; // (listener index)
const FINISHED = 6; // (index): our FIN is out
const FILLED = 7; // (index, bytes, done): bytes read into the readInto() target
const LENT_DATA = 8; // (index, Buffer, length): as DATA, in the buffer reused for lendReads() connections
const OPENED = 9; // (listener index, Buffer, length, connection handle, head length, bytes of the 101 queued)

/** Handles are (generation << 24) | index: the slot is the low 24 bits. */
const INDEX_SPACE = 2 ** 24;

/**
 * Open connections by slot index — a parked one (NativeTransport.park) as what stands in for
 * it — and listeners by theirs.
 */
const connections: (NativeTransport | ParkedListener | undefined)[] = [];
const listeners: (NativeListener | undefined)[] = [];
let initialised = false;
/** The addon's reused read buffer, once seen (LENT_DATA). */
let lentBuffer: Buffer | undefined;

function addon(): NativeTransportFunctions {
  if (nativeTransport === undefined) throw new Error('the native transport is not available');
  if (!initialised) {
    nativeTransport.init(onEvent);
    initialised = true;
  }
  return nativeTransport;
}

/** The transport of a slot; a parked connection is woken first (its listener makes a new transport object, which takes the slot). */
function transportAt(index: number): NativeTransport | undefined {
  const entry = connections[index];
  if (entry === undefined || entry instanceof NativeTransport) return entry;
  entry.wake();
  return connections[index] as NativeTransport | undefined;
}

function onEvent(event: number, index: number, value: unknown, length: number, handle?: number, headLength?: number, queued?: number): void {
  switch (event) {
    case DATA: {
      // A long read comes in the addon's whole read buffer (no copy): its first `length` bytes.
      const bytes = value as Buffer;
      transportAt(index)?.listener?.onData(length === bytes.length ? bytes : bytes.subarray(0, length));
      return;
    }
    case LENT_DATA: {
      // The addon reads every lendReads() connection into this one Buffer: lent memory.
      const bytes = value as Buffer;
      if (bytes !== lentBuffer) lend((lentBuffer = bytes).buffer);
      transportAt(index)?.listener?.onData(bytes.subarray(0, length));
      return;
    }
    case FILLED:
      transportAt(index)?.listener?.onFilled?.(value as number);
      return;
    case WRITTEN:
      transportAt(index)?.written(value as number);
      return;
    case ACCEPTED:
      listeners[index]?.accepted(value as number, length);
      return;
    case OPENED: {
      const bytes = value as Buffer;
      listeners[index]?.opened(handle!, bytes, headLength!, queued!);
      return;
    }
    case ENDED:
      transportAt(index)?.listener?.onEnd();
      return;
    case FINISHED:
      transportAt(index)?.finished();
      return;
    case CLOSED: {
      const transport = transportAt(index);
      connections[index] = undefined;
      transport?.closed(value as number);
      return;
    }
    case LISTENER_CLOSED: {
      const listener = listeners[index];
      listeners[index] = undefined;
      listener?.closed();
      return;
    }
  }
}

/** A libuv error as Node reports one: message and `code` 'ECONNRESET', `errno` the number. */
function systemError(errno: number, syscall: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(errno);
  return Object.assign(new Error(`${syscall} ${code}`), { code, errno, syscall });
}

/**
 * A batch of several small frames joined into one chunk: the addon reads each element of an
 * array through N-API (some 150 ns apiece), which for many small frames — 16 echoes of 32 B are
 * 32 chunks — cost more than the write itself (perf: 7.5% of the server's CPU in the 32 B echo);
 * copying a few KiB in JavaScript costs less (bench/RESULTS.md). Large batches go as they are
 * (writev, no copy), and so does one frame (header and payload, at most 2 chunks): a broadcast's
 * shared frame, written at once, is never copied per connection.
 */
const COALESCE_BELOW = 16 * 1024;

function coalesce(chunks: readonly Uint8Array[]): Uint8Array | readonly Uint8Array[] {
  if (chunks.length <= 2) return chunks;
  let total = 0;
  for (const chunk of chunks) {
    total += chunk.length;
    if (total >= COALESCE_BELOW) return chunks;
  }
  return Buffer.concat(chunks, total);
}

/**
 * What a connection needs only once it writes more than the kernel takes, ends, closes or is asked
 * its address: made then, so an idle connection's transport is three fields (48 B).
 */
class TransportState {
  /** Bytes the addon queued (write() remainders not yet written). */
  buffered = 0;
  /** One entry per queued write() remainder, in order: its callback (or undefined). */
  pending: (WriteCallback | undefined)[] = [];
  /** end() or destroy() was called. */
  ended = false;
  endCallback: (() => void) | undefined = undefined;
  /** The peer's address once read (kept after the close, as a net.Socket keeps it). */
  peer: string | undefined = undefined;
}

export class NativeTransport implements Transport {
  /** A getter, not a field: nothing more to keep in every idle connection. */
  get kind(): 'native' {
    return 'native';
  }

  /** @internal */
  listener: TransportListener | undefined;
  private state: TransportState | undefined;

  /** @internal Made for each accepted connection; `handle` becomes -1 once it closed. */
  constructor(public handle: number) {
    connections[handle % INDEX_SPACE] = this;
  }

  /**
   * Transport.park: when nothing is in flight here (no write queued, no end), this object is
   * dropped — a new one made from the returned token (`unparked`) is the same; the peer's
   * address, if it was read, is read again — and the slot's events go to `standIn` until it
   * wakes. Whatever still holds this object (an upgrade request's NativeSocketAddresses) keeps a
   * handle the addon checks, as before.
   */
  park(standIn: ParkedListener): number | undefined {
    const state = this.state;
    if (this.handle < 0 || (state !== undefined && (state.buffered !== 0 || state.pending.length !== 0 || state.ended))) return undefined;
    connections[this.handle % INDEX_SPACE] = standIn;
    this.listener = undefined;
    return this.handle;
  }

  /** @internal A parked connection's transport, made again from its token (park); it takes the slot back. */
  static unparked(token: number): NativeTransport {
    return new NativeTransport(token);
  }

  /** A duplicate of a connected TCP socket's descriptor, taken into the addon (adopt-socket.ts); undefined if it is not one. */
  static adopt(fd: number): NativeTransport | undefined {
    const handle = addon().adopt(fd);
    return handle < 0 ? undefined : new NativeTransport(handle);
  }

  private get more(): TransportState {
    return (this.state ??= new TransportState());
  }

  setListener(listener: TransportListener): void {
    this.listener = listener;
  }

  resume(): void {
    addon().resume(this.handle);
  }

  pause(): void {
    addon().pause(this.handle);
  }

  readInto(target: Uint8Array, reportEveryMs: number): boolean {
    return addon().readInto(this.handle, target, reportEveryMs) === 0;
  }

  lendReads(): void {
    addon().lendReads(this.handle);
  }

  get bufferedAmount(): number {
    return this.state === undefined ? 0 : this.state.buffered;
  }

  get writable(): boolean {
    return this.handle >= 0 && this.state?.ended !== true;
  }

  write(chunks: readonly Uint8Array[], callback?: WriteCallback): void {
    if (!this.writable) {
      if (callback !== undefined) process.nextTick(callback, systemError(-constants.errno.EPIPE, 'write'));
      return;
    }
    const queued = addon().write(this.handle, chunks.length === 1 ? chunks[0]! : coalesce(chunks));
    if (queued === 0) {
      // All handed to the kernel now; Node, too, calls a write's callback asynchronously.
      if (callback !== undefined) process.nextTick(callback);
    } else if (queued > 0) {
      const state = this.more;
      state.buffered += queued;
      state.pending.push(callback);
    } else if (callback !== undefined) {
      // An I/O error: the addon is closing the connection (onError and onClose follow).
      process.nextTick(callback, systemError(queued, 'write'));
    }
  }

  end(callback?: () => void): void {
    if (this.handle < 0) {
      if (callback !== undefined) process.nextTick(callback);
      return;
    }
    const state = this.more;
    if (callback !== undefined) {
      const earlier = state.endCallback;
      state.endCallback = earlier === undefined ? callback : () => (earlier(), callback());
    }
    state.ended = true;
    addon().end(this.handle);
  }

  destroy(): void {
    if (this.handle < 0) return;
    this.more.ended = true;
    addon().destroy(this.handle);
  }

  remoteAddress(): string {
    if (this.state?.peer === undefined) {
      const address = addon().address(this.handle, 1);
      if (typeof address === 'number') return '';
      this.more.peer = address[0];
    }
    return this.state!.peer!;
  }

  /** @internal The addon queued `bytes` of what it wrote before this object existed (the 101 it answered with). */
  queuedAtOpen(bytes: number): void {
    const state = this.more;
    state.buffered += bytes;
    state.pending.push(undefined);
  }

  /** @internal A queued remainder was handed to the kernel. */
  written(bytes: number): void {
    const state = this.state!;
    state.buffered -= bytes;
    const callback = state.pending.shift();
    if (callback !== undefined) callback();
    if (state.buffered === 0) this.listener?.onDrain();
  }

  /** @internal Our FIN is out. */
  finished(): void {
    const state = this.state;
    if (state === undefined) return;
    const callback = state.endCallback;
    state.endCallback = undefined;
    callback?.();
  }

  /** @internal The last event: the connection is gone (`errno` is 0 or why). */
  closed(errno: number): void {
    this.handle = -1;
    const listener = this.listener;
    const error = errno !== 0 ? systemError(errno, 'read') : undefined;
    if (error !== undefined) listener?.onError(error);
    const state = this.state;
    if (state !== undefined) {
      const pending = state.pending;
      state.pending = [];
      state.buffered = 0;
      const failure = error ?? systemError(-constants.errno.ECANCELED, 'write');
      for (const callback of pending) callback?.(failure);
      this.finished(); // an end() that never got its FIN out is over too
    }
    listener?.onClose();
  }
}

/** @internal For tests: how many connections are parked now. */
export function parkedConnections(): number {
  let parked = 0;
  for (const entry of connections) if (entry !== undefined && !(entry instanceof NativeTransport)) parked++;
  return parked;
}

/**
 * What `UpgradeRequestInfo.socket` is on the native transport: no net.Socket exists, so the
 * addresses a net.Socket would give, read from the connection when asked (undefined once it
 * closed, as a destroyed net.Socket's).
 */
export class NativeSocketAddresses {
  constructor(private readonly transport: NativeTransport) {}

  get remoteAddress(): string | undefined {
    return this.read(1)?.[0];
  }
  get remotePort(): number | undefined {
    return this.read(1)?.[1];
  }
  get remoteFamily(): string | undefined {
    return this.read(1)?.[2];
  }
  get localAddress(): string | undefined {
    return this.read(0)?.[0];
  }
  get localPort(): number | undefined {
    return this.read(0)?.[1];
  }

  private read(which: 0 | 1): [string, number, string] | undefined {
    const address = addon().address(this.transport.handle, which); // -1 once closed: EBADF
    return typeof address === 'number' ? undefined : address;
  }
}

/** The backlog net.Server uses by default. */
const defaultBacklog = 511;

/** What a listener answers on its own (answerPlainUpgrades): the rules of the server it serves. */
export interface PlainUpgradeRules {
  /** The request's path (without its query) must be this; undefined: any. */
  readonly path: string | undefined;
  readonly maxHeaderSize: number;
  /** The server negotiates no extension: an offer is answered without one. */
  readonly ignoreExtensionOffers: boolean;
  /** A connection that sends nothing is handed to onConnection after this long (ms), for the handshake timeout; 0: never. */
  readonly announceAfter: number;
  /** How many connections it may open on its own (maxConnections); -1: no limit. */
  readonly budget: number;
  /**
   * The kernel holds a connection until its first bytes arrive (TCP_DEFER_ACCEPT, Linux), at most
   * deferAcceptMs(), and the accept reads them at once: one wake-up of the loop per opening, not
   * two. One accepted with nothing to read is handed on as that old. For a handshake timeout that
   * is none or at least that long.
   */
  readonly deferAccept: boolean;
}

/** The longest a deferred accept (PlainUpgradeRules.deferAccept) holds a silent connection, in ms. */
export function deferAcceptMs(): number {
  return addon().deferAcceptMs;
}

/**
 * A listening socket in the addon: accepted connections go to `onConnection`, paused (`age`: ms
 * since the accept, for a connection the addon held while its first bytes were awaited), and
 * those whose plain upgrade the addon answered (answerPlainUpgrades) to `onOpened`, reading.
 */
export class NativeListener {
  private handle = -1;
  private closeCallbacks: (() => void)[] | undefined;

  constructor(
    private readonly onConnection: (transport: NativeTransport, age: number) => void,
    private readonly onOpened: (transport: NativeTransport, bytes: Buffer, headLength: number) => void,
  ) {}

  /**
   * From now on the addon answers a plain upgrade itself (native/plain_upgrade.h): the
   * connection's opening crosses into JavaScript once, as onOpened, instead of an accept, a read
   * and the calls back for the handshake and the 101.
   */
  answerPlainUpgrades(rules: PlainUpgradeRules): void {
    if (this.handle < 0) return;
    addon().answerPlainUpgrades(this.handle, rules.path ?? null, rules.maxHeaderSize, rules.ignoreExtensionOffers, rules.announceAfter, rules.budget, rules.deferAccept);
  }

  /** How many more connections the addon may open on its own (-1: no limit). */
  plainUpgradeBudget(budget: number): void {
    if (this.handle >= 0) addon().plainUpgradeBudget(this.handle, budget);
  }

  /**
   * Listens as net.Server.listen(port, host) does: a host name is looked up first; no host means
   * every interface (IPv6 and IPv4 on one socket where the system has IPv6, else IPv4).
   */
  async listen(port: number, host: string | undefined, backlog = defaultBacklog): Promise<void> {
    const functions = addon();
    let handle: number;
    if (host === undefined) {
      handle = functions.listen('::', port, backlog, false);
      if (handle < 0 && handle !== -constants.errno.EADDRINUSE) handle = functions.listen('0.0.0.0', port, backlog, false);
    } else {
      const ip = isIP(host) !== 0 ? host : (await lookup(host)).address;
      handle = functions.listen(ip, port, backlog, false);
    }
    if (handle < 0) throw systemError(handle, 'listen');
    this.handle = handle;
    listeners[handle % INDEX_SPACE] = this;
  }

  address(): AddressInfo | null {
    if (this.handle < 0) return null;
    const address = addon().address(this.handle, 2);
    return typeof address === 'number' ? null : { address: address[0], port: address[1], family: address[2] };
  }

  /** Stops listening (open connections stay); `callback` once the socket is closed. */
  close(callback: () => void): void {
    if (this.handle < 0 || addon().closeListener(this.handle) !== 0) {
      process.nextTick(callback);
      return;
    }
    (this.closeCallbacks ??= []).push(callback);
  }

  /** @internal */
  accepted(handle: number, age: number): void {
    this.onConnection(new NativeTransport(handle), age);
  }

  /** @internal */
  opened(handle: number, bytes: Buffer, headLength: number, queued: number): void {
    const transport = new NativeTransport(handle);
    if (queued > 0) transport.queuedAtOpen(queued);
    this.onOpened(transport, bytes, headLength);
  }

  /** @internal */
  closed(): void {
    this.handle = -1;
    const callbacks = this.closeCallbacks ?? [];
    this.closeCallbacks = undefined;
    for (const callback of callbacks) callback();
  }
}
