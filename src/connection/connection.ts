/**
 * The one adapter between the sans-I/O `Protocol` and a transport (DESIGN.md, "connection"):
 * it binds the two and never knows which carrier it has (src/transport/).
 *
 * It owns the state machine OPEN → CLOSING → CLOSED (the handshake before it is CONNECTING and
 * belongs to the server/client), backpressure both ways, heartbeats, timeouts and the transport
 * side of the close handshake (RFC 6455 §7). It never parses a byte itself.
 *
 * Memory per idle connection matters (thousands of them): the connection is its transport's
 * listener itself (no closures), and timers are the sweeper's, not ours.
 */
import { performance } from 'node:perf_hooks';
import { Protocol, protocolSettings } from '../protocol/protocol.js';
import type { ProtocolListener, ProtocolSettings } from '../protocol/protocol.js';
import { WebSocketError } from '../protocol/errors.js';
import { elapsed } from './sweeper.js';
import type { Sweeper, Sweepable } from './sweeper.js';
import type { DeflateCodec } from '../extensions/deflate-codec.js';
import type { PreparedMessage } from '../protocol/prepared-message.js';
import type { ParkedListener, Transport, TransportListener, WriteCallback } from '../transport/transport.js';
import { kept, lentMessages } from '../transport/lent-memory.js';
import { publishClose, publishError, publishPing, publishPong } from '../diagnostics.js';

export type ConnectionState = 'CONNECTING' | 'OPEN' | 'CLOSING' | 'CLOSED';

/** What the API façades (WebSocket, WebSocketContext) receive from the connection. */
export interface ConnectionEvents {
  onMessage(data: Uint8Array, text: boolean): void;
  onFragment(data: Uint8Array, text: boolean, final: boolean): void;
  onPing(payload: Uint8Array): void;
  onPong(payload: Uint8Array): void;
  /** The peer's close frame arrived (our reply is already on its way); its code and reason are `protocol.closeReceived`. */
  onClosing(): void;
  /**
   * A protocol violation or a timeout: the close frame with `error.closeCode` is on its way —
   * or held, when holdFailClose said so, until Connection.releaseHeldClose().
   */
  onError(error: WebSocketError): void;
  /**
   * A protocol violation: true holds our close frame until the façade calls
   * connection.releaseHeldClose() (a pull reader has messages from before the violation to
   * answer); closeTimeout bounds the wait.
   */
  holdFailClose(): boolean;
  /** The TCP connection is gone. `code`/`reason` are what the peer sent, or 1006 (RFC 6455 §7.1.5). */
  onClosed(code: number, reason: string, wasClean: boolean): void;
  /** Everything queued was handed to the kernel (after a send returned false). */
  onDrain(): void;
}

/** Settings shared by every connection of one server (or client): one object, not a copy each. */
export interface ConnectionSettings {
  role: 'server' | 'client';
  deliver: 'messages' | 'fragments';
  /** receiveBufferLimit: bytes a message may pin in memory. */
  maxMessageSize: number;
  /** ms between pings; 0 = off. */
  pingInterval: number;
  /** ms without any received byte before closing with 1001; 0 = off. */
  idleTimeout: number;
  /** ms to wait for the peer's part of the close handshake before dropping TCP. */
  closeTimeout: number;
  /** `send` returns false once this many bytes wait to be written (like stream.write). */
  highWaterMark: number;
  /** What every connection's Protocol is given, unless it negotiated permessage-deflate. */
  protocol: ProtocolSettings;
  /** The one timer for heartbeats and timeouts (here rather than a pointer in every connection). */
  sweeper: Sweeper;
  /**
   * `borrowedMessages`: the application keeps no message past its 'message' listener, so the
   * carrier may lend what it reads (Transport.lendReads: the server asks it once, when the
   * connection opens) instead of giving fresh memory.
   */
  lendReads: boolean;
}

/** The options server and client both take for their connections (same names, same meaning). */
export interface ConnectionOptions {
  api: 'message' | 'fragment';
  receiveBufferLimit: number;
  pingInterval: number;
  idleTimeout: number;
  closeTimeout: number;
  highWaterMark: number;
  /** Server only: a message's Buffer is valid only during its 'message' listeners (see WebSocketServerOptions). */
  borrowedMessages?: boolean;
}

