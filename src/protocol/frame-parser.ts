/**
 * The incremental frame parser (RFC 6455 §5): bytes in, in chunks of any size, and out come
 * whole messages (or fragments), control frames, or one violation. Every split of the same byte
 * stream yields the same messages and the same error: each rule is checked as soon as the bytes
 * it reads are in hand, in the order of those bytes.
 *
 * Two paths share the work:
 * - the fast path, `kernels.scanFrames`, takes every complete, plainly valid frame of a chunk in
 *   one call (payloads unmasked in place, text validated);
 * - the slow path below takes what it stops at: headers and payloads split across chunks, RSV1
 *   frames of an extension, and every error. It is the authority on errors.
 *
 * Payloads are handed out as views of the chunk they arrived in; only messages spanning frames
 * or chunks are assembled. The chunk therefore belongs to the parser once pushed (it is unmasked
 * in place and views of it are handed out): the caller must not reuse its memory.
 *
 * Per-connection memory is a handful of plain fields: what only the slow path keeps between
 * chunks lives in a `PartialInput` made when first needed and dropped once empty, so an idle
 * connection does not pay for it. The scan arrays are module-level, shared by every parser
 * (JavaScript is single-threaded and each scan is consumed before the next starts).
 */

import {
  SCAN_CONFIG,
  SCAN_CONFIG_FORBID_MASK,
  SCAN_CONFIG_REQUIRE_MASK,
  SCAN_HEAD,
  SCAN_MAX_PAYLOAD,
  SCAN_MESSAGE,
  SCAN_PAYLOAD_LENGTH,
  SCAN_PAYLOAD_START,
  SCAN_RECORD_SIZE,
  SCAN_STATE_SIZE,
  SCAN_UTF8,
  SCAN_VERDICT,
  UTF8_INVALID,
} from '../kernels.js';
import { kernels } from '../native.js';
import { WebSocketError } from './errors.js';
import type { WebSocketErrorCode } from './errors.js';
import { OPCODE_BINARY, OPCODE_CLOSE, OPCODE_CONTINUATION, OPCODE_TEXT, isControlOpcode, isKnownOpcode } from './opcodes.js';

/**
 * maxMessageSize bounds a message's payload bytes only, so a message of exactly the limit is
 * accepted however it is fragmented. What its frames cost besides (the work of each, and in
 * 'fragments' delivery an object per piece handed out) is bounded by a separate allowance
 * derived from the same limit: one frame per FRAGMENT_ALLOWANCE_BYTES bytes of it, and never
 * fewer than MIN_FRAGMENT_ALLOWANCE frames (with the 4 MiB default, 65536 frames; with a limit
 * of 64 KiB or less, 1024). A message that spans more frames — a flood of empty or 1-byte
 * fragments — fails with 1009 like one that is too long.
 */
export const FRAGMENT_ALLOWANCE_BYTES = 64;
export const MIN_FRAGMENT_ALLOWANCE = 1024;

/** The most frames one message may span under `maxMessageSize` (see FRAGMENT_ALLOWANCE_BYTES). */
export function fragmentAllowance(maxMessageSize: number): number {
  return Math.max(MIN_FRAGMENT_ALLOWANCE, Math.floor(maxMessageSize / FRAGMENT_ALLOWANCE_BYTES));
}

/** How far ahead of the bytes in hand a message buffer is reserved for what a frame declares. */
const RESERVE_AHEAD = 1024 * 1024;

/**
 * The least payload still to come of a binary frame for which the parser offers the carrier its
 * message buffer to read into (takePayloadTarget). Below a read buffer's size (64 KiB) copying
 * the bytes out of the reads costs less than the reads of their own that a target takes.
 */
export const MIN_PAYLOAD_TARGET = 64 * 1024;

