/**
 * The sans-I/O WebSocket protocol of one connection (RFC 6455 §5-§8), in the style of
 * python-websockets: no socket, no timer, no event loop. Bytes come in through `receiveData`,
 * events go out to the listener, and the frames to send are drained with `dataToSend`.
 *
 * It never throws at the caller of `receiveData`/`receiveEof`: a violation by the peer becomes
 * a close frame queued to send, the state CLOSING and an `error` event. The send methods throw a
 * WebSocketError (with no closeCode) only for the caller's own mistakes — and sends after our
 * close frame are such a mistake (WS_ERR_CLOSE_SENT, §5.5.1), so check `closeSent` or `state`.
 */

import {
  CLOSE_INTERNAL_ERROR,
  CLOSE_NO_STATUS,
  MAX_CLOSE_REASON_BYTES,
  isValidWireCloseCode,
  parseClosePayload,
} from './close-codes.js';
import type { CloseStatus } from './close-codes.js';
import { WebSocketError } from './errors.js';
import { FrameParser, PROTOCOL_FIRST_FLAG, fragmentAllowance } from './frame-parser.js';
import type { FrameParserSettings, MessageMemory, MessageTransform } from './frame-parser.js';
import type { PreparedFrames, PreparedMessage, SharedCompressor } from './prepared-message.js';
import { frameHead, serializeFrame } from './frame-serializer.js';
import {
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
} from './opcodes.js';

/** IIS's receiveBufferLimit default (DESIGN.md). */
export const DEFAULT_MAX_MESSAGE_SIZE = 4194304;
/** §5.5: a control frame payload is at most 125 bytes. */
const MAX_CONTROL_PAYLOAD = 125;
const EMPTY = new Uint8Array(0);

export type ProtocolState = 'OPEN' | 'CLOSING' | 'CLOSED';

export interface ProtocolListener {
  /** deliver 'messages': a whole message — a view of the received bytes when it lay in one chunk. */
  message(data: Uint8Array, text: boolean): void;
  /**
   * deliver 'fragments': payload bytes as they arrive, like IIS's ReadFragment returns what is
   * available: a data frame split across socket reads comes out in several pieces, `final` on
   * the last piece of the message's last frame. Text pieces are valid UTF-8 so far but may end
   * inside a character (decode them with a streaming decoder).
   */
  fragment(data: Uint8Array, text: boolean, final: boolean): void;
  /** A ping arrived; the pong with the same payload is already queued (§5.5.2, §5.5.3). */
  ping(payload: Uint8Array): void;
  pong(payload: Uint8Array): void;
  /**
   * A valid close frame arrived; `code` is 1005 when it had none (§7.1.5). Our close frame (an
   * echo of the code, §5.5.1) is already queued unless we had sent one. Later bytes are ignored.
   */
  close(code: number, reason: string): void;
  /**
   * A violation by the peer: parsing stopped, and the close frame with `error.closeCode` is
   * already queued (state CLOSING) — unless `holdFailClose` held it back.
   */
  error(error: WebSocketError): void;
  /**
   * Asked at a violation, before `error`: true keeps our close frame back until
   * `sendFailClose()`, so that what the application sends in answer to the messages delivered
   * before the violation goes out first (§7.1.7 asks for a close frame, not for nothing before
   * it). Meanwhile the state stays OPEN for sending; nothing more is parsed. Absent: false.
   */
  holdFailClose?(error: WebSocketError): boolean;
}

/**
 * An extension's outgoing step (RFC 7692 §6.1): the bytes to send for a whole message, marked
 * with RSV1, or undefined to send the message as it is (below a size threshold, say).
 */
export interface MessageCompressor {
  compress(data: Uint8Array): Uint8Array | undefined;
  /**
   * Set when the output depends on the message alone (no context takeover): connections whose
   * compressors share a key can share one compressed frame (a broadcast).
   */
  readonly shareKey: string | undefined;
}

export interface ProtocolOptions {
  /** 'server' requires masked frames from the peer and sends unmasked ones; 'client' the opposite (§5.1). */
  role: 'server' | 'client';
  /**
   * Payload bytes a received message may have, however it is fragmented; over it → close 1009.
   * A message may also span at most fragmentAllowance(maxMessageSize) frames (1 per 64 bytes of
   * the limit, at least 1024), so a flood of tiny fragments closes with 1009 too. Default
   * 4194304 (IIS receiveBufferLimit).
   */
  maxMessageSize?: number;
  /** 'messages' (default): whole messages to `listener.message`; 'fragments': pieces to `listener.fragment`. */
  deliver?: 'messages' | 'fragments';
  /** A negotiated extension defines RSV1 (RFC 7692); requires `messageTransform`. Default false. */
  allowRsv1?: boolean;
  /** What RSV1 messages go through (permessage-deflate's inflater). */
  messageTransform?: MessageTransform;
  /** What whole messages we send may go through (permessage-deflate's compressor); they then carry RSV1. */
  messageCompressor?: MessageCompressor;
  /** Where assembled messages' buffers come from when they are lent to the application (MessageMemory). */
  messageMemory?: MessageMemory;
}