export function connectionSettings(role: 'server' | 'client', o: ConnectionOptions, sweeper: Sweeper): ConnectionSettings {
  const deliver = o.api === 'fragment' ? 'fragments' : 'messages';
  // Only whole messages are lent to listeners; a fragment reader keeps what it reads.
  const lendReads = role === 'server' && o.borrowedMessages === true && deliver === 'messages';
  return {
    role,
    deliver,
    maxMessageSize: o.receiveBufferLimit,
    pingInterval: o.pingInterval,
    idleTimeout: o.idleTimeout,
    closeTimeout: o.closeTimeout,
    highWaterMark: o.highWaterMark,
    protocol: protocolSettings({ role, maxMessageSize: o.receiveBufferLimit, deliver, messageMemory: lendReads ? lentMessages : undefined }),
    sweeper,
    lendReads,
  };
}

/**
 * Whether connections with these settings can ever be parked (Connection.park): not with
 * heartbeats or an idle timeout, whose times live in the Connection (and whose sweeper holds it).
 */
export function parkable(settings: ConnectionSettings): boolean {
  return settings.pingInterval === 0 && settings.idleTimeout === 0;
}

export const defaultCloseTimeout = 5000;
export const defaultHighWaterMark = 16 * 1024;

// Connection.flags: yes/no state in one small integer rather than a field each (8 B apiece
// in every idle connection).
/** Reading is paused because the application does not take what arrives … */
const PAUSED_BY_APPLICATION = 1;
/**
 * … or the peer does not take what we send. Everything a peer sends can make us send (pongs
 * for its pings, echoes for its messages); a peer that sends and never reads would otherwise
 * grow our write queue without bound. Past receiveBufferLimit unsent bytes a server stops
 * reading it until the queue drains (DESIGN.md: backpressure both ways).
 *
 * A client does not: what it queues is its own application's sends, and if it stopped reading
 * while they wait, a server that does the same (ours: its echoes wait for the client to read)
 * would never drain either, over TCP once both kernels' buffers are full and over HTTP/2 at once
 * (reading is what returns the window). A client holds back its pongs instead (Protocol.holdPongs),
 * so a server's pings still cannot grow its queue.
 */
const PAUSED_BY_OUTPUT = 2;
/** Inside receive(): sends made by listeners go out in one write at its end. */
const RECEIVING = 4;
/** A flush is due on the next tick. */
const FLUSH_SCHEDULED = 8;
/** We ended our side of the transport. */
const ENDED = 16;
/** The transport reported an error: the closure was not clean. */
const TRANSPORT_FAILED = 32;
/** The peer began the closing (its close frame, or its FIN, came while we were OPEN): for diagnostics. */
const PEER_CLOSED_FIRST = 64;
/**
 * A send returned false: 'drain' is owed. A transport reports a drain only when it queued bytes
 * itself; one that handed a large write to the kernel at once (the native transport's
 * uv_try_write) has nothing to drain, so the connection reports it (drainLater).
 */
const DRAIN_DUE = 128;
/** A protocol violation's close frame waits for the application's replies (releaseHeldClose). */
const CLOSE_HELD = 256;

export class Connection implements ProtocolListener, TransportListener, Sweepable {
  state: ConnectionState = 'OPEN';
  readonly protocol: Protocol;
  /** Round-trip time of the last answered heartbeat ping, in ms (undefined before one). */
  rtt: number | undefined;

  // Times on the sweeper's clock (small integers, see sweeper.ts).
  private lastActivity: number;
  private lastPingTick: number;
  private closingSince = 0; // when the state left OPEN: closeTimeout counts from there
  private pingSentAt = 0; // performance.now() of the unanswered heartbeat ping, 0 = none pending
  private flags = 0; // PAUSED_BY_*, RECEIVING, FLUSH_SCHEDULED, ENDED, TRANSPORT_FAILED
  private writeCallbacks: WriteCallback[] | undefined;