/** scanFrames takes a 31-bit maximum (native/README.md). */
const MAX_SCAN_PAYLOAD = 0x7fffffff;
/** §5.2: 2 bytes, 8 of extended length, 4 of masking key. */
const MAX_HEADER_LENGTH = 14;
/** scanState[SCAN_MESSAGE] for a message an extension transforms: scanFrames does not validate it. */
const SCAN_MESSAGE_TRANSFORMED = 3;

const RECORDS_PER_SCAN = 64;
const scanRecords = new Int32Array(RECORDS_PER_SCAN * SCAN_RECORD_SIZE);
const scanState = new Int32Array(SCAN_STATE_SIZE);
/**
 * Set while a parser walks the records in scanRecords. A listener may push bytes into another
 * parser meanwhile (a proxy, a test); that parser then takes the slow path rather than
 * overwrite the records still being read.
 */
let scanInUse = false;
/** A header split across chunks, put back together (read before any event is emitted). */
const headerScratch = new Uint8Array(MAX_HEADER_LENGTH);
/** The masking key rotated to a piece's offset in its payload, for kernels that take no offset. */
const pieceKey = new Uint8Array(4);

/**
 * The hook an extension that claims RSV1 plugs in (RFC 7692: permessage-deflate inflates).
 * Messages whose first frame has RSV1 set go through it: it gets each unmasked piece of the
 * payload as it arrives, `final` on the last one, and returns the transformed bytes (possibly
 * empty; it may reuse or keep nothing of `piece`). It must not return more than `maxOutput`
 * bytes plus one (what is left of maxMessageSize; more fails with 1009), or returns the error
 * to fail the connection with. Limits and UTF-8 validation apply to its output.
 */
export interface MessageTransform {
  transform(piece: Uint8Array, final: boolean, maxOutput: number): Uint8Array | WebSocketError;
}

/**
 * Where the buffers of messages assembled across frames or reads come from when the application
 * borrows its messages (the server's `borrowedMessages`): memory used again once a message was
 * delivered, instead of fresh memory (and its page faults) per message. `take` returns a buffer
 * of at least `size` bytes; `delivered` is told of the buffer of each message handed out, which
 * its owner may lend again once the delivery and what it sent are over (not the parser's to say).
 */
export interface MessageMemory {
  take(size: number): Uint8Array;
  delivered(buffer: Uint8Array): void;
}

/**
 * What the parser is told, the same for every connection of a server (or a client): one object
 * that all their parsers share, not a copy each.
 */
export interface FrameParserSettings {
  /** true for a server: frames must be masked; false for a client: they must not be (§5.1). */
  readonly requireMask: boolean;
  /** Payload bytes a message may have (after a transform), however many frames it spans. */
  readonly maxMessageSize: number;
  /** Frames a message may span: fragmentAllowance(maxMessageSize). */
  readonly maxMessageFrames: number;
  /** true: hand out payload pieces as they arrive; false: whole messages. */
  readonly deliverFragments: boolean;
  /**
   * Defined when a negotiated extension allows RSV1 (RFC 7692 §6.1). It belongs to one
   * connection, so settings with a transform do too.
   */
  readonly transform: MessageTransform | undefined;
  /** Defined when messages are lent to the application (see MessageMemory); else fresh buffers. */
  readonly messageMemory?: MessageMemory | undefined;
}

/**
 * What the parser holds between chunks when a frame or message does not lie in one: a header or
 * payload split across chunks, a message being assembled, chunks pushed from inside an event.
 */
class PartialInput {
  // The frame whose payload is arriving (slow path).
  frameHead = -1; // its byte 0, or -1 between frames
  frameRemaining = 0;
  frameOffset = 0; // payload bytes already received: the masking key's phase
  maskKey = 0; // big-endian
  controlBuffer: Uint8Array | null = null; // a control payload split across chunks
  pendingHeader: Uint8Array | null = null; // the start of a header split across chunks

  // The data message being assembled, when it spans frames or chunks.
  messageBuffer: Uint8Array | null = null;
  messageLength = 0;

