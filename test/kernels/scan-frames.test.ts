/**
 * scanFrames (native/README.md): records and state for streams of random valid frames, each
 * stop rule, resuming from `start`, and — for the addon — identical results to TypeScript on
 * mutated and random bytes.
 */

import { expect, test } from 'vitest';
import {
  SCAN_CONFIG_FORBID_MASK,
  SCAN_CONFIG_REQUIRE_MASK,
  SCAN_RECORD_SIZE,
  SCAN_STATE_SIZE,
  type Kernels,
} from '../../src/kernels.js';
import { typescriptKernels } from '../../src/native.js';
import { expectBytes } from './expect-bytes.js';
import { encodeFrame, header64, type FrameSpec } from './frames.js';
import { describeEachImplementation, describeEachNativeImplementation } from './implementations.js';
import { concatBytes, randomBytes, randomInt, randomUtf8ish, seededRandom } from './random.js';
import { expectedUtf8State } from './utf8-reference.js';

const MAX_PAYLOAD = 2 ** 31 - 1;
const TEXT = 1;
const BINARY = 2;
const CLOSE = 8;
const PING = 9;
const PONG = 10;

function scanState(message: number, utf8: number, config: number, maxPayload = MAX_PAYLOAD): Int32Array {
  return Int32Array.of(message, utf8, config, maxPayload);
}

interface Stream {
  chunk: Uint8Array;
  /** The unmasked chunk: what it must look like after scanning. */
  unmasked: Uint8Array;
  /** Expected records, 4 slots each. */
  records: number[];
  /** Expected state[0] and state[1] after all frames. */
  message: number;
  utf8: number;
}

/** Concatenates frames and computes the records and state a correct scan produces. */
function buildStream(specs: FrameSpec[], message = 0, utf8 = 0): Stream {
  const encoded = specs.map(encodeFrame);
  const chunk = concatBytes(...encoded.map((frame) => frame.bytes));
  const unmasked = chunk.slice();
  const records: number[] = [];
  let textSoFar: Uint8Array = new Uint8Array(0);
  let offset = 0;
  specs.forEach((spec, f) => {
    const { head, headerLength, bytes } = encoded[f];
    const payloadStart = offset + headerLength;
    unmasked.set(spec.payload, payloadStart);
    let verdict = 0;
    const isText = spec.opcode === TEXT || (spec.opcode === 0 && message === TEXT);
    if (isText) {
      if (spec.opcode === TEXT) textSoFar = new Uint8Array(0);
      textSoFar = concatBytes(textSoFar, spec.payload);
      verdict = expectedUtf8State(textSoFar, spec.fin);
      utf8 = verdict;
    }
    if (spec.opcode < 8 && !spec.fin && spec.opcode !== 0) message = spec.opcode;
    if (spec.opcode === 0 && spec.fin) message = 0;
    records.push(head, payloadStart, spec.payload.length, verdict);
    offset += bytes.length;
  });
  return { chunk, unmasked, records, message, utf8 };
}

function scan(kernels: Kernels, chunk: Uint8Array, state: Int32Array, maxRecords = 64, start = 0) {
  const out = new Int32Array(maxRecords * SCAN_RECORD_SIZE).fill(-7);
  const count = kernels.scanFrames(chunk, start, out, state);
  return { count, records: Array.from(out.subarray(0, count * SCAN_RECORD_SIZE)), untouched: out.subarray(count * SCAN_RECORD_SIZE).every((slot) => slot === -7) };
}

/** A random sequence of valid frames: text (some fragmented, some invalid at the end), binary, control frames between fragments. */
function randomFrames(random: () => number, masked: boolean, frameCount: number): FrameSpec[] {
  const specs: FrameSpec[] = [];
  const key = () => (masked ? randomBytes(random, 4) : undefined);
  const lengthBits = (length: number): 7 | 16 | 64 | undefined => {
    const pick = random();
    if (pick < 0.15) return 64;
    if (pick < 0.3 && length < 0x10000) return 16;
    return undefined;
  };
  const dataPayload = (text: boolean) => {
    const size = random() < 0.1 ? 126 + randomInt(random, 400) : randomInt(random, 40);
    return text ? randomUtf8ish(random, Math.ceil(size / 2)) : randomBytes(random, size);
  };
  while (specs.length < frameCount) {
    const text = random() < 0.6;
    const fragments = random() < 0.4 ? 2 + randomInt(random, 3) : 1;
    const payload = dataPayload(text);
    for (let f = 0; f < fragments; f++) {
      const from = Math.floor((payload.length * f) / fragments);
      const to = Math.floor((payload.length * (f + 1)) / fragments);
      const piece = payload.subarray(from, to);
      specs.push({ fin: f === fragments - 1, opcode: f === 0 ? (text ? TEXT : BINARY) : 0, payload: piece, key: key(), lengthBits: lengthBits(piece.length) });
      if (random() < 0.3) {
        specs.push({ fin: true, opcode: random() < 0.5 ? PING : PONG, payload: randomBytes(random, randomInt(random, 126)), key: key(), lengthBits: random() < 0.2 ? 7 : undefined });
      }
    }
  }
  return specs;
}