  constructor(
    readonly transport: Transport,
    private readonly settings: ConnectionSettings,
    private readonly events: ConnectionEvents,
    /** permessage-deflate, when negotiated: it inflates RSV1 messages and compresses ours. */
    deflate?: DeflateCodec,
  ) {
    // A negotiated permessage-deflate belongs to this connection, and so do settings that name it:
    // the server's, with the codec as RSV1 transform and compressor (RFC 7692 §6).
    const ownSettings = deflate === undefined ? settings.protocol : { ...settings.protocol, transform: deflate, compressor: deflate };
    this.protocol = new Protocol(ownSettings, this);
    const sweeper = settings.sweeper;
    this.lastActivity = this.lastPingTick = sweeper.now;
    transport.setListener(this);
    // While OPEN only heartbeats and the idle timeout need sweeping; the close timeout joins
    // when closing begins. An idle connection without them costs the sweeper nothing.
    if (settings.idleTimeout > 0 || settings.pingInterval > 0) sweeper.add(this);
  }

  // ---- receiving -------------------------------------------------------------------------

  /**
   * Start reading: first the bytes that came with the handshake (the peer's first frames), then
   * the transport. Separate from the constructor so the application can attach its listeners
   * before anything is delivered.
   */
  start(head: Uint8Array): void {
    if (head.length > 0) this.onData(head);
    // A pause made before reading started (in a 'connection' or 'open' listener) holds.
    if (this.state === 'CLOSED' || (this.flags & (PAUSED_BY_APPLICATION | PAUSED_BY_OUTPUT)) !== 0) return;
    this.transport.resume();
  }

  /** TransportListener: bytes arrived (also the bytes that came with the upgrade request). */
  onData(chunk: Uint8Array): void {
    this.receive(chunk, 0);
  }

  /** TransportListener: `bytes` more were read into the payload target (offerPayloadTarget). */
  onFilled(bytes: number): void {
    this.receive(undefined, bytes);
  }

  /** A chunk, or else `inPlace` bytes read into the payload target, to the protocol. */
  private receive(chunk: Uint8Array | undefined, inPlace: number): void {
    this.lastActivity = this.settings.sweeper.now;
    // Sends made by listeners while the bytes are parsed go out together, in one write, at the end.
    this.flags |= RECEIVING;
    try {
      if (chunk !== undefined) this.protocol.receiveData(chunk);
      else this.protocol.receiveDataInPlace(inPlace);
    } catch (error) {
      // A listener threw (it goes on to the carrier, then uncaughtException; the parser stopped):
      // what listeners sent before it goes out now, not with some later flush, after the bytes
      // of a lent message were read over.
      this.endReceive();
      throw error;
    }
    this.offerPayloadTarget();
    this.endReceive();
  }

  /** The end of receive(): its sends in one write; then lent message buffers may be lent again. */
  private endReceive(): void {
    this.flags &= ~RECEIVING;
    this.flush();
    // What listeners sent of lent messages is with the transport now (which copies what it keeps).
    if (this.settings.lendReads) lentMessages.settle();
  }

  /** A large binary payload still to come is read by the carrier straight into its message, where it can. */
  private offerPayloadTarget(): void {
    const transport = this.transport;
    if (transport.readInto === undefined) return;
    const target = this.protocol.payloadTarget();
    // Its bytes are reported as they arrive often enough for idleTimeout to see them (a quarter
    // of it, as often as the sweep looks), else only once it is full.
    const idleTimeout = this.settings.idleTimeout;
    if (target !== undefined) transport.readInto(target, idleTimeout > 0 ? Math.max(1, Math.floor(idleTimeout / 4)) : Infinity);
  }

  /** Stop reading (the application is not keeping up); the carrier's flow control does the rest. */
  pauseReading(): void {
    this.pause(PAUSED_BY_APPLICATION);
  }

  resumeReading(): void {
    this.resume(PAUSED_BY_APPLICATION);
  }

  /** pauseReading() is in force. */
  get readingPaused(): boolean {
    return (this.flags & PAUSED_BY_APPLICATION) !== 0;
  }

  private pause(reason: number): void {
    this.flags |= reason;
    this.transport.pause();
  }

  /** Reading goes on once no reason to pause is left. */
  private resume(reason: number): void {
    this.flags &= ~reason;
    if ((this.flags & (PAUSED_BY_APPLICATION | PAUSED_BY_OUTPUT)) === 0 && this.state !== 'CLOSED') this.transport.resume();
  }

  // ProtocolListener: the protocol's events, passed on to the façade.
  message(data: Uint8Array, text: boolean): void {
    this.events.onMessage(data, text);
  }

