/**
 * Autobahn|Testsuite groups 1-7, 9 and 10 against the wsframe echo server over real sockets,
 * checking what "strict OK" requires (see test/helpers/autobahn.ts): the echoes, or a close
 * with the right code and no frame after it, and the server closing TCP.
 *
 * Coverage, by test family (cases already in test/server/connection.test.ts are not repeated;
 * they are named in brackets):
 * - framing:        1.1.1-1.1.8, 1.2.1-1.2.8 (lengths 0-65536, 1.x.8 in 997-byte chops)
 * - ping/pong:      2.1-2.4, 2.6-2.11                          [2.5: ping of 126 bytes → 1002]
 * - reserved bits:  3.2-3.7, and RSV 1-7 on every frame kind    [3.1: RSV1 on text]
 * - opcodes:        4.1.1-4.1.5, 4.2.1-4.2.5
 * - fragmentation:  5.2-5.17, 5.19, 5.20, 1-byte fragments     [5.1 fragmented ping, 5.18 new message inside one]
 * - UTF-8:          6.1.1-6.3.2; 6.4.1-6.4.4 fail fast (the close comes while the rest is unsent);
 *                   6.5.1-6.23.7 each in one frame (Autobahn) and in 1-byte fragments
 * - close:          7.1.1-7.1.6, 7.3.4-7.3.6, 7.5.1 (Autobahn's payload), 7.7.x and 7.9.x codes not in
 *                   connection.test.ts, 7.13.2                 [7.3.1-7.3.3, 7.9 codes 999/1004/1005/1006/1016/2999, 7.13.1]
 * - limits:         9.1.3, 9.1.6, 9.2.4, 9.2.6, 9.3.1, 9.3.6, 9.3.8, 9.4.6, 9.4.8, 9.5.1, 9.6.6, 9.7.x, 9.8.x
 *                   (a representative subset of sizes; up to 16 MiB)
 * - auto-fragment:  10.1.1
 */
import { describe, expect, it } from 'vitest';
import {
  BINARY, CLOSE, CONT, PING, PONG, TEXT,
  expectFailure, expectMessage, fragmented, frame, runCase, sendFrames, useEchoServer, writeChopped,
  type AutobahnCase,
} from '../helpers/autobahn.js';
import { RawClient, clientFrame, closePayload } from '../helpers/raw-client.js';
import { binaryPayload, KiB, MiB, textPayload } from '../helpers/payloads.js';
import { UTF8_SAMPLES } from './utf8-samples.js';

const port = useEchoServer({ closeTimeout: 1000 });
const run = (c: AutobahnCase): Promise<void> => runCase(port(), c);
const byId = (cases: AutobahnCase[]): Array<[string, AutobahnCase]> => cases.map((c) => [c.id, c]);

describe('1.x framing: text and binary echoed at the length encoding boundaries (§5.2)', () => {
  const sizes = [0, 125, 126, 127, 128, 65535, 65536];
  const cases = (group: number, opcode: number, make: (size: number) => Buffer): AutobahnCase[] => [
    ...sizes.map((size, i) => ({ id: `1.${group}.${i + 1}`, frames: [frame(opcode, make(size))], expect: [{ opcode, payload: make(size) }] })),
    { id: `1.${group}.8`, frames: [frame(opcode, make(65536))], chop: 997, expect: [{ opcode, payload: make(65536) }] },
  ];
  it.each(byId([...cases(1, TEXT, (n) => Buffer.from('*'.repeat(n))), ...cases(2, BINARY, (n) => Buffer.alloc(n, 0xfe))]))('%s', (_id, c) => run(c));
});

describe('2.x pings and pongs (§5.5.2, §5.5.3)', () => {
  const ping = (payload: Buffer | string): Buffer => frame(PING, payload);
  const pong = (payload: Buffer | string) => ({ opcode: PONG, payload });
  const binary = Buffer.from('00fffefdfcfb00ff', 'hex');
  const tenPings = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
  it.each(byId([
    { id: '2.1', frames: [ping('')], expect: [pong('')] },
    { id: '2.2', frames: [ping('Hello, world!')], expect: [pong('Hello, world!')] },
    { id: '2.3', frames: [ping(binary)], expect: [pong(binary)] },
    { id: '2.4', frames: [ping(Buffer.alloc(125, 0xfe))], expect: [pong(Buffer.alloc(125, 0xfe))] },
    { id: '2.6', frames: [ping(Buffer.alloc(125, 0xfe))], chop: 'octet', expect: [pong(Buffer.alloc(125, 0xfe))] },
    { id: '2.7 (unsolicited pong, no payload, is ignored)', frames: [frame(PONG)] },
    { id: '2.8 (unsolicited pong with payload is ignored)', frames: [frame(PONG, 'unsolicited pong payload')] },
    { id: '2.9 (only the ping is answered)', frames: [frame(PONG, 'unsolicited pong payload'), ping('ping payload')], expect: [pong('ping payload')] },
    { id: '2.10', frames: tenPings.map(ping), expect: tenPings.map(pong) },
    { id: '2.11', frames: tenPings.map(ping), chop: 'frame', expect: tenPings.map(pong) },
  ]))('%s', (_id, c) => run(c));
});

