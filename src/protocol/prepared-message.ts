/**
 * A message framed once for many receivers (DESIGN.md: "Broadcast frames a message once and
 * writes the same bytes to every member"). Only unmasked frames can be shared — a client masks
 * every frame with its own key (RFC 6455 §5.3) — so this serves the server role; a compressed
 * variant is made once per compressor setting that keeps no per-connection state.
 */
import { frameHead, serializeFrame } from './frame-serializer.js';
import { OPCODE_BINARY, OPCODE_TEXT } from './opcodes.js';

/** A compressor whose output depends only on the message (no context takeover), shareable across connections. */
export interface SharedCompressor {
  /** Equal keys produce equal output for equal input. */
  readonly shareKey: string;
  compress(data: Uint8Array): Uint8Array | undefined;
}

export interface PreparedFrames {
  readonly chunks: readonly Uint8Array[];
  readonly length: number;
}

export class PreparedMessage {
  readonly opcode: number;
  readonly payload: Uint8Array;
  private plain: PreparedFrames | undefined;
  private readonly compressed = new Map<string, PreparedFrames>();

  constructor(data: string | Uint8Array, text: boolean) {
    this.opcode = text ? OPCODE_TEXT : OPCODE_BINARY;
    this.payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  }

  /** The frame as is (RFC 6455 §5.2), made on first use. */
  frames(): PreparedFrames {
    return (this.plain ??= frame(frameHead(this.opcode, true, false), this.payload));
  }

  /** The frame compressed by `compressor` (RSV1, RFC 7692 §6.1), made once per shareKey; the plain frame when it declines. */
  compressedFrames(compressor: SharedCompressor): PreparedFrames {
    let frames = this.compressed.get(compressor.shareKey);
    if (frames === undefined) {
      const output = compressor.compress(this.payload);
      frames = output === undefined ? this.frames() : frame(frameHead(this.opcode, true, true), output);
      this.compressed.set(compressor.shareKey, frames);
    }
    return frames;
  }
}

function frame(head: number, payload: Uint8Array): PreparedFrames {
  const chunks: Uint8Array[] = [];
  const length = serializeFrame(chunks, head, payload, false);
  return { chunks, length };
}
