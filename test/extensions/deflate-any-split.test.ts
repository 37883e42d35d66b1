// Compressed messages (RFC 7692 §6) read through the frame parser with the real DeflateCodec:
// random messages, compressed or not, fragmented at random (§5.4, §6.1: RSV1 on the first frame
// only) with control frames between the fragments, and the byte stream cut at random points.
// Whatever the cuts, every message arrives equal to what was sent, with context takeover on or
// off, in both roles — and a flipped byte gives the same outcome however the stream is split.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeflateCodec, deflateSettings } from '../../src/extensions/deflate-codec.js';
import type { DeflateParameters } from '../../src/extensions/permessage-deflate.js';
import { clientFrame } from '../helpers/raw-client.js';
import type { Event } from '../protocol/recorder.js';
import { recordedProtocol } from '../protocol/recorder.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// Words shared between messages make the compressor refer back into earlier messages, which
// only a receiver keeping the same window (context takeover, §7.2.3.3) can follow.
const WORDS = ['hello', 'world', '{"user":"ann","text":', 'é', '€', '😀', 'the quick brown fox', '\u0000'];
const textArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.array(fc.constantFrom(...WORDS), { maxLength: 40 }).map((words) => words.join(' ')),
  // Repetitive text compresses well, and long text crosses frame and window boundaries.
  fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.nat({ max: 400 })).map(([s, n]) => s.repeat(n)),
);
const messageArb = fc.record({
  text: fc.boolean(),
  body: textArb,
  compressed: fc.nat({ max: 3 }).map((n) => n !== 0),
  cuts: fc.array(fc.nat(), { maxLength: 3 }), // where the payload is fragmented
  ping: fc.boolean(), // a ping between the first two fragments
});
const streamArb = fc.record({
  messages: fc.array(messageArb, { minLength: 1, maxLength: 6 }),
  role: fc.constantFrom<'server' | 'client'>('server', 'client'),
  takeover: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 8 }),
  flip: fc.option(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }), { freq: 3 }),
});

type Stream = typeof streamArb extends fc.Arbitrary<infer T> ? T : never;

function parametersFor(takeover: boolean): DeflateParameters {
  return { serverNoContextTakeover: !takeover, clientNoContextTakeover: !takeover, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
}

/** The wire the peer of `stream.role` sends, and the events a receiver must report for it. */
function build(stream: Stream): { wire: Buffer; expected: Event[] } {
  const peer = stream.role === 'server' ? 'client' : 'server';
  const sender = new DeflateCodec(parametersFor(stream.takeover), peer, deflateSettings({ threshold: 0 }));
  const masked = stream.role === 'server';
  const frames: Buffer[] = [];
  const expected: Event[] = [];
  for (const message of stream.messages) {
    const plain = Buffer.from(message.body);
    const payload = message.compressed ? sender.compress(plain)! : plain;
    const cuts = [...new Set(message.cuts.map((cut) => cut % (payload.length + 1)))].sort((a, b) => a - b);
    const bounds = [0, ...cuts, payload.length];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const first = i === 0;
      const last = i + 2 === bounds.length;
      const opcode = first ? (message.text ? 1 : 2) : 0;
      const piece = Buffer.from(payload.subarray(bounds[i], bounds[i + 1]));
      frames.push(clientFrame(opcode, piece, { fin: last, rsv: first && message.compressed ? 4 : 0, mask: masked }));
      if (first && !last && message.ping) {
        frames.push(clientFrame(0x9, Buffer.of(i), { mask: masked }));
        expected.push(['ping', hex(Uint8Array.of(i))]);
      }
    }
    expected.push(['message', hex(plain), message.text]);
  }
  return { wire: Buffer.concat(frames), expected };
}

function receive(stream: Stream, wire: Buffer, cuts: number[]): Event[] {
  const codec = new DeflateCodec(parametersFor(stream.takeover), stream.role, deflateSettings({}));
  const { protocol, events } = recordedProtocol({ role: stream.role, allowRsv1: true, messageTransform: codec });
  let from = 0;
  for (const cut of [...cuts, wire.length]) {
    protocol.receiveData(Buffer.from(wire.subarray(from, cut))); // a fresh buffer: unmasked in place
    from = cut;
  }
  return events;
}

describe('compressed and plain messages through DeflateCodec, any fragmentation, any split', () => {
  it('arrive as sent; a flipped byte has one outcome however the stream is cut', () => {
    fc.assert(
      fc.property(streamArb, (stream) => {
        const { wire, expected } = build(stream);
        const cuts = [...new Set(stream.cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
        if (stream.flip === null) {
          expect(receive(stream, wire, [])).toEqual(expected);
          expect(receive(stream, wire, cuts)).toEqual(expected);
          return;
        }
        wire[stream.flip.at % wire.length] = stream.flip.value;
        const whole = receive(stream, wire, []);
        expect(receive(stream, wire, cuts)).toEqual(whole);
        // A flipped byte in a compressed payload either still inflates (to something) or fails
        // with 1007/1009; it never throws out of the parser.
        for (const event of whole) {
          if (event[0] === 'error') expect([1002, 1007, 1009]).toContain(event[2]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
