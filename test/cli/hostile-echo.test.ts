/**
 * `wsframe echo --deflate` against a seeded campaign of hostile sessions, as an outside fuzzer
 * would run it: random valid traffic (text, binary, compressed, fragmented, pings between the
 * fragments, written in random chunk sizes), each session then damaged in one way or not at all
 * (a flipped byte, a junk frame, a reserved opcode, invalid UTF-8, a bad close code, a length
 * over the limit or with the top bit set, garbage after the handshake, a cut-off stream), and
 * random request heads. Every session must end the way RFC 6455 says — an undamaged one echoed
 * exactly and closed with 1000, a damaged one closed with 1002, 1007 or 1009 (§7.4.1) or an
 * echo of the client's valid close code, or, when the damage declared a frame longer than what
 * follows, waiting for it until the client gives up — and the process must survive all of it and
 * still echo. In the `tls` and `http2` projects (test/helpers/carrier.ts) the same campaign runs
 * against `wsframe echo --tls-cert … --tls-key …` and `wsframe echo --http2`, each session on a
 * TLS connection or an RFC 8441 stream (the request heads over TLS, or over HTTP/1.1 beside HTTP/2).
 */
import { describe, expect, it } from 'vitest';
import { EchoCli } from '../helpers/cli-process.js';
import { compressedMessage, inflatedMessage } from '../helpers/compressed.js';
import { RawClient, clientFrame, closePayload, upgradeRequest, type ServerFrame } from '../helpers/raw-client.js';
import { randomBytes, randomInt, randomValidUtf8, seededRandom } from '../kernels/random.js';

const TEXT = 1, BINARY = 2, CONT = 0, CLOSE = 8, PING = 9, PONG = 10;
const LIMIT = 64 * 1024; // --receive-buffer-limit for this campaign, so "too big" is cheap to send

type Random = () => number;
type Damage = 'none' | 'flip' | 'junk' | 'opcode' | 'utf8' | 'close-code' | 'too-big' | 'top-bit' | 'garbage' | 'cut';
const DAMAGES: Damage[] = ['none', 'none', 'none', 'flip', 'junk', 'opcode', 'utf8', 'close-code', 'too-big', 'top-bit', 'garbage', 'cut'];

interface Session {
  deflate: boolean;
  wire: Buffer;
  damage: Damage;
  /** What an undamaged session must get back: [opcode, payload] per message, then pongs. */
  echoes: [number, string][];
  pongs: string[];
  /** Close codes the client itself sent in valid close frames (the server echoes them). */
  sentCodes: number[];
}

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A message as 1-4 frames, pings between them; compressed when `deflate` says so (RFC 7692 §6). */
function messageFrames(random: Random, deflate: boolean, session: Session): Buffer[] {
  const text = random() < 0.6;
  const size = random() < 0.1 ? randomInt(random, 20_000) : randomInt(random, 300);
  const payload = Buffer.from(text ? randomValidUtf8(random, size) : randomBytes(random, size));
  const compressed = deflate && random() < 0.5;
  const data = compressed ? compressedMessage(payload) : payload;
  const pieces = 1 + randomInt(random, 4);
  const frames: Buffer[] = [];
  for (let i = 0; i < pieces; i++) {
    const from = Math.floor((i * data.length) / pieces);
    const to = Math.floor(((i + 1) * data.length) / pieces);
    frames.push(clientFrame(i === 0 ? (text ? TEXT : BINARY) : CONT, data.subarray(from, to), { fin: i === pieces - 1, rsv: i === 0 && compressed ? 4 : 0 }));
    if (i < pieces - 1 && random() < 0.3) {
      const ping = Buffer.from(randomBytes(random, randomInt(random, 20)));
      frames.push(clientFrame(PING, ping));
      session.pongs.push(toHex(ping));
    }
  }
  session.echoes.push([text ? TEXT : BINARY, toHex(payload)]);
  return frames;
}