/**
 * ProtocolOptions made ready for use, by protocolSettings(): for many connections with the same
 * options (a server's), make them once and hand every Protocol the same object.
 */
export interface ProtocolSettings extends FrameParserSettings {
  /** Defined when a negotiated extension compresses what we send: then the settings belong to one connection. */
  readonly compressor: MessageCompressor | undefined;
}

export function protocolSettings(options: ProtocolOptions): ProtocolSettings {
  if (options.allowRsv1 === true && options.messageTransform === undefined) {
    throw new TypeError('allowRsv1 needs a messageTransform for the messages that set it');
  }
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  return {
    requireMask: options.role === 'server',
    maxMessageSize,
    maxMessageFrames: fragmentAllowance(maxMessageSize),
    deliverFragments: options.deliver === 'fragments',
    transform: options.allowRsv1 === true ? options.messageTransform : undefined,
    compressor: options.messageCompressor,
    messageMemory: options.messageMemory,
  };
}

// Protocol's bits of the parser's `flags`.
const SENDING_FRAGMENTED = PROTOCOL_FIRST_FLAG;
const ENDED = PROTOCOL_FIRST_FLAG << 1;
const HOLDING_PONGS = PROTOCOL_FIRST_FLAG << 2;

export class Protocol extends FrameParser {
  /** Our close frame, once queued; code 1005 when it carried none. */
  closeSent: CloseStatus | undefined;
  /** The peer's close frame, once received; code 1005 when it carried none. */
  closeReceived: CloseStatus | undefined;
  /** Bytes queued and not yet drained by dataToSend. */
  bufferedAmount = 0;

  declare protected readonly settings: ProtocolSettings;
  private readonly listener: ProtocolListener;
  private outgoing: Uint8Array[] | null = null;
  /**
   * What is held back: a violation whose close frame the listener holds (holdFailClose), or the
   * payload of the latest ping while pongs are held (holdPongs). One field for both (8 B per
   * idle connection): a held violation ends the parsing, so no ping follows it, and it replaces
   * a held pong, which a failing connection no longer owes.
   */
  private held: WebSocketError | Uint8Array | undefined;

  constructor(settings: ProtocolSettings, listener: ProtocolListener) {
    super(settings);
    this.listener = listener;
  }

  /** A message we send in fragments is unfinished (§5.4): the next data frame is a continuation. */
  get sendingFragmented(): boolean {
    return (this.flags & SENDING_FRAGMENTED) !== 0;
  }
  /** TCP ended (receiveEof). */
  private get ended(): boolean {
    return (this.flags & ENDED) !== 0;
  }

  /** §5.3: a client masks every frame it sends; a server, which requires masked frames, masks none. */
  private get masked(): boolean {
    return !this.settings.requireMask;
  }

  /**
   * Nothing in progress either way: the parser between frames with nothing held, no close frame
   * sent or received, nothing queued or held back, no fragmented message being sent. A Protocol
   * at rest is the same as a new one made with the same settings (Connection.park).
   */
  get atRest(): boolean {
    return this.parserAtRest && this.flags === 0 && this.closeSent === undefined && this.closeReceived === undefined &&
      this.bufferedAmount === 0 && this.outgoing === null && this.held === undefined;
  }

  /** Made with `settings` (not with settings of its own, as a negotiated extension gives it). */
  hasSettings(settings: ProtocolSettings): boolean {
    return this.settings === settings;
  }

  /** CLOSED once a close frame went both ways, or TCP ended. */
  get state(): ProtocolState {
    if (this.ended || (this.closeSent !== undefined && this.closeReceived !== undefined)) return 'CLOSED';
    return this.closeSent === undefined ? 'OPEN' : 'CLOSING';
  }

  // ---- receiving -------------------------------------------------------------------------

  /**
   * Bytes from the peer, in any split. The protocol owns `chunk` from now on: payloads are
   * unmasked in place and handed out as views of it, so its memory must not be reused.
   * Called again from inside a listener, the bytes are parsed after the current chunk. An
   * exception thrown by a listener reaches the caller, and the protocol parses nothing more
   * (its place in the stream is lost): drop the connection.
   */
  receiveData(chunk: Uint8Array): void {
    if (!this.ended) this.push(chunk);
  }

