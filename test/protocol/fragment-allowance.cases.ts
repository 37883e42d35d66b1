/**
 * receiveBufferLimit (maxMessageSize) bounds a message's payload bytes, however it is
 * fragmented; the frames a message spans are bounded by a separate allowance derived from the
 * limit (fragmentAllowance), so a flood of tiny fragments still ends with 1009, at bounded
 * memory. Run once with the kernels the library loads (native scanFrames for whole chunks) and
 * once with the TypeScript kernels forced (fragment-allowance-typescript-kernels.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { MIN_FRAGMENT_ALLOWANCE, fragmentAllowance } from '../../src/protocol/frame-parser.js';
import { OPCODE_BINARY, OPCODE_CONTINUATION, OPCODE_TEXT } from '../../src/protocol/opcodes.js';
import { binaryPayload } from '../helpers/payloads.js';
import { encodeFrame } from '../kernels/frames.js';
import { recordedProtocol } from './recorder.js';
import type { Event, Recorded } from './recorder.js';

const LIMIT = 4096;
const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const TOO_BIG: Event = ['error', 'WS_ERR_MESSAGE_TOO_BIG', 1009];

/** `payload` as a masked client message in `count` frames of (nearly) equal size, the last with FIN. */
function fragmented(payload: Uint8Array, count: number, opcode = OPCODE_BINARY): Buffer {
  const size = Math.ceil(payload.length / count);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const piece = payload.subarray(Math.min(i * size, payload.length), Math.min((i + 1) * size, payload.length));
    frames.push(encodeFrame({ fin: i === count - 1, opcode: i === 0 ? opcode : OPCODE_CONTINUATION, payload: piece, key: KEY }).bytes);
  }
  return Buffer.concat(frames);
}

/** Feeds `wire` in chunks of `chunkSize` (fresh buffers: the protocol owns what it gets). */
function feedChunks({ protocol }: Recorded, wire: Uint8Array, chunkSize: number): void {
  for (let at = 0; at < wire.length; at += chunkSize) protocol.receiveData(Buffer.from(wire.subarray(at, at + chunkSize)));
}

export function fragmentAllowanceTests(kernelsName: string): void {
  describe(`receiveBufferLimit counts payload bytes only [${kernelsName} kernels]`, () => {
    const payload = binaryPayload(LIMIT);
    const hex = Buffer.from(payload).toString('hex');

    for (const count of [1, 4, 64]) {
      for (const chunkSize of [Number.MAX_SAFE_INTEGER, 7]) {
        const how = chunkSize === 7 ? 'in 7-byte chunks' : 'in one chunk';
        it(`accepts a message of exactly the limit as ${count} fragment(s), ${how}`, () => {
          const recorded = recordedProtocol({ role: 'server', maxMessageSize: LIMIT });
          feedChunks(recorded, fragmented(payload, count), chunkSize);
          expect(recorded.events).toEqual([['message', hex, false]]);
        });
      }
      it(`refuses a message one byte over the limit as ${count} fragment(s) with 1009`, () => {
        const recorded = recordedProtocol({ role: 'server', maxMessageSize: LIMIT });
        feedChunks(recorded, fragmented(binaryPayload(LIMIT + 1), count), Number.MAX_SAFE_INTEGER);
        expect(recorded.events).toEqual([TOO_BIG]);
      });
    }

    it('accepts exactly-the-limit text split inside characters across 64 fragments', () => {
      const text = Buffer.from('κόσμε€'.repeat(256), 'utf8'); // 3328 bytes of 2- and 3-byte characters
      const whole = Buffer.concat([text, Buffer.alloc(LIMIT - text.length, 0x61)]);
      const recorded = recordedProtocol({ role: 'server', maxMessageSize: LIMIT });
      feedChunks(recorded, fragmented(whole, 64, OPCODE_TEXT), Number.MAX_SAFE_INTEGER);
      expect(recorded.events).toEqual([['message', whole.toString('hex'), true]]);
    });
  });

  describe(`the fragment allowance [${kernelsName} kernels]`, () => {
    const allowance = fragmentAllowance(LIMIT);

    it('is one frame per 64 bytes of the limit, at least 1024', () => {
      expect(fragmentAllowance(4 * 1024 * 1024)).toBe(65536);
      expect(fragmentAllowance(LIMIT)).toBe(MIN_FRAGMENT_ALLOWANCE);
      expect(MIN_FRAGMENT_ALLOWANCE).toBe(1024);
    });

    it('accepts a message of exactly the allowance of frames, and refuses one frame more with 1009', () => {
      const empty = new Uint8Array(0);
      const frames = (count: number): Buffer =>
        Buffer.concat([
          encodeFrame({ fin: false, opcode: OPCODE_BINARY, payload: empty, key: KEY }).bytes,
          ...Array.from({ length: count - 2 }, () => encodeFrame({ fin: false, opcode: OPCODE_CONTINUATION, payload: empty, key: KEY }).bytes),
          encodeFrame({ fin: true, opcode: OPCODE_CONTINUATION, payload: Uint8Array.of(1), key: KEY }).bytes,
        ]);
      const fits = recordedProtocol({ role: 'server', maxMessageSize: LIMIT });
      feedChunks(fits, frames(allowance), 4096);
      expect(fits.events).toEqual([['message', '01', false]]);
      const over = recordedProtocol({ role: 'server', maxMessageSize: LIMIT });
      feedChunks(over, frames(allowance + 1), 4096);
      expect(over.events).toEqual([TOO_BIG]);
    });

    for (const deliver of ['messages', 'fragments'] as const) {
      for (const size of [0, 1]) {
        it(`ends a flood of ${size}-byte fragments with 1009 at bounded memory (deliver '${deliver}')`, () => {
          const recorded = recordedProtocol({ role: 'server', maxMessageSize: LIMIT, deliver });
          const piece = new Uint8Array(size).fill(0x41);
          recorded.protocol.receiveData(Buffer.from(encodeFrame({ fin: false, opcode: OPCODE_BINARY, payload: piece, key: KEY }).bytes));
          const continuation = encodeFrame({ fin: false, opcode: OPCODE_CONTINUATION, payload: piece, key: KEY }).bytes;
          const chunk = Buffer.concat(Array.from({ length: 100 }, () => continuation));
          let mostHeld = 0;
          for (let i = 0; i < 200; i++) {
            // 20,000 fragments, 20 times the allowance, in reads of 100.
            recorded.protocol.receiveData(Buffer.from(chunk));
            mostHeld = Math.max(mostHeld, recorded.protocol.heldBytes);
          }
          expect(recorded.events.at(-1)).toEqual(TOO_BIG);
          expect(recorded.events.filter((event) => event[0] === 'error')).toHaveLength(1);
          // What was handed out before the failure: at most one piece per allowed frame.
          expect(recorded.events.length - 1).toBeLessThanOrEqual(deliver === 'fragments' ? allowance : 0);
          // What the parser held: never more than the limit, and nothing once it failed.
          expect(mostHeld).toBeLessThanOrEqual(LIMIT);
          expect(recorded.protocol.heldBytes).toBe(0);
        });
      }
    }
  });
}