  fragment(data: Uint8Array, text: boolean, final: boolean): void {
    this.events.onFragment(data, text, final);
  }

  ping(payload: Uint8Array): void {
    this.scheduleFlush(); // the pong the protocol queued
    payload = kept(payload); // listeners may keep it (only messages are borrowed)
    publishPing(this.settings.role, this.events, payload);
    this.events.onPing(payload);
  }

  pong(payload: Uint8Array): void {
    const answersHeartbeat = this.pingSentAt !== 0;
    if (this.pingSentAt !== 0) {
      this.rtt = performance.now() - this.pingSentAt;
      this.pingSentAt = 0;
    }
    payload = kept(payload);
    publishPong(this.settings.role, this.events, payload, answersHeartbeat ? this.rtt : undefined);
    this.events.onPong(payload);
  }

  close(): void {
    if (this.state === 'OPEN') this.flags |= PEER_CLOSED_FIRST;
    this.enterClosing();
    this.events.onClosing();
    this.afterCloseFrame();
  }

  holdFailClose(): boolean {
    if (!this.events.holdFailClose()) return false;
    this.flags |= CLOSE_HELD;
    return true;
  }

  error(error: WebSocketError): void {
    if (this.flags & CLOSE_HELD) {
      // The close frame waits for releaseHeldClose(), at most closeTimeout (sweep).
      this.closingSince = this.settings.sweeper.now;
      this.settings.sweeper.add(this);
      this.events.onError(error);
      return;
    }
    this.enterClosing();
    publishError(this.settings.role, this.events, error);
    this.events.onError(error);
    // RFC 6455 §7.1.7: after the close frame, _Fail the WebSocket Connection_ closes TCP at once.
    this.flush();
    this.endTransport();
  }

  /** The held close frame of a violation goes out now, after what was sent meanwhile; then the transport ends (§7.1.7). */
  releaseHeldClose(): void {
    if (!(this.flags & CLOSE_HELD)) return;
    this.flags &= ~CLOSE_HELD;
    if (this.state === 'CLOSED') return;
    this.protocol.sendFailClose();
    this.enterClosing();
    this.flush();
    this.endTransport();
  }

  // ---- sending ---------------------------------------------------------------------------

  /** Queue a message or fragment; returns false when more than highWaterMark bytes wait. */
  sendText(data: string | Uint8Array, final: boolean, callback?: WriteCallback, compress = true): boolean {
    this.protocol.sendText(data, final, compress);
    return this.queued(callback);
  }

  sendBinary(data: Uint8Array, final: boolean, callback?: WriteCallback, compress = true): boolean {
    this.protocol.sendBinary(data, final, compress);
    return this.queued(callback);
  }

  /**
   * A message framed once for many connections (a broadcast). It is written at once rather
   * than at the end of the tick: a broadcast loop over 10,000 members would otherwise hold every
   * byte back until the loop ends (bench/RESULTS.md, "Broadcast fan-out").
   */
  sendPrepared(message: PreparedMessage, compress = true): boolean {
    this.protocol.sendPrepared(message, compress);
    if (this.flags & (RECEIVING | FLUSH_SCHEDULED)) return this.queued(undefined);
    this.flush();
    return this.belowHighWaterMark();
  }

  sendContinuation(data: Uint8Array, final: boolean, callback?: WriteCallback): boolean {
    this.protocol.sendContinuation(data, final);
    return this.queued(callback);
  }

  sendPing(payload?: Uint8Array, callback?: WriteCallback): boolean {
    this.protocol.sendPing(payload);
    return this.queued(callback);
  }

  sendPong(payload?: Uint8Array, callback?: WriteCallback): boolean {
    this.protocol.sendPong(payload);
    return this.queued(callback);
  }

  /**
   * Start the close handshake (RFC 6455 §7.1.2); TCP follows when the peer answers or time runs
   * out. The callback runs when the close frame was handed to the kernel.
   */
  sendClose(code?: number, reason?: string, callback?: WriteCallback): void {
    if (this.state !== 'OPEN') return;
    if (this.flags & CLOSE_HELD) {
      // The violation's close frame goes now, in place of this one.
      if (callback !== undefined) (this.writeCallbacks ??= []).push(callback);
      this.releaseHeldClose();
      return;
    }
    this.protocol.sendClose(code, reason);
    if (callback !== undefined) (this.writeCallbacks ??= []).push(callback);
    this.enterClosing();
    this.scheduleFlush();
    this.afterCloseFrame();
  }