describe('3.x reserved bits without an extension fail with 1002 (§5.2)', () => {
  const hello = { opcode: TEXT, payload: 'Hello, world!' };
  const autobahn: AutobahnCase[] = [
    { id: '3.2 (RSV 2 on text)', frames: [frame(TEXT, 'Hello, world!'), frame(TEXT, 'Hello, world!', { rsv: 2 }), frame(PING)], expect: [hello], fail: 1002 },
    { id: '3.3 (RSV 3 on text, frame chops)', frames: [frame(TEXT, 'Hello, world!'), frame(TEXT, 'Hello, world!', { rsv: 3 }), frame(PING)], chop: 'frame', expect: [hello], fail: 1002 },
    { id: '3.4 (RSV 4 on text, octet chops)', frames: [frame(TEXT, 'Hello, world!'), frame(TEXT, 'Hello, world!', { rsv: 4 }), frame(PING)], chop: 'octet', expect: [hello], fail: 1002 },
    { id: '3.5 (RSV 5 on binary)', frames: [frame(BINARY, Buffer.alloc(8, 0xff), { rsv: 5 })], fail: 1002 },
    { id: '3.6 (RSV 6 on ping)', frames: [frame(PING, 'Hello, world!', { rsv: 6 })], fail: 1002 },
    { id: '3.7 (RSV 7 on close)', frames: [frame(CLOSE, closePayload(1000), { rsv: 7 })], fail: 1002 },
  ];
  it.each(byId(autobahn))('%s', (_id, c) => run(c));

  // Every frame kind with every RSV combination, after a good message and before a ping that must not be answered.
  const kinds: Array<[string, (rsv: number) => Buffer[]]> = [
    ['text', (rsv) => [frame(TEXT, 'x', { rsv })]],
    ['binary', (rsv) => [frame(BINARY, 'x', { rsv })]],
    ['first fragment', (rsv) => [frame(TEXT, 'x', { rsv, fin: false })]],
    ['continuation', (rsv) => [frame(TEXT, 'x', { fin: false }), frame(CONT, 'y', { rsv })]],
    ['ping', (rsv) => [frame(PING, 'x', { rsv })]],
    ['pong', (rsv) => [frame(PONG, 'x', { rsv })]],
    ['close', (rsv) => [frame(CLOSE, closePayload(1000), { rsv })]],
  ];
  const chops = ['whole', 'frame', 'octet'] as const;
  const matrix = kinds.flatMap(([kind, make]) =>
    [1, 2, 3, 4, 5, 6, 7].map((rsv): [string, AutobahnCase] => [
      `RSV ${rsv} on ${kind}`,
      { id: `rsv ${rsv} ${kind}`, frames: [frame(TEXT, 'ok'), ...make(rsv), frame(PING, 'unanswered')], chop: chops[rsv % 3], expect: [{ opcode: TEXT, payload: 'ok' }], fail: 1002 },
    ]),
  );
  it.each(matrix)('%s', (_id, c) => run(c));
});