/** The expected records up to the first invalid text frame (scanFrames stops after it). */
function truncateAtInvalid(specs: FrameSpec[]): FrameSpec[] {
  const stream = buildStream(specs);
  for (let f = 0; f < specs.length; f++) {
    if (stream.records[f * SCAN_RECORD_SIZE + 3] === -1) return specs.slice(0, f + 1);
  }
  return specs;
}

describeEachImplementation('scanFrames', (kernels) => {
  test('random streams of valid frames: every record, the state, payloads unmasked in place', () => {
    const random = seededRandom(9);
    for (let n = 0; n < 300; n++) {
      const masked = n % 3 !== 2;
      const config = n % 3 === 0 ? SCAN_CONFIG_REQUIRE_MASK : n % 3 === 1 ? 0 : SCAN_CONFIG_FORBID_MASK;
      const specs = truncateAtInvalid(randomFrames(random, masked, 1 + randomInt(random, 12)));
      const stream = buildStream(specs);
      const state = scanState(0, 0, config);
      const result = scan(kernels, stream.chunk, state);
      expect(result.records).toEqual(stream.records);
      expect(result.untouched).toBe(true);
      expect(Array.from(state)).toEqual([stream.message, stream.utf8, config, MAX_PAYLOAD]);
      expectBytes(stream.chunk, stream.unmasked, `stream ${n}`);
    }
  });

  test('resuming from `start` with room for one or two records at a time gives the same records', () => {
    const random = seededRandom(10);
    for (let n = 0; n < 50; n++) {
      const specs = truncateAtInvalid(randomFrames(random, true, 10));
      const stream = buildStream(specs);
      const state = scanState(0, 0, SCAN_CONFIG_REQUIRE_MASK);
      const records: number[] = [];
      let start = 0;
      for (;;) {
        const room = 1 + (n & 1);
        const result = scan(kernels, stream.chunk, state, room, start);
        expect(result.count).toBeLessThanOrEqual(room);
        if (result.count === 0) break;
        records.push(...result.records);
        const last = result.records.length - SCAN_RECORD_SIZE;
        start = result.records[last + 1] + result.records[last + 2];
      }
      expect(records).toEqual(stream.records);
      expectBytes(stream.chunk, stream.unmasked, `stream ${n}`);
    }
  });

  test('a 70000-byte text frame (16-bit length field is not enough: 64-bit length)', () => {
    const payload = new Uint8Array(Buffer.from('é'.repeat(35000), 'utf8'));
    const stream = buildStream([{ fin: true, opcode: TEXT, payload, key: Uint8Array.of(1, 2, 3, 4) }]);
    const state = scanState(0, 0, SCAN_CONFIG_REQUIRE_MASK);
    expect(scan(kernels, stream.chunk, state).records).toEqual([0x81, 14, 70000, 0]);
    expectBytes(stream.chunk, stream.unmasked, '70000 bytes');
  });

  test('text continues across calls: a message started earlier (state[0] = 1) validates from state[1]', () => {
    // "€" is E2 82 AC: the first call ends inside it, the second finishes it.
    const first = buildStream([{ fin: false, opcode: TEXT, payload: Uint8Array.of(0x41, 0xe2, 0x82) }]);
    const state = scanState(0, 0, 0);
    expect(scan(kernels, first.chunk, state).records).toEqual([0x01, 2, 3, 2 | (0xe2 << 2) | (0x82 << 10)]);
    expect(Array.from(state.subarray(0, 2))).toEqual([TEXT, 2 | (0xe2 << 2) | (0x82 << 10)]);
    const second = buildStream([{ fin: true, opcode: 0, payload: Uint8Array.of(0xac) }]);
    expect(scan(kernels, second.chunk, state).records).toEqual([0x80, 2, 1, 0]);
    expect(Array.from(state.subarray(0, 2))).toEqual([0, 0]);
  });

  test('continuations of an extension-transformed message (state[0] = 3) are not validated', () => {
    const stream = buildStream([
      { fin: false, opcode: 0, payload: Uint8Array.of(0xff, 0xfe) },
      { fin: true, opcode: 0, payload: Uint8Array.of(0xc0) },
    ]);
    const state = scanState(3, 0, 0);
    expect(scan(kernels, stream.chunk, state).records).toEqual([0x00, 2, 2, 0, 0x80, 6, 1, 0]);
    expect(Array.from(state.subarray(0, 2))).toEqual([0, 0]);
  });

  test('the end of a transformed message clears state[1]: the caller\'s state of its output does not reach the next text', () => {
    // The caller keeps the UTF-8 state of a transformed message's output in state[1] (here: one
    // lead byte C2 seen). An empty final text frame after the message is valid on its own.
    const stream = buildStream([
      { fin: true, opcode: 0, payload: Uint8Array.of(0x80) },
      { fin: true, opcode: TEXT, payload: new Uint8Array(0) },
    ]);
    const pending = expectedUtf8State(Uint8Array.of(0xc2), false);
    expect(pending).toBeGreaterThan(0);
    const state = scanState(3, pending, 0);
    expect(scan(kernels, stream.chunk, state).records).toEqual([0x80, 2, 1, 0, 0x81, 5, 0, 0]);
    expect(Array.from(state.subarray(0, 2))).toEqual([0, 0]);
  });

  test('stops after (consuming) invalid text and a close frame', () => {
    const binary: FrameSpec = { fin: true, opcode: BINARY, payload: Uint8Array.of(1, 2, 3) };
    const invalid: FrameSpec = { fin: false, opcode: TEXT, payload: Uint8Array.of(0x41, 0xf4, 0x90) };
    const afterInvalid = buildStream([binary, invalid, binary]);
    const state = scanState(0, 0, 0);
    expect(scan(kernels, afterInvalid.chunk, state).records).toEqual(afterInvalid.records.slice(0, 8));
    expect(afterInvalid.records[7]).toBe(-1);
    expect(state[1]).toBe(-1);

    const close: FrameSpec = { fin: true, opcode: CLOSE, payload: Uint8Array.of(0x03, 0xe8), key: Uint8Array.of(9, 8, 7, 6) };
    const afterClose = buildStream([close, { ...binary, key: Uint8Array.of(1, 1, 1, 1) }]);
    const closeState = scanState(0, 0, SCAN_CONFIG_REQUIRE_MASK);
    expect(scan(kernels, afterClose.chunk, closeState).records).toEqual(afterClose.records.slice(0, 4));
    // The close payload was unmasked; the frame after it was not touched.
    expectBytes(afterClose.chunk.subarray(0, 8), afterClose.unmasked.subarray(0, 8), 'close frame');
    expectBytes(afterClose.chunk.subarray(8), encodeFrame({ ...binary, key: Uint8Array.of(1, 1, 1, 1) }).bytes, 'frame after close');
  });

  /** [rule, bytes of the frame scanFrames must stop before, state[0], state[2], state[3]]. */
  const stopBefore: Array<[string, Uint8Array, number, number, number]> = [
    ['1: one header byte', Uint8Array.of(0x82), 0, 0, MAX_PAYLOAD],
    ['1: 16-bit length incomplete', Uint8Array.of(0x82, 126, 0), 0, 0, MAX_PAYLOAD],
    ['1: 64-bit length incomplete', Uint8Array.of(0x82, 127, 0, 0, 0, 0, 0, 0, 1), 0, 0, MAX_PAYLOAD],
    ['1: masking key incomplete', Uint8Array.of(0x82, 0x81, 1, 2, 3), 0, 0, MAX_PAYLOAD],
    ['1: payload incomplete', encodeFrame({ fin: true, opcode: BINARY, payload: new Uint8Array(300) }).bytes.subarray(0, 303), 0, 0, MAX_PAYLOAD],
    ['2: RSV1', encodeFrame({ fin: true, opcode: TEXT, payload: Uint8Array.of(0x41), rsv: 0x40 }).bytes, 0, 0, MAX_PAYLOAD],
    ['2: RSV2', encodeFrame({ fin: true, opcode: BINARY, payload: Uint8Array.of(0x41), rsv: 0x20 }).bytes, 0, 0, MAX_PAYLOAD],
    ['2: RSV3', encodeFrame({ fin: true, opcode: PING, payload: Uint8Array.of(0x41), rsv: 0x10 }).bytes, 0, 0, MAX_PAYLOAD],
    ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map((opcode): [string, Uint8Array, number, number, number] => [
      `3: reserved opcode ${opcode}`,
      encodeFrame({ fin: true, opcode, payload: Uint8Array.of(0x41) }).bytes,
      0,
      0,
      MAX_PAYLOAD,
    ]),
    ['4: fragmented ping', encodeFrame({ fin: false, opcode: PING, payload: Uint8Array.of(0x41) }).bytes, 0, 0, MAX_PAYLOAD],
    ['4: fragmented close', encodeFrame({ fin: false, opcode: CLOSE, payload: new Uint8Array(0) }).bytes, 0, 0, MAX_PAYLOAD],
    ['4: 126-byte pong', encodeFrame({ fin: true, opcode: PONG, payload: new Uint8Array(126) }).bytes, 0, 0, MAX_PAYLOAD],
    ['4: ping with a 16-bit length of 200', encodeFrame({ fin: true, opcode: PING, payload: new Uint8Array(200) }).bytes, 0, 0, MAX_PAYLOAD],
    ['5: continuation with no message', encodeFrame({ fin: true, opcode: 0, payload: Uint8Array.of(0x41) }).bytes, 0, 0, MAX_PAYLOAD],
    ['5: text while a text message is in progress', encodeFrame({ fin: true, opcode: TEXT, payload: Uint8Array.of(0x41) }).bytes, 1, 0, MAX_PAYLOAD],
    ['5: binary while a binary message is in progress', encodeFrame({ fin: true, opcode: BINARY, payload: Uint8Array.of(1) }).bytes, 2, 0, MAX_PAYLOAD],
    ['5: text while an extension message is in progress', encodeFrame({ fin: true, opcode: TEXT, payload: Uint8Array.of(0x41) }).bytes, 3, 0, MAX_PAYLOAD],
    ['6: unmasked frame to a server', encodeFrame({ fin: true, opcode: BINARY, payload: Uint8Array.of(1) }).bytes, 0, SCAN_CONFIG_REQUIRE_MASK, MAX_PAYLOAD],
    ['6: masked frame to a client', encodeFrame({ fin: true, opcode: BINARY, payload: Uint8Array.of(1), key: Uint8Array.of(1, 2, 3, 4) }).bytes, 0, SCAN_CONFIG_FORBID_MASK, MAX_PAYLOAD],
    ['6: unmasked ping to a server', encodeFrame({ fin: true, opcode: PING, payload: new Uint8Array(0) }).bytes, 0, SCAN_CONFIG_REQUIRE_MASK, MAX_PAYLOAD],
    ['7: 16-bit length above state[3]', encodeFrame({ fin: true, opcode: BINARY, payload: new Uint8Array(1000) }).bytes, 0, 0, 999],
    ['7: 64-bit length above state[3]', encodeFrame({ fin: true, opcode: BINARY, payload: new Uint8Array(1000), lengthBits: 64 }).bytes, 0, 0, 999],
    ['7: 64-bit length of 2^31', header64(0x82, 0, 2 ** 31), 0, 0, MAX_PAYLOAD],
    ['7: 64-bit length with bit 32 set', header64(0x82, 1, 0), 0, 0, MAX_PAYLOAD],
    ['7: 64-bit length with bit 63 set', header64(0x82, 0x80000000, 5), 0, 0, MAX_PAYLOAD],
  ];

  test.each(stopBefore)('stops before the frame (rule %s), after the frames before it', (_rule, frame, message, config, maxPayload) => {
    // One valid frame first (a ping, legal whatever message is in progress), then the offending one.
    const ping = encodeFrame({ fin: true, opcode: PING, payload: Uint8Array.of(0x70), key: config === SCAN_CONFIG_FORBID_MASK ? undefined : Uint8Array.of(5, 6, 7, 8) });
    const chunk = concatBytes(config === SCAN_CONFIG_FORBID_MASK ? encodeFrame({ fin: true, opcode: PING, payload: Uint8Array.of(0x70) }).bytes : ping.bytes, frame);
    const pingLength = chunk.length - frame.length;
    const state = scanState(message, 0, config, maxPayload);
    const result = scan(kernels, chunk, state);
    expect(result.records).toEqual([0x89, pingLength - 1, 1, 0]);
    expect(result.untouched).toBe(true);
    expect(Array.from(state)).toEqual([message, 0, config, maxPayload]);
    expectBytes(chunk.subarray(pingLength), frame, 'the frame it stopped before is untouched');
  });

  test('rule 8: stops when `out` has no room, and with no room at all scans nothing', () => {
    const stream = buildStream([0, 1, 2].map(() => ({ fin: true, opcode: BINARY, payload: Uint8Array.of(1, 2) })));
    expect(scan(kernels, stream.chunk.slice(), scanState(0, 0, 0), 2).records).toEqual(stream.records.slice(0, 8));
    const noRoom = new Int32Array(SCAN_RECORD_SIZE - 1);
    expect(kernels.scanFrames(stream.chunk, 0, noRoom, scanState(0, 0, 0))).toBe(0);
  });

  test('a 16-bit length equal to state[3] is accepted; non-minimal length encodings are accepted', () => {
    const stream = buildStream([
      { fin: true, opcode: BINARY, payload: new Uint8Array(999) },
      { fin: true, opcode: TEXT, payload: Uint8Array.of(0x41), lengthBits: 16 },
      { fin: true, opcode: TEXT, payload: Uint8Array.of(0x42), lengthBits: 64 },
    ]);
    expect(scan(kernels, stream.chunk, scanState(0, 0, 0, 999)).records).toEqual(stream.records);
  });
});

