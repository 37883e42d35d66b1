// A carrier that reads a large binary payload straight into its message (Protocol.payloadTarget,
// receiveDataInPlace: the native transport's readInto) must change nothing but where the bytes
// land: the same messages, control frames and errors as the same stream pushed as chunks, in
// either role, however the reads fall. Written against a simulated carrier, bytes in, events out.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_PAYLOAD_TARGET } from '../../src/protocol/frame-parser.js';
import type { ProtocolOptions } from '../../src/protocol/protocol.js';
import { encodeFrame } from './any-split.property.js';
import type { FrameSpec } from './any-split.property.js';
import type { Event } from './recorder.js';
import { recordedProtocol } from './recorder.js';

type Options = Omit<ProtocolOptions, 'listener'>;

/** Events with long payloads as their length and SHA-1 (a failure then prints a readable diff). */
function compact(events: Event[]): unknown[] {
  return events.map((event) =>
    event.map((field) => (typeof field === 'string' && field.length > 200 ? `${field.length / 2} B sha1 ${createHash('sha1').update(field).digest('hex')}` : field)),
  );
}

/** Pushes `wire` as one chunk: the reference. */
function whole(options: Options, wire: Buffer): unknown[] {
  const { protocol, events } = recordedProtocol(options);
  protocol.receiveData(Buffer.from(wire));
  return compact(events);
}

/**
 * Feeds `wire` as a carrier would: reads of the given sizes (cycled), into the payload target
 * whenever the protocol offers one (never past its end), else as chunks. Returns the events and
 * how many bytes went in place.
 */
function carried(options: Options, wire: Buffer, reads: number[]): { events: unknown[]; inPlace: number; offers: number[] } {
  const { protocol, events } = recordedProtocol(options);
  let at = 0;
  let read = 0;
  let inPlace = 0;
  const offers: number[] = [];
  let target: Uint8Array | undefined;
  let filled = 0;
  while (at < wire.length) {
    const size = reads[read++ % reads.length]!;
    if (target === undefined) {
      target = protocol.payloadTarget();
      filled = 0;
      if (target !== undefined) offers.push(target.length);
    }
    if (target !== undefined) {
      const n = Math.min(size, target.length - filled, wire.length - at);
      target.set(wire.subarray(at, at + n), filled);
      filled += n;
      at += n;
      inPlace += n;
      if (filled === target.length) target = undefined;
      protocol.receiveDataInPlace(n);
    } else {
      const n = Math.min(size, wire.length - at);
      protocol.receiveData(Buffer.from(wire.subarray(at, at + n)));
      at += n;
    }
  }
  return { events: compact(events), inPlace, offers };
}

const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 2654435761 + seed) >>> 24);
const frame = (head: number, payload: Uint8Array, key = 0x1234abcd): FrameSpec => ({ head, payload, key, wideLength: 0 });
const ping = frame(0x89, bytes(5, 7));

describe('reading a large payload in place', () => {
  it('a 1 MiB binary message read into its own buffer: the same message, all but the first read in place', () => {
    const payload = bytes(1024 * 1024, 1);
    const wire = Buffer.concat([encodeFrame(frame(0x82, payload), true), encodeFrame(ping, true)]);
    const reference = whole({ role: 'server' }, wire);
    expect(reference).toEqual(compact([['message', Buffer.from(payload).toString('hex'), false], ['ping', Buffer.from(ping.payload).toString('hex')]]));
    const { events, inPlace, offers } = carried({ role: 'server' }, wire, [64 * 1024]);
    expect(events).toEqual(reference);
    expect(offers).toEqual([payload.length - (64 * 1024 - 14)]); // one offer: the rest of the frame
    expect(inPlace).toBe(offers[0]);
  });

  it('is offered for binary only: not for text (its UTF-8 is checked read by read), an extension\'s messages, or fragments delivery', () => {
    const payload = bytes(300 * 1024, 2).map((b) => b & 0x7f); // ASCII: valid text too
    for (const [head, options] of [
      [0x81, { role: 'server' }],
      [0xc2, { role: 'server', allowRsv1: true, messageTransform: { transform: (piece: Uint8Array) => new Uint8Array(piece) } }],
      [0x82, { role: 'server', deliver: 'fragments' }],
    ] as [number, Options][]) {
      const wire = encodeFrame(frame(head, payload), true);
      const { events, offers } = carried(options, wire, [64 * 1024]);
      expect(offers).toEqual([]);
      // (Fragments are handed out as they arrive: what each read brought, not one piece.)
      if (options.deliver !== 'fragments') expect(events).toEqual(whole(options, wire));
    }
    expect(carried({ role: 'server' }, encodeFrame(frame(0x82, payload), true), [64 * 1024]).offers.length).toBe(1);
  });

  it('is not offered for less than MIN_PAYLOAD_TARGET still to come, nor for a frame over the limit (refused at its header)', () => {
    const small = encodeFrame(frame(0x82, bytes(MIN_PAYLOAD_TARGET + 1000, 3)), true);
    expect(carried({ role: 'server' }, small, [1000]).offers).toEqual([MIN_PAYLOAD_TARGET + 14]);
    expect(carried({ role: 'server' }, small, [1015]).offers).toEqual([]); // one byte less to come: under
    const big = encodeFrame(frame(0x82, bytes(200 * 1024, 4)), true);
    const { events, offers } = carried({ role: 'server', maxMessageSize: 100 * 1024 }, big, [64 * 1024]);
    expect(offers).toEqual([]);
    expect(events).toEqual([['error', 'WS_ERR_MESSAGE_TOO_BIG', 1009]]);
  });

  it('any stream of large and small frames, in either role, read in any sizes: the same events as one chunk', () => {
    const big = fc.record({ length: fc.integer({ min: MIN_PAYLOAD_TARGET, max: 3 * MIN_PAYLOAD_TARGET }), seed: fc.nat() });
    const item = fc.oneof(
      // a binary message of 1-3 large frames, a ping between them now and then
      fc.array(fc.tuple(big, fc.boolean()), { minLength: 1, maxLength: 3 }).map((frames) =>
        frames.flatMap(([{ length, seed }, withPing], i) => {
          const head = (i === frames.length - 1 ? 0x80 : 0) | (i === 0 ? 0x02 : 0);
          return withPing && i > 0 ? [ping, frame(head, bytes(length, seed), seed)] : [frame(head, bytes(length, seed), seed)];
        }),
      ),
      fc.record({ length: fc.nat({ max: 300 }), seed: fc.nat(), text: fc.boolean() }).map(({ length, seed, text }) => [
        frame(text ? 0x81 : 0x82, text ? new Uint8Array(length).fill(0x61) : bytes(length, seed), seed),
      ]),
      big.map(({ length, seed }) => [frame(0x81, new Uint8Array(length).fill(0x62), seed)]),
    );
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 200 * 1024 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom<'server' | 'client'>('server', 'client'),
        fc.option(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }), { freq: 4 }),
        (items, reads, role, flip) => {
          const wire = Buffer.concat(items.flat().map((f) => encodeFrame(f, role === 'server')));
          if (flip !== null) wire[flip.at % wire.length] = flip.value; // now and then, a broken stream
          const options: Options = { role };
          expect(carried(options, wire, reads).events).toEqual(whole(options, wire));
        },
      ),
      { numRuns: 40 },
    );
  });
});