describe('4.x reserved opcodes fail with 1002 (§5.2)', () => {
  const hello = { opcode: TEXT, payload: 'Hello, world!' };
  const family = (group: number, opcodes: number[]): AutobahnCase[] => [
    { id: `4.${group}.1 (opcode ${opcodes[0]}, empty)`, frames: [frame(opcodes[0]!)], fail: 1002 },
    { id: `4.${group}.2 (opcode ${opcodes[1]}, with payload)`, frames: [frame(opcodes[1]!, 'reserved opcode payload')], fail: 1002 },
    { id: `4.${group}.3 (text, opcode ${opcodes[2]}, ping)`, frames: [frame(TEXT, 'Hello, world!'), frame(opcodes[2]!), frame(PING)], expect: [hello], fail: 1002 },
    { id: `4.${group}.4 (text, opcode ${opcodes[3]} with payload, ping)`, frames: [frame(TEXT, 'Hello, world!'), frame(opcodes[3]!, 'reserved opcode payload'), frame(PING)], chop: 'frame', expect: [hello], fail: 1002 },
    { id: `4.${group}.5 (text, opcode ${opcodes[4]} with payload, ping, octet chops)`, frames: [frame(TEXT, 'Hello, world!'), frame(opcodes[4]!, 'reserved opcode payload'), frame(PING)], chop: 'octet', expect: [hello], fail: 1002 },
  ];
  it.each(byId([...family(1, [3, 4, 5, 6, 7]), ...family(2, [11, 12, 13, 14, 15])]))('%s', (_id, c) => run(c));
});

describe('5.x fragmentation (§5.4)', () => {
  const f = (opcode: number, payload: string, fin: boolean): Buffer => frame(opcode, payload, { fin });
  const twoFragments = [f(TEXT, 'fragment1', false), f(CONT, 'fragment2', true)];
  const withPing = [f(TEXT, 'fragment1', false), frame(PING, 'ping payload'), f(CONT, 'fragment2', true)];
  const echoed = { opcode: TEXT, payload: 'fragment1fragment2' };
  const pong = { opcode: PONG, payload: 'ping payload' };
  const noStartFin = [f(CONT, 'non-continuation payload', true), frame(TEXT, 'Hello, world!'), frame(PING)];
  const noStartMore = [f(CONT, 'non-continuation payload', false), frame(TEXT, 'Hello, world!'), frame(PING)];
  const five = ['fragment1', 'fragment2', 'fragment3', 'fragment4', 'fragment5'];
  const fiveWithPings = [
    f(TEXT, five[0]!, false), f(CONT, five[1]!, false), frame(PING, 'pongme 1!'),
    f(CONT, five[2]!, false), f(CONT, five[3]!, false), frame(PING, 'pongme 2!'), f(CONT, five[4]!, true),
  ];
  const fiveExpect = [{ opcode: PONG, payload: 'pongme 1!' }, { opcode: PONG, payload: 'pongme 2!' }, { opcode: TEXT, payload: five.join('') }];
  it.each(byId([
    { id: '5.2 (fragmented pong)', frames: [f(PONG, 'fragment1', false), f(CONT, 'fragment2', true)], fail: 1002 },
    { id: '5.3', frames: twoFragments, expect: [echoed] },
    { id: '5.4 (octet chops)', frames: twoFragments, chop: 'octet', expect: [echoed] },
    { id: '5.5 (frame chops)', frames: twoFragments, chop: 'frame', expect: [echoed] },
    { id: '5.6 (ping between)', frames: withPing, expect: [pong, echoed] },
    { id: '5.7 (ping between, octet chops)', frames: withPing, chop: 'octet', expect: [pong, echoed] },
    { id: '5.8 (ping between, frame chops)', frames: withPing, chop: 'frame', expect: [pong, echoed] },
    { id: '5.9 (continuation with FIN, nothing to continue)', frames: noStartFin, fail: 1002 },
    { id: '5.10 (same, octet chops)', frames: noStartFin, chop: 'octet', fail: 1002 },
    { id: '5.11 (same, frame chops)', frames: noStartFin, chop: 'frame', fail: 1002 },
    { id: '5.12 (continuation without FIN, nothing to continue)', frames: noStartMore, fail: 1002 },
    { id: '5.13 (same, octet chops)', frames: noStartMore, chop: 'octet', fail: 1002 },
    { id: '5.14 (same, frame chops)', frames: noStartMore, chop: 'frame', fail: 1002 },
    { id: '5.15 (a message, then a continuation starting nothing)', frames: [...twoFragments, f(CONT, 'fragment3', false), f(TEXT, 'fragment4', true)], expect: [echoed], fail: 1002 },
    { id: '5.16 (continuation, text, continuation ×2)', frames: [f(CONT, 'fragment1', false), f(TEXT, 'fragment2', false), f(CONT, 'fragment3', true), f(CONT, 'fragment1', false), f(TEXT, 'fragment2', false), f(CONT, 'fragment3', true)], fail: 1002 },
    { id: '5.17 (final continuation, text, continuation ×2)', frames: [f(CONT, 'fragment1', true), f(TEXT, 'fragment2', false), f(CONT, 'fragment3', true), f(CONT, 'fragment1', true), f(TEXT, 'fragment2', false), f(CONT, 'fragment3', true)], fail: 1002 },
    { id: '5.19 (5 fragments, pings after the 2nd and 4th, with pauses)', frames: fiveWithPings, pauseMs: 30, expect: fiveExpect },
    { id: '5.20 (same, frame chops)', frames: fiveWithPings, chop: 'frame', pauseMs: 10, expect: fiveExpect },
    { id: 'text in 1-byte fragments', frames: fragmented(TEXT, 'Hello, fragments!', 1), expect: [{ opcode: TEXT, payload: 'Hello, fragments!' }] },
    { id: 'binary in 1-byte fragments, octet chops', frames: fragmented(BINARY, binaryPayload(64), 1), chop: 'octet', expect: [{ opcode: BINARY, payload: binaryPayload(64) }] },
    { id: 'binary in 1-byte fragments with a ping after each', frames: fragmented(BINARY, Buffer.from('abc'), 1).flatMap((x, i) => [x, frame(PING, `p${i}`)]), expect: [{ opcode: PONG, payload: 'p0' }, { opcode: PONG, payload: 'p1' }, { opcode: BINARY, payload: 'abc' }, { opcode: PONG, payload: 'p2' }] },
  ]))('%s', (_id, c) => run(c));
});