  /** Drop the connection now, without a close handshake (the peer will see 1006). */
  terminate(): void {
    this.transport.destroy();
  }

  /** receiveBufferLimit: what a message may pin, and what a pull API may queue before pausing. */
  get receiveLimit(): number {
    return this.settings.maxMessageSize;
  }

  /** Bytes accepted by send() and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.protocol.bufferedAmount + this.transport.bufferedAmount;
  }

  private belowHighWaterMark(): boolean {
    if (this.bufferedAmount < this.settings.highWaterMark) return true;
    this.flags |= DRAIN_DUE;
    return false;
  }

  /** @internal A drain owed (DRAIN_DUE) that the transport will not report: everything left at once. */
  drainIfDue(): void {
    if (this.flags & DRAIN_DUE && this.bufferedAmount === 0 && this.state !== 'CLOSED') this.onDrain();
  }

  private queued(callback: WriteCallback | undefined): boolean {
    if (callback !== undefined) (this.writeCallbacks ??= []).push(callback);
    this.scheduleFlush();
    return this.belowHighWaterMark();
  }

  private scheduleFlush(): void {
    // Inside receive() the flush at its end covers it; otherwise batch the sends of this tick.
    if (this.flags & (RECEIVING | FLUSH_SCHEDULED)) return;
    this.flags |= FLUSH_SCHEDULED;
    process.nextTick(flushLater, this);
  }

  /** Hand everything the protocol queued to the transport in one batch. */
  flush(): void {
    this.flags &= ~FLUSH_SCHEDULED;
    const chunks = this.protocol.dataToSend();
    const callbacks = this.writeCallbacks;
    this.writeCallbacks = undefined;
    if (chunks.length === 0 || !this.transport.writable) {
      if (callbacks !== undefined) {
        const error = new WebSocketError('WS_ERR_NOT_OPEN', 'the connection closed before the data was sent');
        for (const callback of callbacks) callback(error);
      }
      return;
    }
    this.transport.write(chunks, callbacks === undefined ? undefined : callbacksOf(callbacks));
    if (this.transport.bufferedAmount > this.settings.maxMessageSize) {
      if (this.settings.role === 'server') this.pause(PAUSED_BY_OUTPUT);
      else this.protocol.holdPongs(true);
    } else if (this.flags & DRAIN_DUE && this.transport.bufferedAmount === 0) process.nextTick(drainLater, this);
  }

  // ---- closing ---------------------------------------------------------------------------

  private enterClosing(): void {
    if (this.state !== 'OPEN') return;
    this.state = 'CLOSING';
    this.settings.sweeper.add(this); // for the close timeout (already a member with heartbeats or an idle timeout)
    this.closingSince = this.settings.sweeper.now;
  }

  /** After a close frame went either way: see whether TCP can go now. */
  private afterCloseFrame(): void {
    if (this.protocol.state !== 'CLOSED') return; // still waiting for the peer's close frame
    // RFC 6455 §7.1.1: the server closes TCP first; the client waits for it (until the deadline).
    if (this.settings.role === 'server') {
      this.flush();
      this.endTransport();
    }
  }

  private endTransport(): void {
    if (this.flags & ENDED) return;
    this.flags |= ENDED;
    this.transport.end();
  }

  /** TransportListener: the peer ended its side (TCP FIN). */
  onEnd(): void {
    if (this.state === 'OPEN') this.flags |= PEER_CLOSED_FIRST;
    this.releaseHeldClose();
    this.protocol.receiveEof();
    this.enterClosing();
    this.flush();
    this.endTransport();
  }