describeEachNativeImplementation('scanFrames identical to TypeScript', (kernels) => {
  /** Scans a copy with each implementation and compares everything observable. */
  function expectSameAsTypeScript(chunk: Uint8Array, state: Int32Array, start: number, context: string): void {
    const nativeChunk = chunk.slice();
    const typescriptChunk = chunk.slice();
    const nativeState = state.slice();
    const typescriptState = state.slice();
    const nativeOut = new Int32Array(16 * SCAN_RECORD_SIZE);
    const typescriptOut = new Int32Array(16 * SCAN_RECORD_SIZE);
    const nativeCount = kernels.scanFrames(nativeChunk, start, nativeOut, nativeState);
    const typescriptCount = typescriptKernels.scanFrames(typescriptChunk, start, typescriptOut, typescriptState);
    if (
      nativeCount !== typescriptCount ||
      !Buffer.from(nativeOut.buffer).equals(Buffer.from(typescriptOut.buffer)) ||
      !Buffer.from(nativeState.buffer).equals(Buffer.from(typescriptState.buffer))
    ) {
      expect(
        { count: nativeCount, out: Array.from(nativeOut), state: Array.from(nativeState) },
        `${context}: ${Buffer.from(chunk).toString('hex')} state ${state}`,
      ).toEqual({ count: typescriptCount, out: Array.from(typescriptOut), state: Array.from(typescriptState) });
    }
    expectBytes(nativeChunk, typescriptChunk, context);
  }

  test('on valid streams with random bytes flipped', () => {
    const random = seededRandom(11);
    for (let n = 0; n < 1500; n++) {
      const masked = random() < 0.5;
      const chunk = buildStream(randomFrames(random, masked, 1 + randomInt(random, 5))).chunk;
      for (let flips = randomInt(random, 4); flips > 0; flips--) chunk[randomInt(random, chunk.length)] ^= 1 << randomInt(random, 8);
      const config = [0, SCAN_CONFIG_REQUIRE_MASK, SCAN_CONFIG_FORBID_MASK][randomInt(random, 3)];
      const maxPayload = random() < 0.2 ? randomInt(random, 300) : MAX_PAYLOAD;
      const state = Int32Array.of(randomInt(random, 4), 0, config, maxPayload);
      expectSameAsTypeScript(chunk, state, 0, `stream ${n}`);
    }
  });

  test('on random bytes from random starts', () => {
    const random = seededRandom(12);
    for (let n = 0; n < 1500; n++) {
      const chunk = randomBytes(random, randomInt(random, 64));
      const state = new Int32Array(SCAN_STATE_SIZE);
      state[3] = MAX_PAYLOAD;
      expectSameAsTypeScript(chunk, state, randomInt(random, chunk.length + 1), `bytes ${n}`);
    }
  });
});