describe('6.x UTF-8 (§5.6, §8.1)', () => {
  const helloUtf8 = 'Hello-µ@ßöäüàá-UTF-8!!';
  const kosme = Buffer.from('cebae1bdb9cf83cebcceb5', 'hex');
  const invalid = Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex'); // κόσμε, a surrogate, "edited"
  it.each(byId([
    { id: '6.1.1 (empty text)', frames: [frame(TEXT, '')], expect: [{ opcode: TEXT, payload: '' }] },
    { id: '6.1.2 (3 empty fragments)', frames: [frame(TEXT, '', { fin: false }), frame(CONT, '', { fin: false }), frame(CONT, '')], expect: [{ opcode: TEXT, payload: '' }] },
    { id: '6.1.3 (empty, middle, empty)', frames: [frame(TEXT, '', { fin: false }), frame(CONT, 'middle frame payload', { fin: false }), frame(CONT, '')], expect: [{ opcode: TEXT, payload: 'middle frame payload' }] },
    { id: '6.2.1 (valid, one frame)', frames: [frame(TEXT, helloUtf8)], expect: [{ opcode: TEXT, payload: helloUtf8 }] },
    { id: '6.2.2 (valid, 2 fragments split on a character)', frames: [frame(TEXT, 'Hello-µ@ßöä', { fin: false }), frame(CONT, 'üàá-UTF-8!!')], expect: [{ opcode: TEXT, payload: helloUtf8 }] },
    { id: '6.2.3 (valid, octet chops)', frames: [frame(TEXT, helloUtf8)], chop: 'octet', expect: [{ opcode: TEXT, payload: helloUtf8 }] },
    { id: '6.2.4 (κόσμε, octet chops)', frames: [frame(TEXT, kosme)], chop: 'octet', expect: [{ opcode: TEXT, payload: kosme }] },
    { id: '6.3.1 (invalid, 3 fragments)', frames: [frame(TEXT, invalid.subarray(0, 11), { fin: false }), frame(CONT, invalid.subarray(11, 14), { fin: false }), frame(CONT, invalid.subarray(14))], fail: 1007 },
    { id: '6.3.2 (invalid, octet chops)', frames: [frame(TEXT, invalid)], chop: 'octet', fail: 1007 },
  ]))('%s', (_id, c) => run(c));

  // 6.4.x fail fast: the server must close after the part that breaks UTF-8, while the rest of
  // the message is still unsent. We never send the rest before the close arrives.
  const part1 = 'cebae1bdb9cf83cebcceb5', rest1 = '656469746564';
  const failFast: Array<[string, 'fragments' | 'chops', string, string, string]> = [
    ['6.4.1', 'fragments', part1, 'f4908080', rest1],
    ['6.4.2', 'fragments', part1 + 'f4', '90', '8080' + rest1],
    ['6.4.3', 'chops', part1, 'f4908080', rest1],
    ['6.4.4', 'chops', part1 + 'f4', '90', '8080' + rest1],
  ];
  it.each(failFast)('%s (%s): closed with 1007 before the rest is sent', async (_id, mode, a, b, c) => {
    const [p1, p2, p3] = [a, b, c].map((h) => Buffer.from(h, 'hex')) as [Buffer, Buffer, Buffer];
    const client = await RawClient.upgraded(port());
    try {
      let pieces: Buffer[];
      if (mode === 'fragments') {
        pieces = [frame(TEXT, p1, { fin: false }), frame(CONT, p2, { fin: false }), frame(CONT, p3)];
      } else {
        const whole = frame(TEXT, Buffer.concat([p1, p2, p3])); // one frame: 2-byte header + 4-byte mask
        pieces = [whole.subarray(0, 6 + p1.length), whole.subarray(6 + p1.length, 6 + p1.length + p2.length), whole.subarray(6 + p1.length + p2.length)];
      }
      await sendFrames(client, [pieces[0]!]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(client.closed, 'the valid first part is accepted').toBe(false);
      const sent = Date.now();
      await sendFrames(client, [pieces[1]!]);
      await expectFailure(client, 1007);
      // At the part that breaks it, not at a timeout (Autobahn waits 1 s before the third part).
      expect(Date.now() - sent).toBeLessThan(500);
    } finally {
      client.destroy();
    }
  });

  const sampleCases = (mode: 'one frame' | '1-byte fragments') =>
    UTF8_SAMPLES.map((s): [string, AutobahnCase] => [
      `${s.id} ${s.category}: ${s.bytes.toString('hex').slice(0, 40)} ${s.valid ? 'echoed' : '→ 1007'} (${mode})`,
      {
        id: s.id,
        frames: mode === 'one frame' ? [frame(TEXT, s.bytes)] : fragmented(TEXT, s.bytes, 1),
        ...(s.valid ? { expect: [{ opcode: TEXT, payload: s.bytes }] } : { fail: 1007 }),
      },
    ]);
  it.each(sampleCases('one frame'))('%s', (_id, c) => run(c));
  it.each(sampleCases('1-byte fragments'))('%s', (_id, c) => run(c));
});

describe('7.x close handling (§5.5.1, §7)', () => {
  const close = (code: number, reason = ''): Buffer => frame(CLOSE, closePayload(code, reason));
  const hello = { opcode: TEXT, payload: 'Hello World!' };
  const big = Buffer.from('BAsd7&jh23'.repeat(Math.ceil((256 * KiB) / 10)).slice(0, 256 * KiB));
  it.each(byId([
    { id: '7.1.1 (message, then close)', frames: [frame(TEXT, 'Hello World!'), close(1000)], expect: [hello], closesItself: true, closeReply: [1000] },
    { id: '7.1.2 (close twice: one reply)', frames: [close(1000), close(1000)], closesItself: true, closeReply: [1000] },
    { id: '7.1.3 (close, then ping: no pong)', frames: [close(1000), frame(PING, 'Hello World!')], closesItself: true, closeReply: [1000] },
    { id: '7.1.4 (close, then text: no echo)', frames: [close(1000), frame(TEXT, 'Hello World!')], closesItself: true, closeReply: [1000] },
    { id: '7.1.5 (fragment, close, last fragment: no echo)', frames: [frame(TEXT, 'fragment1', { fin: false }), close(1000), frame(CONT, 'fragment2')], closesItself: true, closeReply: [1000] },
    { id: '7.1.6 (256 KiB message, message, close, ping)', frames: [frame(TEXT, big), frame(TEXT, 'Hello World!'), close(1000), frame(PING)], expect: [{ opcode: TEXT, payload: big }, hello], closesItself: true, closeReply: [1000] },
    { id: '7.3.4 (code and reason)', frames: [close(1000, 'Hello World!')], closesItself: true, closeReply: [1000] },
    { id: '7.3.5 (123-byte reason, the most that fits)', frames: [close(1000, '*'.repeat(123))], closesItself: true, closeReply: [1000] },
    { id: '7.3.6 (124-byte reason: a 126-byte control frame)', frames: [close(1000, '*'.repeat(124))], fail: 1002 },
    { id: '7.5.1 (reason not UTF-8: κόσμε + surrogate)', frames: [frame(CLOSE, Buffer.concat([closePayload(1000), Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex')]))], fail: 1007 },
    // 7.7.x valid codes (1000, 1003, 1011, 3000, 4999 are in connection.test.ts), plus IANA's 1012-1014.
    ...[1001, 1002, 1007, 1008, 1009, 1010, 1012, 1013, 1014, 3999, 4000].map((code): AutobahnCase => ({ id: `7.7.x (code ${code}: answered with 1000 or ${code})`, frames: [close(code)], closesItself: true, closeReply: [1000, code] })),
    // 7.9.x invalid codes (999, 1004-1006, 1016, 2999 are in connection.test.ts), 1015 (local only), 7.13.2.
    ...[0, 1015, 1100, 2000, 65535].map((code): AutobahnCase => ({ id: `7.9.x/7.13.2 (code ${code} → 1002)`, frames: [close(code)], fail: 1002 })),
  ]))('%s', (_id, c) => run(c));
});

describe('9.x large messages (receiveBufferLimit raised to 17 MiB)', () => {
  const bigPort = useEchoServer({ receiveBufferLimit: 17 * MiB });
  const text = (size: number): Buffer => Buffer.from(textPayload(size));
  const cases: AutobahnCase[] = [
    { id: '9.1.3 (1 MiB text)', frames: [frame(TEXT, text(MiB))], expect: [{ opcode: TEXT, payload: text(MiB) }] },
    { id: '9.1.6 (16 MiB text)', frames: [frame(TEXT, text(16 * MiB))], expect: [{ opcode: TEXT, payload: text(16 * MiB) }] },
    { id: '9.2.4 (4 MiB binary)', frames: [frame(BINARY, binaryPayload(4 * MiB))], expect: [{ opcode: BINARY, payload: binaryPayload(4 * MiB) }] },
    { id: '9.2.6 (16 MiB binary)', frames: [frame(BINARY, binaryPayload(16 * MiB))], expect: [{ opcode: BINARY, payload: binaryPayload(16 * MiB) }] },
    { id: '9.3.1 (4 MiB text in 64-byte fragments)', frames: fragmented(TEXT, text(4 * MiB), 64), expect: [{ opcode: TEXT, payload: text(4 * MiB) }] },
    { id: '9.3.6 (4 MiB text in 64 KiB fragments)', frames: fragmented(TEXT, text(4 * MiB), 64 * KiB), expect: [{ opcode: TEXT, payload: text(4 * MiB) }] },
    { id: '9.3.8 (4 MiB text in 1 MiB fragments)', frames: fragmented(TEXT, text(4 * MiB), MiB), expect: [{ opcode: TEXT, payload: text(4 * MiB) }] },
    { id: '9.4.6 (16 MiB binary in 64 KiB fragments)', frames: fragmented(BINARY, binaryPayload(16 * MiB, 3), 64 * KiB), expect: [{ opcode: BINARY, payload: binaryPayload(16 * MiB, 3) }] },
    { id: '9.4.8 (4 MiB binary in 1 MiB fragments)', frames: fragmented(BINARY, binaryPayload(4 * MiB, 4), MiB), expect: [{ opcode: BINARY, payload: binaryPayload(4 * MiB, 4) }] },
    { id: '9.5.1 (1 MiB text in 64-byte TCP chops)', frames: [frame(TEXT, text(MiB))], chop: 64, expect: [{ opcode: TEXT, payload: text(MiB) }] },
    { id: '9.6.6 (1 MiB binary in 2 KiB TCP chops)', frames: [frame(BINARY, binaryPayload(MiB))], chop: 2048, expect: [{ opcode: BINARY, payload: binaryPayload(MiB) }] },
  ];
  it.each(byId(cases))('%s', (_id, c) => runCase(bigPort(), c));

  it.each([
    ['9.7.x', TEXT, [0, 16, 64, 256, 1024, 4096]],
    ['9.8.x', BINARY, [0, 16, 64, 256, 1024, 4096]],
  ] as const)('%s: 1000 messages of each size, sent back to back, echoed in order', async (_id, opcode, sizes) => {
    for (const size of sizes) {
      const payload = opcode === TEXT ? text(size) : binaryPayload(size);
      const one = clientFrame(opcode, payload);
      const client = await RawClient.upgraded(bigPort());
      try {
        await writeChopped(client, Buffer.concat(Array.from({ length: 1000 }, () => one)), 256 * KiB);
        for (let i = 0; i < 1000; i++) await expectMessage(client, { opcode, payload });
      } finally {
        client.destroy();
      }
    }
  });
});

describe('10.x auto-fragmentation', () => {
  it('10.1.1: a 64 KiB text message in 1300-byte fragments is echoed whole', () =>
    run({ id: '10.1.1', frames: fragmented(TEXT, '*'.repeat(65536), 1300), expect: [{ opcode: TEXT, payload: '*'.repeat(65536) }] }));
});