  queued: Uint8Array[] | null = null; // pushed while a chunk is parsed, parsed after it
  targetOffered = 0; // bytes of messageBuffer offered to be read into and not yet pushed (takePayloadTarget)

  /** Nothing is held: the parser can drop this object. (A control buffer implies a frame in progress.) */
  get empty(): boolean {
    return this.frameHead < 0 && this.pendingHeader === null && this.messageBuffer === null && this.queued === null;
  }
}

// FrameParser's `flags` bits.
const PARSER_TRANSFORMING = 1;
const PARSER_STOPPED = 2;
const PARSER_BUSY = 4;
/** The first bit of FrameParser's `flags` that Protocol may use for its own booleans. */
export const PROTOCOL_FIRST_FLAG = 8;

/**
 * The parser is the base of the Protocol, which takes its results through the abstract `on…`
 * methods: one object per connection rather than two that point at each other (memory per idle
 * connection, bench/RESULTS.md).
 */
export abstract class FrameParser {
  protected readonly settings: FrameParserSettings;

  // The data message in progress (§5.4).
  private messageOpcode = 0; // 0 none, OPCODE_TEXT or OPCODE_BINARY
  private utf8State = 0; // streaming UTF-8 state of its text (native/README.md)
  private messagePinned = 0; // its payload bytes so far, against maxMessageSize
  private messageFrames = 0; // its frames so far, against maxMessageFrames

  private partial: PartialInput | null = null;
  /**
   * The booleans, parser's and Protocol's, as bits of one field: 8 B per connection each one
   * would take (memory per idle connection, bench/RESULTS.md). Bits: PARSER_* here, then the
   * Protocol's from PROTOCOL_FIRST_FLAG.
   */
  protected flags = 0;

  constructor(settings: FrameParserSettings) {
    this.settings = settings;
  }

  /** The data message in progress had RSV1 on its first frame: its payload goes through `transform`. */
  private get transforming(): boolean {
    return (this.flags & PARSER_TRANSFORMING) !== 0;
  }
  private set transforming(on: boolean) {
    this.flags = on ? this.flags | PARSER_TRANSFORMING : this.flags & ~PARSER_TRANSFORMING;
  }
  private get stopped(): boolean {
    return (this.flags & PARSER_STOPPED) !== 0;
  }
  private set stopped(on: boolean) {
    this.flags = on ? this.flags | PARSER_STOPPED : this.flags & ~PARSER_STOPPED;
  }
  private get busy(): boolean {
    return (this.flags & PARSER_BUSY) !== 0;
  }
  private set busy(on: boolean) {
    this.flags = on ? this.flags | PARSER_BUSY : this.flags & ~PARSER_BUSY;
  }

  /** deliver 'messages': a whole data message. */
  protected abstract onMessage(data: Uint8Array, text: boolean): void;
  /** deliver 'fragments': a piece of a data frame's payload, as it arrived. */
  protected abstract onFragment(data: Uint8Array, text: boolean, final: boolean): void;
  /** A whole control frame (§5.5). After a close frame the parser ignores all further bytes. */
  protected abstract onControl(opcode: number, payload: Uint8Array): void;
  /** A violation: the parser ignores all further bytes. */
  protected abstract onViolation(error: WebSocketError): void;