function damaged(random: Random, session: Session, frames: Buffer[]): Buffer[] {
  const at = randomInt(random, frames.length + 1);
  const insert = (frame: Buffer) => [...frames.slice(0, at), frame, ...frames.slice(at)];
  switch (session.damage) {
    case 'none':
    case 'cut':
      return frames;
    case 'flip': {
      const wire = Buffer.concat(frames);
      if (wire.length > 0) wire[randomInt(random, wire.length)] = randomInt(random, 256);
      return [wire];
    }
    case 'junk':
      return insert(Buffer.from(randomBytes(random, 2 + randomInt(random, 30))));
    case 'opcode':
      return insert(clientFrame([3, 4, 5, 6, 7, 11, 12, 13, 14, 15][randomInt(random, 10)]!, 'x'));
    case 'utf8':
      return insert(clientFrame(TEXT, Buffer.from([0x61, 0xed, 0xa0, 0x80]))); // a surrogate
    case 'close-code': {
      const code = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535][randomInt(random, 10)]!;
      return insert(clientFrame(CLOSE, closePayload(code)));
    }
    case 'too-big': {
      const frame = clientFrame(BINARY, Buffer.alloc(0)); // header: 82 80 key; the length goes in
      const head = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0]); // 127: 1 MiB declared
      return insert(Buffer.concat([head, frame.subarray(2, 6)]));
    }
    case 'top-bit':
      return insert(Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]));
    case 'garbage':
      return [Buffer.from(randomBytes(random, 1 + randomInt(random, 200))), ...frames];
  }
}

function makeSession(seed: number): Session {
  const random = seededRandom(seed);
  const session: Session = { deflate: random() < 0.5, wire: Buffer.alloc(0), damage: DAMAGES[randomInt(random, DAMAGES.length)]!, echoes: [], pongs: [], sentCodes: [] };
  let frames: Buffer[] = [];
  const messages = randomInt(random, 6);
  for (let i = 0; i < messages; i++) frames.push(...messageFrames(random, session.deflate, session));
  frames = damaged(random, session, frames);
  if (session.damage === 'cut') {
    const wire = Buffer.concat(frames);
    session.wire = wire.subarray(0, randomInt(random, wire.length + 1));
  } else {
    const code = [1000, 1001, 3000, 4999][randomInt(random, 4)]!;
    session.sentCodes.push(code);
    session.wire = Buffer.concat([...frames, clientFrame(CLOSE, closePayload(code, 'bye'))]);
  }
  return session;
}

