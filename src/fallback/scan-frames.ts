/**
 * scanFrames in TypeScript: the receive fast path of native/README.md. It walks the frames of
 * one socket read (RFC 6455 §5.2 header layout), unmasks each payload in place and validates
 * text payloads, and stops before anything it does not plainly understand so that the
 * TypeScript parser can deal with it (and with every error).
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
  SCAN_UTF8,
  SCAN_VERDICT,
  UTF8_INVALID,
} from '../kernels.js';
import { xorInPlace } from './mask.js';
import { validateUtf8Range } from './utf8.js';

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PONG = 0xa; // the highest control opcode RFC 6455 defines
const MESSAGE_TEXT = 1;

/** The current frame's masking key, copied out of the chunk for xorInPlace. */
const frameKey = new Uint8Array(4);

export function scanFrames(chunk: Uint8Array, start: number, out: Int32Array, state: Int32Array): number {
  const config = state[SCAN_CONFIG];
  const maxPayload = state[SCAN_MAX_PAYLOAD];
  let position = start;
  let records = 0;
  while ((records + 1) * SCAN_RECORD_SIZE <= out.length) {
    const available = chunk.length - position;
    if (available < 2) break;
    const head = chunk[position];
    const second = chunk[position + 1];
    if ((head & 0x70) !== 0) break; // RSV1-3: an extension's frame
    const opcode = head & 0x0f;
    const final = (head & 0x80) !== 0;
    if (opcode >= OPCODE_CLOSE) {
      // §5.5: control frames are never fragmented and carry at most 125 bytes.
      if (opcode > OPCODE_PONG || !final || (second & 0x7f) > 125) break;
    } else if (opcode > OPCODE_BINARY) {
      break; // reserved data opcode
    } else if ((opcode === OPCODE_CONTINUATION) !== (state[SCAN_MESSAGE] !== 0)) {
      break; // §5.4: a continuation needs a message in progress; a new message needs none
    }
    const masked = (second & 0x80) !== 0;
    if (masked ? (config & SCAN_CONFIG_FORBID_MASK) !== 0 : (config & SCAN_CONFIG_REQUIRE_MASK) !== 0) break;

    let payloadLength = second & 0x7f;
    let headerLength = 2;
    if (payloadLength === 126) {
      if (available < 4) break;
      payloadLength = (chunk[position + 2] << 8) | chunk[position + 3];
      headerLength = 4;
    } else if (payloadLength === 127) {
      if (available < 10) break;
      // Only lengths below 2^31 fit the Int32 record. A set bit in the high 32 bits stops here;
      // bit 31 makes the length exceed state[3] (at most 2^31 - 1) below.
      if ((chunk[position + 2] | chunk[position + 3] | chunk[position + 4] | chunk[position + 5]) !== 0) break;
      payloadLength =
        chunk[position + 6] * 0x1000000 + ((chunk[position + 7] << 16) | (chunk[position + 8] << 8) | chunk[position + 9]);
      headerLength = 10;
    }
    if (payloadLength > maxPayload) break;
    if (masked) headerLength += 4;
    if (available < headerLength + payloadLength) break;

    const payloadStart = position + headerLength;
    const payloadEnd = payloadStart + payloadLength;
    if (masked) {
      frameKey[0] = chunk[payloadStart - 4];
      frameKey[1] = chunk[payloadStart - 3];
      frameKey[2] = chunk[payloadStart - 2];
      frameKey[3] = chunk[payloadStart - 1];
      xorInPlace(chunk, payloadStart, payloadEnd, frameKey, 0);
    }

    let verdict = 0;
    if (opcode === OPCODE_TEXT || (opcode === OPCODE_CONTINUATION && state[SCAN_MESSAGE] === MESSAGE_TEXT)) {
      verdict = validateUtf8Range(chunk, payloadStart, payloadEnd, state[SCAN_UTF8], final);
      state[SCAN_UTF8] = verdict;
    }
    if (opcode < OPCODE_CLOSE) {
      if (!final && opcode !== OPCODE_CONTINUATION) state[SCAN_MESSAGE] = opcode;
      else if (final && opcode === OPCODE_CONTINUATION) {
        // A text message's final verdict is its state (0, or invalid). The state of a transformed
        // message is the caller's (of its output): it ends here, not carried into the next message.
        if (state[SCAN_MESSAGE] !== MESSAGE_TEXT) state[SCAN_UTF8] = 0;
        state[SCAN_MESSAGE] = 0;
      }
    }

    const record = records * SCAN_RECORD_SIZE;
    out[record + SCAN_HEAD] = head;
    out[record + SCAN_PAYLOAD_START] = payloadStart;
    out[record + SCAN_PAYLOAD_LENGTH] = payloadLength;
    out[record + SCAN_VERDICT] = verdict;
    records++;
    position = payloadEnd;
    // The parser takes over after a close frame (§5.5.1) and after invalid text (§8.1).
    if (opcode === OPCODE_CLOSE || verdict === UTF8_INVALID) break;
  }
  return records;
}