  /**
   * Parses `chunk` (which the parser now owns) from `position`. Never throws, except what an
   * `on…` method throws.
   */
  protected push(chunk: Uint8Array, position = 0): void {
    if (this.stopped) return;
    if (this.busy) {
      // Called again from inside an event: parse it after the current chunk, in order.
      (this.partialInput().queued ??= []).push(chunk);
      return;
    }
    this.busy = true;
    try {
      let next: Uint8Array | undefined = chunk;
      while (next !== undefined) {
        this.consume(next, position);
        position = 0;
        next = this.stopped ? undefined : this.partial?.queued?.shift();
      }
      const partial = this.partial;
      if (partial !== null) {
        partial.queued = null;
        if (this.stopped || partial.empty) this.partial = null;
      }
    } catch (error) {
      // An event handler threw in the middle of a chunk: the stream position is lost, parse nothing more.
      this.stop();
      throw error;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Where the carrier may put the next bytes it reads, so a large binary payload lands in the
   * message it belongs to rather than being copied there from the reads: the rest of the current
   * frame's payload (at least MIN_PAYLOAD_TARGET bytes), in the message buffer already reserved
   * for it (append). Undefined when there is no such frame, or an offer is still being filled.
   * The caller reports what it wrote there, in order, with pushInPlace — and pushes nothing
   * else until the offer is filled. Text is not offered: its UTF-8 is checked as each read
   * arrives (fail fast, §8.1), and neither are messages an extension transforms or that are
   * delivered as fragments.
   */
  protected takePayloadTarget(): Uint8Array | undefined {
    const partial = this.partial;
    if (partial === null || partial.targetOffered > 0 || partial.frameHead < 0 || partial.queued !== null) return undefined;
    let buffer = partial.messageBuffer;
    if (buffer === null || this.stopped || this.busy || this.messageOpcode !== OPCODE_BINARY || this.transforming) return undefined;
    // (A control frame's payload, at most 125 bytes, never reaches the minimum.)
    if (partial.frameRemaining < MIN_PAYLOAD_TARGET) return undefined;
    // A full buffer (a frame longer than the reservation ahead) grows now, as the next bytes would make it.
    if (buffer.length - partial.messageLength < MIN_PAYLOAD_TARGET) buffer = this.reserve(partial, partial.messageLength);
    const length = Math.min(partial.frameRemaining, buffer.length - partial.messageLength);
    if (length < MIN_PAYLOAD_TARGET) return undefined;
    partial.targetOffered = length;
    return buffer.subarray(partial.messageLength, partial.messageLength + length);
  }

  /**
   * `length` bytes were written where takePayloadTarget pointed (after what was pushed before):
   * they are parsed where they are, unmasked in place, with no copy. Never called from inside an
   * `on…` method (a carrier reports reads from its own callbacks).
   */
  protected pushInPlace(length: number): void {
    const partial = this.partial;
    if (partial === null || partial.messageBuffer === null || partial.targetOffered < length) return; // stopped: let go
    partial.targetOffered -= length;
    const start = partial.messageLength;
    this.push(partial.messageBuffer.subarray(0, start + length), start);
  }

  /**
   * Between frames with nothing held: no message in progress, no partial input, not stopped,
   * transforming or busy. A parser at rest is the same as a new one with the same settings.
   */
  protected get parserAtRest(): boolean {
    return this.messageOpcode === 0 && this.partial === null && (this.flags & (PARSER_TRANSFORMING | PARSER_STOPPED | PARSER_BUSY)) === 0;
  }

  /** Ignore every further byte (end of stream, or the connection is gone). */
  protected stop(): void {
    this.stopped = true;
    if (this.partial !== null) this.partial.queued = null;
  }

  /**
   * Bytes of received data the parser holds between chunks: the buffer of a message being
   * assembled (its capacity), a header or control payload split across chunks, chunks pushed
   * from inside an event. Whatever a peer sends, the first is at most maxMessageSize and the
   * others at most 14 and 125 bytes (a diagnostic of the memory bound; tests read it).
   */
  get heldBytes(): number {
    const partial = this.partial;
    if (partial === null) return 0;
    let held = (partial.messageBuffer?.length ?? 0) + (partial.pendingHeader?.length ?? 0) + (partial.controlBuffer?.length ?? 0);
    for (const chunk of partial.queued ?? []) held += chunk.length;
    return held;
  }

  /** The partial input, made on first need. */
  private partialInput(): PartialInput {
    return (this.partial ??= new PartialInput());
  }

  private consume(chunk: Uint8Array, position: number): void {
    const end = chunk.length;
    while (position < end && !this.stopped) {
      const partial = this.partial;
      if (partial !== null && partial.frameHead >= 0) {
        position = this.receivePayload(partial, chunk, position);
        continue;
      }
      if ((partial === null || partial.pendingHeader === null) && !scanInUse) {
        position = this.scan(chunk, position);
        if (position === end || this.stopped) break;
      }
      position = this.receiveHeader(chunk, position);
    }
  }

  // ---- fast path -----------------------------------------------------------------------

  private scan(chunk: Uint8Array, position: number): number {
    // The parser's state goes into the shared array for the call and comes back through the
    // records: each record is applied below exactly as the slow path would apply that frame.
    scanState[SCAN_MESSAGE] =
      this.messageOpcode === 0 ? 0 : this.transforming ? SCAN_MESSAGE_TRANSFORMED : this.messageOpcode;
    scanState[SCAN_UTF8] = this.utf8State;
    const settings = this.settings;
    scanState[SCAN_CONFIG] = settings.requireMask ? SCAN_CONFIG_REQUIRE_MASK : SCAN_CONFIG_FORBID_MASK;
    scanState[SCAN_MAX_PAYLOAD] = Math.max(
      0,
      Math.min(settings.maxMessageSize - this.messagePinned, MAX_SCAN_PAYLOAD),
    );
    scanInUse = true;
    try {
      const count = kernels.scanFrames(chunk, position, scanRecords, scanState);
      for (let i = 0; i < count && !this.stopped; i++) {
        const record = i * SCAN_RECORD_SIZE;
        const head = scanRecords[record + SCAN_HEAD];
        const start = scanRecords[record + SCAN_PAYLOAD_START];
        const length = scanRecords[record + SCAN_PAYLOAD_LENGTH];
        const verdict = scanRecords[record + SCAN_VERDICT];
        position = start + length;
        const payload = chunk.subarray(start, position);
        const opcode = head & 0x0f;
        if (isControlOpcode(opcode)) this.controlFrame(opcode, payload);
        else if (this.beginDataFrame(head, length)) this.dataPiece(payload, verdict, (head & 0x80) !== 0);
      }
    } finally {
      scanInUse = false;
    }
    return position;
  }

  // ---- slow path: headers --------------------------------------------------------------

  private receiveHeader(chunk: Uint8Array, position: number): number {
    const partial = this.partialInput();
    let bytes = chunk;
    let at = position;
    let available = chunk.length - position;
    const pendingHeader = partial.pendingHeader;
    const carried = pendingHeader === null ? 0 : pendingHeader.length;
    if (pendingHeader !== null) {
      const taken = Math.min(MAX_HEADER_LENGTH - carried, available);
      headerScratch.set(pendingHeader);
      headerScratch.set(chunk.subarray(position, position + taken), carried);
      bytes = headerScratch;
      at = 0;
      available = carried + taken;
    }
    const headerLength = this.parseHeader(partial, bytes, at, available);
    if (headerLength < 0) return chunk.length;
    if (headerLength === 0) {
      partial.pendingHeader = new Uint8Array(bytes.subarray(at, at + available)); // a copy: the chunk moves on
      return chunk.length;
    }
    partial.pendingHeader = null;
    const payloadStart = position + headerLength - carried;
    const head = partial.frameHead;
    if (!isControlOpcode(head & 0x0f) && !this.beginDataFrame(head, partial.frameRemaining)) return chunk.length;
    // An empty payload completes the frame now, even when the chunk ends with its header.
    return partial.frameRemaining === 0 ? this.receivePayload(partial, chunk, payloadStart) : payloadStart;
  }

  /**
   * Checks and reads the header at `bytes[at]`, of which `available` bytes are in hand.
   * Returns its length and sets the frame fields, 0 when more bytes are needed, or -1 after a
   * violation. Each rule is checked once the bytes it reads are in hand, in byte order.
   */
  private parseHeader(partial: PartialInput, bytes: Uint8Array, at: number, available: number): number {
    const head = bytes[at];
    const opcode = head & 0x0f;
    const control = isControlOpcode(opcode);
    // §5.2: RSV bits MUST be 0 unless an extension defines them; RFC 7692 §6.1 defines RSV1 for
    // the first frame of a data message only.
    if ((head & 0x20) !== 0) return this.reject('WS_ERR_UNEXPECTED_RSV_2', 'RSV2 must be clear');
    if ((head & 0x10) !== 0) return this.reject('WS_ERR_UNEXPECTED_RSV_3', 'RSV3 must be clear');
    // §5.2: an unknown opcode fails the connection.
    if (!isKnownOpcode(opcode)) return this.reject('WS_ERR_INVALID_OPCODE', `invalid opcode ${opcode}`);
    if ((head & 0x40) !== 0 && (this.settings.transform === undefined || control || opcode === OPCODE_CONTINUATION)) {
      return this.reject('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear');
    }
    if (control) {
      // §5.5: control frames MUST NOT be fragmented.
      if ((head & 0x80) === 0) return this.reject('WS_ERR_EXPECTED_FIN', 'a control frame must have FIN set');
    } else if (opcode === OPCODE_CONTINUATION) {
      // §5.4: a continuation frame continues a fragmented message...
      if (this.messageOpcode === 0) {
        return this.reject('WS_ERR_INVALID_CONTINUATION_FRAME', 'a continuation frame with no message to continue');
      }
    } else if (this.messageOpcode !== 0) {
      // ...and only continuation (or control) frames may come until it is finished.
      return this.reject('WS_ERR_EXPECTED_CONTINUATION_FRAME', 'a new message inside a fragmented message');
    }
    if (available < 2) return 0;

    const second = bytes[at + 1];
    const masked = (second & 0x80) !== 0;
    const requireMask = this.settings.requireMask;
    // §5.1: a client masks every frame; a server masks none.
    if (masked !== requireMask) {
      return requireMask
        ? this.reject('WS_ERR_EXPECTED_MASK', 'a client frame must be masked')
        : this.reject('WS_ERR_UNEXPECTED_MASK', 'a server frame must not be masked');
    }
    let length = second & 0x7f;
    let headerLength = 2;
    // §5.5: control frames carry at most 125 bytes (so they never use an extended length).
    if (control && length > 125) {
      return this.reject('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'a control frame payload is over 125 bytes');
    }
    if (length === 126) {
      headerLength = 4;
      if (available < headerLength) return 0;
      length = (bytes[at + 2] << 8) | bytes[at + 3];
    } else if (length === 127) {
      headerLength = 10;
      if (available < headerLength) return 0;
      const high = readUint32(bytes, at + 2);
      // §5.2: "the most significant bit MUST be 0". Breaking a MUST of the framing is a protocol
      // error (1002), not a size problem (1009): no sender may produce this length at all.
      if (high >= 0x80000000) {
        return this.reject('WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 'a 64-bit payload length has its top bit set');
      }
      length = high * 0x100000000 + readUint32(bytes, at + 6);
    }
    if (masked) {
      headerLength += 4;
      if (available < headerLength) return 0;
      partial.maskKey = readUint32(bytes, at + headerLength - 4);
    }
    partial.frameHead = head;
    partial.frameRemaining = length;
    partial.frameOffset = 0;
    return headerLength;
  }

  /**
   * A data frame's header is complete: the message state moves, the frame is counted against the
   * fragment allowance and its declared length against the limit, so a frame too big fails
   * here, before any of it is buffered.
   */
  private beginDataFrame(head: number, length: number): boolean {
    const opcode = head & 0x0f;
    if (opcode !== OPCODE_CONTINUATION) {
      this.messageOpcode = opcode;
      this.transforming = (head & 0x40) !== 0;
    }
    const frames = this.settings.maxMessageFrames;
    if (++this.messageFrames > frames) {
      this.reject('WS_ERR_MESSAGE_TOO_BIG', `a message spans more than ${frames} frames`);
      return false;
    }
    // A transformed message is charged for its output instead (dataPiece), as it comes.
    return this.transforming || this.charge(length);
  }

  // ---- slow path: payloads -------------------------------------------------------------

  /** Takes what the chunk holds of the current frame's payload, unmasking and validating it. */
  private receivePayload(partial: PartialInput, chunk: Uint8Array, position: number): number {
    const head = partial.frameHead;
    const take = Math.min(chunk.length - position, partial.frameRemaining);
    const piece = chunk.subarray(position, position + take);
    const keyOffset = partial.frameOffset;
    partial.frameOffset += take;
    partial.frameRemaining -= take;
    const frameEnds = partial.frameRemaining === 0;
    if (frameEnds) partial.frameHead = -1;
    const opcode = head & 0x0f;
    const final = (head & 0x80) !== 0 && frameEnds;
    const requireMask = this.settings.requireMask;
    if (isControlOpcode(opcode)) {
      if (requireMask) kernels.unmask(piece, keyAt(partial.maskKey, keyOffset));
      this.controlPiece(partial, opcode, piece);
    } else if (this.messageOpcode === OPCODE_TEXT && !this.transforming) {
      // Validated piece by piece, so invalid text fails at the chunk that breaks it (fail fast).
      const verdict = requireMask
        ? kernels.unmaskAndValidate(piece, keyAt(partial.maskKey, keyOffset), 0, this.utf8State, final)
        : kernels.validateUtf8(piece, this.utf8State, final);
      this.dataPiece(piece, verdict, final);
    } else {
      if (requireMask) kernels.unmask(piece, keyAt(partial.maskKey, keyOffset));
      this.dataPiece(piece, 0, final);
    }
    return position + take;
  }

  private controlPiece(partial: PartialInput, opcode: number, piece: Uint8Array): void {
    if (partial.frameRemaining === 0 && partial.controlBuffer === null) {
      this.controlFrame(opcode, piece); // the whole payload came in one chunk
      return;
    }
    partial.controlBuffer ??= new Uint8Array(partial.frameOffset + partial.frameRemaining); // at most 125 bytes
    partial.controlBuffer.set(piece, partial.frameOffset - piece.length);
    if (partial.frameRemaining === 0) {
      const payload = partial.controlBuffer;
      partial.controlBuffer = null;
      this.controlFrame(opcode, payload);
    }
  }

  private controlFrame(opcode: number, payload: Uint8Array): void {
    // §5.5.1: after a close frame the endpoint reads no more data.
    if (opcode === OPCODE_CLOSE) this.stop();
    this.onControl(opcode, payload);
  }

  /**
   * A piece of a data frame's payload, unmasked, with the UTF-8 verdict of the message so far
   * (0 for binary); `final` when it ends the message.
   */
  private dataPiece(piece: Uint8Array, verdict: number, final: boolean): void {
    const text = this.messageOpcode === OPCODE_TEXT;
    let data = piece;
    if (this.transforming) {
      const budget = this.settings.maxMessageSize - this.messagePinned;
      const output = this.settings.transform!.transform(piece, final, budget);
      if (output instanceof WebSocketError) return this.fail(output);
      // The bytes within the limit come first in the stream, so they are validated before the
      // limit is enforced: the same error, however the output was split.
      const allowed = output.length <= budget ? output : output.subarray(0, budget);
      if (text) verdict = kernels.validateUtf8(allowed, this.utf8State, final && allowed === output);
      if (verdict !== UTF8_INVALID && !this.charge(output.length)) return;
      data = output;
    }
    // §8.1: a text message that is not valid UTF-8 fails the connection (with 1007, §7.4.1).
    if (verdict === UTF8_INVALID) {
      this.reject('WS_ERR_INVALID_UTF8', 'a text message is not valid UTF-8');
      return;
    }
    this.utf8State = verdict;
    if (this.settings.deliverFragments) {
      if (final) this.endMessage();
      this.onFragment(data, text, final);
      return;
    }
    const partial = this.partial;
    if (final && (partial === null || partial.messageLength === 0)) {
      // Everything before this piece was empty: the piece is the message, handed out as a view.
      this.endMessage();
      this.onMessage(data, text);
      return;
    }
    const assembly = partial ?? this.partialInput();
    this.append(assembly, data);
    if (final) {
      const buffer = assembly.messageBuffer!;
      const message = buffer.subarray(0, assembly.messageLength);
      this.endMessage();
      this.onMessage(message, text);
      this.settings.messageMemory?.delivered(buffer);
    }
  }

  /** Adds a piece to the message being assembled, never allocating more than the limit allows. */
  private append(partial: PartialInput, data: Uint8Array): void {
    if (data.length === 0) return;
    // The rest of the current frame is already charged, so room for it is reserved now: a
    // frame split across chunks is copied once into a buffer of its exact size — up to
    // RESERVE_AHEAD beyond what has arrived. A peer that declares 4 MiB and then sends a byte a
    // second does not get 4 MiB of memory per connection for it; past that bound the buffer
    // doubles as the bytes come (a 16 MiB frame: four regrowths, a second copy of 15 MiB).
    const inHand = partial.messageLength + data.length;
    let buffer = partial.messageBuffer;
    if (buffer === null || buffer.length < inHand) buffer = this.reserve(partial, inHand);
    // A piece read in place (pushInPlace) is already where it belongs.
    if (data.buffer !== buffer.buffer || data.byteOffset !== buffer.byteOffset + partial.messageLength) {
      buffer.set(data, partial.messageLength);
    }
    partial.messageLength += data.length;
  }

  /** Grows the message buffer to hold at least `inHand` bytes, and room for what is declared (see append). */
  private reserve(partial: PartialInput, inHand: number): Uint8Array {
    const buffer = partial.messageBuffer;
    const declared = inHand + (this.transforming ? 0 : partial.frameRemaining);
    const wanted = Math.max(declared, Math.min(2 * (buffer === null ? 0 : buffer.length), this.settings.maxMessageSize));
    const size = Math.max(inHand, Math.min(wanted, Math.max(2 * inHand, inHand + RESERVE_AHEAD)));
    const memory = this.settings.messageMemory;
    const grown = memory !== undefined ? memory.take(size) : Buffer.allocUnsafe(size);
    if (buffer !== null) grown.set(buffer.subarray(0, partial.messageLength));
    return (partial.messageBuffer = grown);
  }

  private endMessage(): void {
    this.messageOpcode = 0;
    this.transforming = false;
    this.utf8State = 0;
    this.messagePinned = 0;
    this.messageFrames = 0;
    const partial = this.partial;
    if (partial !== null) {
      partial.messageBuffer = null;
      partial.messageLength = 0;
      partial.targetOffered = 0;
    }
  }

  /** Counts `bytes` against maxMessageSize; fails with 1009 when the message would exceed it. */
  private charge(bytes: number): boolean {
    const limit = this.settings.maxMessageSize;
    this.messagePinned += bytes;
    if (this.messagePinned <= limit) return true;
    this.reject('WS_ERR_MESSAGE_TOO_BIG', `a message is over the limit of ${limit} bytes`);
    return false;
  }

  private reject(code: WebSocketErrorCode, message: string): -1 {
    this.fail(new WebSocketError(code, message));
    return -1;
  }

  private fail(error: WebSocketError): void {
    this.stop();
    this.partial = null; // nothing more is parsed: let go of what was held
    this.onViolation(error);
  }
}

/** The masking key `maskKey` (big-endian) as seen from byte `offset` of the payload (§5.3: key[i mod 4]). */
function keyAt(maskKey: number, offset: number): Uint8Array {
  for (let i = 0; i < 4; i++) pieceKey[i] = maskKey >>> (24 - 8 * ((offset + i) & 3));
  return pieceKey;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return bytes[at] * 0x1000000 + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}
