/**
 * The permessage-deflate data path (RFC 7692 §7.2) for one connection: inflating received
 * messages (the frame parser's MessageTransform) and compressing sent ones.
 *
 * Memory is where compression hurts (python-websockets measures 64 KiB per connection with it
 * against 14 KiB without), so no zlib stream lives per connection. Each message is (de)compressed
 * by one synchronous zlib call, which allocates a context and frees it on return: one context
 * exists at a time in the whole process, so 10,000 connections compressing at once queue on the
 * event loop instead of holding 10,000 contexts. Context takeover (the peer's or ours) is
 * carried as the last window of plaintext, handed to the next call as its dictionary — exactly
 * the state a DEFLATE stream keeps between messages that each end with a sync flush (§7.2.1),
 * and at most 2^windowBits bytes per direction, only while takeover is on.
 *
 * The price: a large message is (de)compressed on the event loop thread in one go (about a
 * millisecond per MiB here), and per-message setup (~10 µs) is paid even with takeover.
 */
import * as zlib from 'node:zlib';
import type { MessageTransform } from '../protocol/frame-parser.js';
import { WebSocketError } from '../protocol/errors.js';
import type { DeflateParameters, PerMessageDeflateOptions } from './permessage-deflate.js';

/** §7.2.1/§7.2.2: the 4 octets a sync flush ends with, removed by the sender, put back by the receiver. */
const SYNC_FLUSH_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const MAX_WINDOW_BITS = 15;

export interface DeflateSettings {
  threshold: number;
  level: number;
  memLevel: number;
}

export function deflateSettings(options: PerMessageDeflateOptions): DeflateSettings {
  return { threshold: options.threshold ?? 1024, level: options.level ?? zlib.constants.Z_DEFAULT_COMPRESSION, memLevel: options.memLevel ?? 8 };
}

export class DeflateCodec implements MessageTransform {
  /** Compressed pieces of the message being received. */
  private pieces: Buffer[] = [];
  private received = 0;
  /** Plaintext windows carried for context takeover; undefined while no takeover. */
  private inflateWindow: Buffer | undefined;
  private deflateWindow: Buffer | undefined;
  private readonly inflateTakeover: boolean;
  private readonly deflateTakeover: boolean;
  private readonly deflateBits: number;

  constructor(
    parameters: DeflateParameters,
    role: 'server' | 'client',
    private readonly settings: DeflateSettings,
  ) {
    const server = role === 'server';
    // What the peer's compressor keeps is what our inflater must keep, and the reverse.
    this.inflateTakeover = !(server ? parameters.clientNoContextTakeover : parameters.serverNoContextTakeover);
    this.deflateTakeover = !(server ? parameters.serverNoContextTakeover : parameters.clientNoContextTakeover);
    this.deflateBits = server ? parameters.serverMaxWindowBits : parameters.clientMaxWindowBits;
  }

  /**
   * Without context takeover our output depends on the message and the settings alone, so
   * connections with the same key can share one compressed frame (a broadcast).
   */
  get shareKey(): string | undefined {
    if (this.deflateTakeover) return undefined;
    const { threshold, level, memLevel } = this.settings;
    return `deflate:${this.deflateBits}:${level}:${memLevel}:${threshold}`;
  }

  // ---- receiving (MessageTransform) ------------------------------------------------------

  transform(piece: Uint8Array, final: boolean, maxOutput: number): Uint8Array | WebSocketError {
    // The compressed bytes are held until the message ends. DEFLATE makes incompressible data a
    // little larger (stored blocks), so a message within the limit may arrive over it: they are
    // bounded by the most any message of maxOutput bytes can deflate to.
    this.received += piece.length;
    if (this.received > deflateBound(maxOutput)) return this.tooBig(maxOutput);
    if (!final) {
      // Copied: a view would pin the whole socket read it came from until the message ends.
      if (piece.length > 0) this.pieces.push(Buffer.from(piece));
      return EMPTY;
    }

    // One copy joins the pieces and the tail (§7.2.2): a message in one piece is copied once.
    const input = Buffer.concat([...this.pieces, piece, SYNC_FLUSH_TAIL]);
    this.pieces = [];
    this.received = 0;
    let output: Buffer;
    try {
      output = zlib.inflateRawSync(input, {
        // Always the largest window: it decodes whatever window the peer used (§7.1.2).
        windowBits: MAX_WINDOW_BITS,
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        // Inflation stops as soon as the output passes the limit: a bomb never allocates more.
        maxOutputLength: Math.max(1, maxOutput + 1),
        ...(this.inflateWindow !== undefined && this.inflateWindow.length > 0 ? { dictionary: this.inflateWindow } : {}),
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return this.tooBig(maxOutput);
      return new WebSocketError('WS_ERR_TRANSFORM_FAILED', `invalid compressed data: ${(error as Error).message}`);
    }
    if (output.length > maxOutput) return this.tooBig(maxOutput);
    if (this.inflateTakeover) this.inflateWindow = nextWindow(this.inflateWindow, output, MAX_WINDOW_BITS);
    return output;
  }

  private tooBig(maxOutput: number): WebSocketError {
    this.pieces = [];
    this.received = 0;
    return new WebSocketError('WS_ERR_MESSAGE_TOO_BIG', `a compressed message inflates past ${maxOutput} bytes`);
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * The compressed payload for `data` (§7.2.1), or undefined to send it uncompressed: below the
   * threshold, or when the agreed window is 8 bits, which zlib cannot produce (it silently uses
   * 9 for raw deflate, and the peer's 256-byte window could not decode that).
   */
  compress(data: Uint8Array): Uint8Array | undefined {
    if (data.length < this.settings.threshold || this.deflateBits < 9) return undefined;
    const output = zlib.deflateRawSync(data, {
      level: this.settings.level,
      memLevel: this.settings.memLevel,
      windowBits: this.deflateBits,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      ...(this.deflateWindow !== undefined && this.deflateWindow.length > 0 ? { dictionary: this.deflateWindow } : {}),
    });
    if (this.deflateTakeover) this.deflateWindow = nextWindow(this.deflateWindow, data, this.deflateBits);
    // §7.2.1: remove the 4 octets of the trailing empty stored block.
    return output.subarray(0, output.length - SYNC_FLUSH_TAIL.length);
  }
}

const EMPTY = new Uint8Array(0);

/**
 * The most DEFLATE data a message of `size` bytes can take: zlib's conservative deflateBound
 * (any window and memory settings, stored blocks as small as zlib makes them), plus room for a
 * few empty blocks that sync flushes add. About 1.14 × size.
 */
function deflateBound(size: number): number {
  return size + Math.ceil(size / 8) + Math.ceil(size / 64) + 64;
}

/** The last 2^bits bytes of (previous window + new plaintext): the window a DEFLATE stream would hold. */
function nextWindow(previous: Buffer | undefined, data: Uint8Array, bits: number): Buffer {
  const size = 1 << bits;
  if (data.length >= size) return Buffer.from(data.subarray(data.length - size));
  const joined = previous === undefined ? Buffer.from(data) : Buffer.concat([previous, data]);
  return joined.length > size ? Buffer.from(joined.subarray(joined.length - size)) : joined;
}