  /**
   * Memory the carrier may read the next bytes into: the rest of a large binary frame, in the
   * buffer of the message it belongs to (FrameParser.takePayloadTarget). Report what was written
   * there with receiveDataInPlace, and nothing else until it is full.
   */
  payloadTarget(): Uint8Array | undefined {
    return this.ended ? undefined : this.takePayloadTarget();
  }

  /** `length` more bytes were read into the payloadTarget(). */
  receiveDataInPlace(length: number): void {
    if (!this.ended) this.pushInPlace(length);
  }

  /**
   * TCP ended. Without a close frame received the closure is abnormal: closeReceived stays
   * undefined and the status to report is 1006 (§7.1.5), which the connection layer does; no
   * event is emitted here. A partial message is dropped.
   */
  receiveEof(): void {
    this.flags |= ENDED;
    this.stop();
  }

  protected override onMessage(data: Uint8Array, text: boolean): void {
    this.listener.message(data, text);
  }

  protected override onFragment(data: Uint8Array, text: boolean, final: boolean): void {
    this.listener.fragment(data, text, final);
  }

  protected override onControl(opcode: number, payload: Uint8Array): void {
    if (opcode === OPCODE_PING) {
      // §5.5.2: answer with a pong carrying the same payload (§5.5.3); also while CLOSING, as a
      // pong is no data frame (§5.5.1). While pongs are held, only the latest ping is answered
      // (§5.5.3 allows that), when they are released; its payload is a copy, as the chunk it
      // lies in may be read over by then.
      if (this.flags & HOLDING_PONGS) this.held = new Uint8Array(payload);
      else this.queue(frameHead(OPCODE_PONG, true, false), payload);
      this.listener.ping(payload);
    } else if (opcode === OPCODE_PONG) {
      this.listener.pong(payload);
    } else if (opcode === OPCODE_CLOSE) {
      this.receiveClose(payload);
    }
  }

  protected override onViolation(error: WebSocketError): void {
    // §7.1.7: _Fail the WebSocket Connection_ — send a close frame (unless ours is already out),
    // now or, when the listener holds it back, at sendFailClose().
    if (this.closeSent === undefined) {
      if (this.listener.holdFailClose?.(error) === true) this.held = error;
      else this.queueFailClose(error);
    }
    this.listener.error(error);
  }

  /**
   * Hold back the pongs of pings that arrive from now on (`true`), then queue one, for the latest
   * of them (`false`; none once our close frame is out). For a peer that sends pings faster than it
   * reads their pongs: what we queue for it stays one pong, however many pings it sends.
   */
  holdPongs(hold: boolean): void {
    if (hold) {
      this.flags |= HOLDING_PONGS;
      return;
    }
    this.flags &= ~HOLDING_PONGS;
    const payload = this.held;
    if (!(payload instanceof Uint8Array)) return;
    this.held = undefined;
    if (this.closeSent === undefined) this.queue(frameHead(OPCODE_PONG, true, false), payload);
  }

  /** Queues the close frame of a violation that holdFailClose held back (nothing if none, or ours went out). */
  sendFailClose(): void {
    const error = this.held;
    if (!(error instanceof WebSocketError)) return;
    this.held = undefined;
    if (this.closeSent === undefined) this.queueFailClose(error);
  }

  /** An error without a close code (a transform returning a caller-mistake code) is our fault: 1011. */
  private queueFailClose(error: WebSocketError): void {
    this.queueClose(error.closeCode ?? CLOSE_INTERNAL_ERROR, '');
  }