  /** TransportListener: the transport is gone, the one transition into CLOSED. */
  onClose(): void {
    if (this.state === 'CLOSED') return;
    const droppedWhileOpen = this.state === 'OPEN';
    this.state = 'CLOSED';
    this.settings.sweeper.delete(this);
    this.flush(); // fails pending write callbacks
    const received = this.protocol.closeReceived;
    const wasClean = received !== undefined && this.protocol.closeSent !== undefined && (this.flags & TRANSPORT_FAILED) === 0;
    const role = this.settings.role;
    const closedBy = droppedWhileOpen ? undefined : (this.flags & PEER_CLOSED_FIRST) !== 0 ? peerOf[role] : role;
    publishClose(role, this.events, received?.code ?? 1006, received?.reason ?? '', wasClean, closedBy);
    if (received !== undefined) this.events.onClosed(received.code, received.reason, wasClean);
    else this.events.onClosed(1006, '', false);
  }

  /** TransportListener: the transport failed (it closes next): the closure will not be clean. */
  onError(): void {
    this.flags |= TRANSPORT_FAILED;
  }

  /** TransportListener: everything queued was handed to the kernel. */
  onDrain(): void {
    this.flags &= ~DRAIN_DUE;
    if (this.flags & PAUSED_BY_OUTPUT) this.resume(PAUSED_BY_OUTPUT);
    else if (this.settings.role === 'client' && this.state !== 'CLOSED') {
      this.protocol.holdPongs(false); // the pong for the latest ping held meanwhile, if any
      if (this.protocol.bufferedAmount > 0) this.scheduleFlush();
    }
    this.events.onDrain();
  }

  // ---- parking ---------------------------------------------------------------------------

  /**
   * Where the carrier can park (Transport.park: the native transport), let the connection go
   * while it is at rest, so an idle connection keeps only its façade (bench/RESULTS.md,
   * "Parking"): when a new Connection made from the same settings would be the same — OPEN, no
   * flag (not paused, receiving, flushing, owed a drain or holding a close), no write callback,
   * the protocol at rest with the shared settings (no permessage-deflate of its own), and no
   * timer (heartbeats and the idle timeout keep their times here, and the sweeper holds this
   * object). Returns the carrier's token to make the transport again from, or undefined.
   */
  park(standIn: ParkedListener): number | undefined {
    const settings = this.settings;
    if (this.state !== 'OPEN' || this.flags !== 0 || this.writeCallbacks !== undefined || !parkable(settings)) return undefined;
    if (!this.protocol.atRest || !this.protocol.hasSettings(settings.protocol)) return undefined;
    return this.transport.park?.(standIn);
  }

  // ---- time ------------------------------------------------------------------------------

  sweep(now: number): void {
    if (this.flags & CLOSE_HELD) {
      // An application that does not take the messages before a violation does not hold the close up.
      if (elapsed(this.closingSince, now) >= this.settings.closeTimeout) this.releaseHeldClose();
      return;
    }
    if (this.state !== 'OPEN') {
      // RFC 6455 §7.1.1: if the peer does not finish the close handshake in time, drop TCP.
      if (elapsed(this.closingSince, now) >= this.settings.closeTimeout) this.transport.destroy();
      return;
    }
    const { idleTimeout, pingInterval } = this.settings;
    if (idleTimeout > 0 && elapsed(this.lastActivity, now) >= idleTimeout) {
      this.fail(new WebSocketError('WS_ERR_IDLE_TIMEOUT', `no data for ${idleTimeout} ms`));
      return;
    }
    if (pingInterval > 0 && elapsed(this.lastPingTick, now) >= pingInterval) {
      this.lastPingTick = now;
      if (this.pingSentAt !== 0) {
        // The heartbeat ping of the last interval is still unanswered: the peer is gone or stuck.
        this.fail(new WebSocketError('WS_ERR_PONG_TIMEOUT', `no pong within ${pingInterval} ms`));
        return;
      }
      this.pingSentAt = performance.now();
      this.sendPing();
    }
  }

  /** Close because of a local condition (timeouts): close frame with the error's code, then TCP. */
  private fail(error: WebSocketError): void {
    if (this.state !== 'OPEN') return;
    this.protocol.sendClose(error.closeCode, error.message.slice(0, 123));
    this.error(error);
  }
}

const peerOf = { server: 'client', client: 'server' } as const;

function callbacksOf(callbacks: WriteCallback[]): WriteCallback {
  return (error) => {
    for (const callback of callbacks) callback(error);
  };
}

function flushLater(connection: Connection): void {
  connection.flush();
}

function drainLater(connection: Connection): void {
  connection.drainIfDue();
}
