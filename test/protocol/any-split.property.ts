// The parser's central promise: every split of the same byte stream yields the same messages,
// control frames and error — random valid and invalid streams, cut at random points. Shared by
// the test files that run it with each kernel implementation.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { ProtocolOptions } from '../../src/protocol/protocol.js';
import type { Event } from './recorder.js';
import { recordedProtocol } from './recorder.js';

export interface FrameSpec {
  head: number;
  payload: Uint8Array;
  key: number; // masking key, used when the frame is masked
  wideLength: 0 | 16 | 64; // 0: minimal length encoding
}

/** RFC 6455 §5.2, written independently of src/protocol/frame-serializer.ts. */
export function encodeFrame(frame: FrameSpec, masked: boolean): Buffer {
  const length = frame.payload.length;
  const form = length > 0xffff ? 64 : length > 125 ? Math.max(16, frame.wideLength) : frame.wideLength;
  const header = [frame.head];
  const maskBit = masked ? 0x80 : 0;
  if (form === 0) header.push(maskBit | length);
  else if (form === 16) header.push(maskBit | 126, length >> 8, length & 0xff);
  else header.push(maskBit | 127, 0, 0, 0, 0, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
  const key = [frame.key >>> 24, (frame.key >> 16) & 0xff, (frame.key >> 8) & 0xff, frame.key & 0xff];
  if (masked) header.push(...key);
  const payload = Buffer.from(frame.payload);
  if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(header), payload]);
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s));
const payloadArb = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(utf8) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) }, // as text, mostly invalid UTF-8
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 60, maxLength: 150 }).map(utf8) },
);
const frameArb = (head: fc.Arbitrary<number>) =>
  fc.record({
    head,
    payload: payloadArb,
    key: fc.nat({ max: 0xffffffff }),
    wideLength: fc.constantFrom<0 | 16 | 64>(0, 0, 0, 16, 64),
  });
// §5.5: control frames use the 7-bit length.
const controlArb = frameArb(fc.constantFrom(0x89, 0x8a)).map((frame) => ({
  ...frame,
  payload: frame.payload.subarray(0, 125),
  wideLength: 0 as const,
}));
const closeArb = fc
  .record({ code: fc.constantFrom(1000, 1001, 1005, 1006, 3000, 4999, 5000), reason: fc.string({ maxLength: 10 }) })
  .chain(({ code, reason }) =>
    frameArb(fc.constant(0x88)).map((frame) => ({
      ...frame,
      wideLength: 0 as const,
      payload: new Uint8Array(Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)])),
    })),
  );
/** A data message in 1-4 frames, with control frames between them. */
const messageArb = fc
  .record({
    opcode: fc.constantFrom(1, 2),
    rsv1: fc.nat({ max: 4 }).map((n) => n === 0),
    frames: fc.array(fc.tuple(frameArb(fc.constant(0)), fc.option(controlArb, { freq: 4 })), { minLength: 1, maxLength: 4 }),
  })
  .map(({ opcode, rsv1, frames }) =>
    frames.flatMap(([frame, control], i) => {
      const head = (i === frames.length - 1 ? 0x80 : 0) | (i === 0 ? opcode | (rsv1 ? 0x40 : 0) : 0);
      const data = { ...frame, head };
      return control === null ? [data] : [control, data];
    }),
  );
/** Anything: reserved opcodes, RSV bits, fragmented control frames, stray continuations. */
const junkArb = frameArb(fc.nat({ max: 255 })).map((frame) => [frame]);

const streamArb = fc.record({
  items: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: messageArb },
      { weight: 2, arbitrary: controlArb.map((frame) => [frame]) },
      { weight: 1, arbitrary: junkArb },
      { weight: 1, arbitrary: closeArb.map((frame) => [frame]) },
    ),
    { maxLength: 8 },
  ),
  flip: fc.oneof(
    { weight: 7, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }) },
  ),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
  role: fc.constantFrom<'server' | 'client'>('server', 'client'),
  wrongMask: fc.nat({ max: 19 }).map((n) => n === 0), // now and then, every frame breaks §5.1
  maxMessageSize: fc.constantFrom(100, 400, 4194304),
  allowRsv1: fc.boolean(),
});

type Options = Omit<ProtocolOptions, 'listener'>;

/** An extension transform that keeps the payload as it is (a copy): RSV1 messages then read like others. */
const identityTransform = { transform: (piece: Uint8Array) => new Uint8Array(piece) };

function run(options: Options, wire: Buffer, cuts: number[]): Event[] {
  const { protocol, events } = recordedProtocol(options);
  let from = 0;
  for (const cut of [...cuts, wire.length]) {
    // Every chunk is a fresh buffer: the protocol unmasks what it is given in place.
    protocol.receiveData(Buffer.from(wire.subarray(from, cut)));
    from = cut;
  }
  return events;
}

/** Fragments → the messages they make up (an unfinished message before an error is dropped). */
function asMessages(events: Event[]): Event[] {
  const out: Event[] = [];
  let pending = '';
  for (const event of events) {
    if (event[0] !== 'fragment') {
      out.push(event);
      continue;
    }
    pending += event[1];
    if (event[3]) {
      out.push(['message', pending, event[2]]);
      pending = '';
    }
  }
  return out;
}

/** Asserts the property for `numRuns` random streams. */
export function checkAnySplit(numRuns: number): void {
  fc.assert(
    fc.property(streamArb, (stream) => {
      const masked = (stream.role === 'server') !== stream.wrongMask;
      const wire = Buffer.concat(stream.items.flat().map((frame) => encodeFrame(frame, masked)));
      if (stream.flip !== null && wire.length > 0) wire[stream.flip.at % wire.length] = stream.flip.value;
      const cuts = [...new Set(stream.cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
      const options: Options = {
        role: stream.role,
        maxMessageSize: stream.maxMessageSize,
        allowRsv1: stream.allowRsv1,
        messageTransform: identityTransform,
      };
      const whole = run(options, wire, []);
      expect(run(options, wire, cuts)).toEqual(whole);
      const everyByte = Array.from({ length: wire.length }, (_, i) => i);
      expect(run(options, wire, everyByte)).toEqual(whole);
      expect(asMessages(run({ ...options, deliver: 'fragments' }, wire, cuts))).toEqual(whole);
    }),
    { numRuns },
  );
}