  private receiveClose(payload: Uint8Array): void {
    const status = parseClosePayload(payload);
    if (status instanceof WebSocketError) {
      this.onViolation(status);
      return;
    }
    this.closeReceived = status;
    // §5.5.1: answer with a close frame, echoing the code received (none if there was none).
    if (this.closeSent === undefined) this.queueClose(status.code, '');
    this.listener.close(status.code, status.reason);
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * A text message (or the first fragment of one, `final` false); a string is encoded once.
   * A whole message goes through the compressor, when there is one, unless `compress` is false.
   */
  sendText(data: string | Uint8Array, final = true, compress = true): void {
    this.sendData(OPCODE_TEXT, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, final, compress);
  }

  /** A binary message (or the first fragment of one, `final` false); compressed as sendText is. */
  sendBinary(data: Uint8Array, final = true, compress = true): void {
    this.sendData(OPCODE_BINARY, data, final, compress);
  }

  /** The next fragment of a message started with `final` false (§5.4). */
  sendContinuation(data: Uint8Array, final: boolean): void {
    this.sendData(OPCODE_CONTINUATION, data, final);
  }

  sendPing(payload: Uint8Array = EMPTY): void {
    this.sendControl(OPCODE_PING, payload);
  }

  sendPong(payload: Uint8Array = EMPTY): void {
    this.sendControl(OPCODE_PONG, payload);
  }

  /**
   * Starts (or answers) the close handshake (§7.1.2). No code sends an empty close payload;
   * a reason needs a code and fits in 123 bytes of UTF-8 (§5.5.1); the code must be one allowed
   * on the wire (§7.4).
   */
  sendClose(code?: number, reason = ''): void {
    this.refuseAfterClose();
    if (code === undefined ? reason !== '' : !isValidWireCloseCode(code)) {
      throw new WebSocketError('WS_ERR_INVALID_CLOSE_ARGUMENTS', `cannot send a close frame with code ${code}`);
    }
    if (Buffer.byteLength(reason, 'utf8') > MAX_CLOSE_REASON_BYTES) {
      throw new WebSocketError('WS_ERR_INVALID_CLOSE_ARGUMENTS', 'a close reason is at most 123 bytes of UTF-8');
    }
    this.queueClose(code ?? CLOSE_NO_STATUS, reason);
  }

  /**
   * A whole message framed in advance (a broadcast): its shared chunks are queued as they are.
   * The client role cannot share frames (each needs its own masking key, §5.3), so there the
   * message is framed for this connection alone, and so is it for a compressor that keeps
   * context (its output depends on what this connection sent before).
   */
  sendPrepared(message: PreparedMessage, compress = true): void {
    const compressor = compress ? this.settings.compressor : undefined;
    if (this.masked || (compressor !== undefined && compressor.shareKey === undefined)) {
      this.sendData(message.opcode, message.payload, true, compress);
      return;
    }
    const frames = compressor !== undefined ? message.compressedFrames(compressor as SharedCompressor) : message.frames();
    this.sendData(message.opcode, EMPTY, true, false, frames);
  }

  /** Drains the queued frames: headers and payloads as separate chunks, for one corked write. */
  dataToSend(): Uint8Array[] {
    const chunks = this.outgoing ?? [];
    this.outgoing = null;
    this.bufferedAmount = 0;
    return chunks;
  }

  private sendData(opcode: number, payload: Uint8Array, final: boolean, compress = false, prepared?: PreparedFrames): void {
    this.refuseAfterClose();
    // §5.4: the fragments of one message are not interleaved with another message's frames.
    if ((opcode === OPCODE_CONTINUATION) !== this.sendingFragmented) {
      throw new WebSocketError(
        'WS_ERR_INVALID_SEND_SEQUENCE',
        this.sendingFragmented ? 'finish the fragmented message first' : 'no fragmented message to continue',
      );
    }
    // Only whole messages are compressed: a fragmented one goes as it is (RSV1 is per message,
    // RFC 7692 §6.1, and sending without compression is always allowed).
    this.flags = final ? this.flags & ~SENDING_FRAGMENTED : this.flags | SENDING_FRAGMENTED;
    if (prepared !== undefined) {
      (this.outgoing ??= []).push(...prepared.chunks);
      this.bufferedAmount += prepared.length;
      return;
    }
    const compressed = compress && final && opcode !== OPCODE_CONTINUATION ? this.settings.compressor?.compress(payload) : undefined;
    if (compressed !== undefined) this.queue(frameHead(opcode, true, true), compressed);
    else this.queue(frameHead(opcode, final, false), payload);
  }

  private sendControl(opcode: number, payload: Uint8Array): void {
    this.refuseAfterClose();
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new WebSocketError('WS_ERR_CONTROL_PAYLOAD_TOO_LONG', 'a ping or pong payload is at most 125 bytes');
    }
    this.queue(frameHead(opcode, true, false), payload);
  }

  private refuseAfterClose(): void {
    if (this.closeSent !== undefined) {
      throw new WebSocketError('WS_ERR_CLOSE_SENT', 'the close frame was sent; nothing may follow it');
    }
  }

  /** `code` 1005 means a close frame with no payload (§7.1.5: no status code present). */
  private queueClose(code: number, reason: string): void {
    let payload = EMPTY;
    if (code !== CLOSE_NO_STATUS) {
      const reasonLength = Buffer.byteLength(reason, 'utf8');
      const bytes = Buffer.allocUnsafe(2 + reasonLength);
      bytes.writeUInt16BE(code, 0);
      bytes.write(reason, 2, 'utf8');
      payload = bytes;
    }
    this.closeSent = { code, reason };
    this.queue(frameHead(OPCODE_CLOSE, true, false), payload);
  }

  private queue(head: number, payload: Uint8Array): void {
    this.bufferedAmount += serializeFrame((this.outgoing ??= []), head, payload, this.masked);
  }
}