/** Writes `wire` in random chunk sizes, yielding to the event loop between some of them. */
async function writeInRandomPieces(client: RawClient, wire: Buffer, random: Random): Promise<void> {
  for (let from = 0; from < wire.length; ) {
    const size = random() < 0.5 ? 1 + randomInt(random, 16) : 1 + randomInt(random, 4096);
    client.write(wire.subarray(from, from + size));
    from += size;
    if (random() < 0.2) await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Every frame until the server closes TCP. With `stallMs`, a server that sends nothing for that
 * long is waiting for bytes the damage promised (a frame length that overruns the stream): the
 * client then ends its side, as a real peer would give up, and the server must close.
 */
async function framesUntilClosed(client: RawClient, stallMs?: number): Promise<{ frames: ServerFrame[]; stalled: boolean }> {
  const frames: ServerFrame[] = [];
  let stalled = false;
  for (;;) {
    try {
      frames.push(await client.frame(stallMs !== undefined && !stalled ? stallMs : 10_000));
    } catch (error) {
      const message = (error as Error).message;
      if (message === 'connection closed with no further frame') return { frames, stalled };
      if (message !== 'timed out waiting for the server' || stallMs === undefined || stalled) throw error;
      stalled = true;
      client.socket.end();
    }
  }
}

function payloadOf(frame: ServerFrame): Buffer {
  // The server compresses with no context takeover by default: each message inflates alone.
  return frame.rsv === 4 ? inflatedMessage(frame.payload) : frame.payload;
}

async function runSession(port: number, seed: number): Promise<void> {
  const session = makeSession(seed);
  const client = await RawClient.open(port);
  client.write(upgradeRequest(port, session.deflate ? { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' } : {}));
  const head = await client.response();
  expect(head.status).toBe(101);
  expect(head.headers['sec-websocket-extensions'] !== undefined).toBe(session.deflate);
  await writeInRandomPieces(client, session.wire, seededRandom(seed + 1_000_000));
  if (session.damage === 'cut') client.socket.end(); // the client goes away mid-stream
  const { frames, stalled } = await framesUntilClosed(client, session.damage === 'none' ? undefined : 1000);
  const context = `seed ${seed}, damage ${session.damage}, deflate ${session.deflate}`;

  // Whatever happened: well-formed frames (RawClient checks the mask bit), no RSV2/RSV3, RSV1
  // only where compression was agreed, at most one close frame and nothing after it.
  for (const frame of frames) {
    expect(frame.rsv & 3, context).toBe(0);
    if (!session.deflate) expect(frame.rsv, context).toBe(0);
  }
  const closeAt = frames.findIndex((frame) => frame.opcode === CLOSE);
  if (closeAt !== -1) expect(closeAt, context).toBe(frames.length - 1);
  const close = closeAt === -1 ? undefined : frames[closeAt]!;
  const code = close === undefined ? undefined : close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;

  if (session.damage === 'none') {
    const data = frames.filter((frame) => frame.opcode === TEXT || frame.opcode === BINARY);
    expect(data.map((frame) => [frame.opcode, toHex(payloadOf(frame))]), context).toEqual(session.echoes);
    expect(frames.filter((frame) => frame.opcode === PONG).map((frame) => toHex(frame.payload)), context).toEqual(session.pongs);
    expect(code, context).toBe(session.sentCodes[0]);
  } else if (session.damage === 'cut' || stalled) {
    // The stream ended inside a frame: the server may close without a close frame (1006 for it).
    if (code !== undefined) expect([1000, 1001, 1002, 1007, 1009, ...session.sentCodes], context).toContain(code);
  } else {
    expect(code, context).toBeDefined();
    expect([1002, 1007, 1009, ...session.sentCodes], context).toContain(code);
  }
  client.destroy();
}

/** A request head with 1-3 random edits: every answer is a complete HTTP response, never a hang. */
async function runHandshake(port: number, seed: number): Promise<number> {
  const random = seededRandom(seed);
  const request = Buffer.from(upgradeRequest(port, random() < 0.3 ? { 'Sec-WebSocket-Extensions': 'permessage-deflate; x=' + 'y'.repeat(randomInt(random, 40)) } : {}));
  const edits = 1 + randomInt(random, 3);
  let bytes = request;
  for (let i = 0; i < edits; i++) {
    const at = randomInt(random, bytes.length);
    const kind = randomInt(random, 3);
    if (kind === 0) bytes[at] = randomInt(random, 256);
    else if (kind === 1) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
    else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(randomBytes(random, 1 + randomInt(random, 8))), bytes.subarray(at)]);
  }
  const client = await RawClient.open(port);
  client.write(bytes);
  // A head that lost its final blank line would wait for more: the client ends its side, and the
  // server answers what it has.
  client.socket.end();
  try {
    const head = await client.response();
    // A refusal is a complete response: its length is declared and TCP closes after it.
    if (head.status !== 101) {
      expect(head.headers['content-length']).toMatch(/^\d+$/);
      await client.waitClosed();
    }
    return head.status;
  } finally {
    client.destroy();
  }
}

const startEcho = () => EchoCli.start(['--deflate', '--receive-buffer-limit', String(LIMIT), '--handshake-timeout', '2']);

/** After a campaign: the process is alive, still echoes, and logged no uncaught error. */
async function expectStillServing(cli: EchoCli): Promise<void> {
  expect(cli.child.exitCode).toBeNull();
  expect(cli.child.signalCode).toBeNull();
  const client = await RawClient.upgraded(cli.port);
  client.send(TEXT, 'still here');
  const frame = await client.frame();
  expect([frame.opcode, frame.payload.toString()]).toEqual([TEXT, 'still here']);
  client.destroy();
  expect(cli.stderr).not.toMatch(/\n\s+at |Uncaught|TypeError|RangeError/);
}

describe('wsframe echo --deflate under a hostile campaign', () => {
  it('400 random sessions, damaged or not, each end as RFC 6455 says; the process serves on', async () => {
    const cli = await startEcho();
    const seeds = Array.from({ length: 400 }, (_, i) => i + 1);
    const damages = new Set(seeds.map((seed) => makeSession(seed).damage));
    expect(damages.size).toBe(new Set(DAMAGES).size); // the campaign covers every kind of damage
    for (let i = 0; i < seeds.length; i += 10) {
      await Promise.all(seeds.slice(i, i + 10).map((seed) => runSession(cli.port, seed)));
    }
    await expectStillServing(cli);
  }, 120_000);

  it('300 damaged request heads each get a complete response with a status the RFC allows; the process serves on', async () => {
    const cli = await startEcho();
    const statuses = new Set<number>();
    for (let seed = 1; seed <= 300; seed += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, i) => runHandshake(cli.port, seed + i)));
      for (const status of batch) statuses.add(status);
    }
    for (const status of statuses) expect([101, 400, 405, 426, 431]).toContain(status);
    expect(statuses.has(400)).toBe(true);
    await expectStillServing(cli);
  }, 120_000);
});
