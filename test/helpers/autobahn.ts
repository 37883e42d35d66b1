/**
 * A small Autobahn|Testsuite-style runner over RawClient: a case is the frames a client sends
 * (and how the bytes are cut into TCP writes), the messages the server must echo, and either a
 * failure close code or a clean close. It checks what Autobahn's "strict OK" checks:
 * - the echoed messages (opcode and payload, reassembled if the server fragments), in order;
 * - on failure: the next frame is a close with the expected code (no pong or echo after the
 *   violation), and the server closes TCP (RFC 6455 §7.1.7, §7.1.1);
 * - otherwise: our close 1000 is answered with a close (§7.1.2), then the server closes TCP.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { RawClient, clientFrame, type ServerFrame } from './raw-client.js';
import { echo, standaloneOptions } from './servers.js';
import { WebSocketServer, type WebSocketServerOptions } from '../../src/server.js';

export const TEXT = 1, BINARY = 2, CONT = 0, CLOSE = 8, PING = 9, PONG = 10;

/**
 * How the bytes go out: 'whole' in one write; 'frame' one write per frame; 'octet' one byte per
 * write; a number: writes of that many bytes. 'frame' and 'octet' yield to the event loop between
 * writes (with TCP_NODELAY), so they really arrive in separate reads.
 */
export type Chop = 'whole' | 'frame' | 'octet' | number;

export interface Expected {
  opcode: number;
  payload: Buffer | string;
}

export interface AutobahnCase {
  /** Autobahn case id(s), e.g. '5.6' or '6.12.3'. */
  id: string;
  frames: Buffer[];
  chop?: Chop;
  /** ms to wait between frames (Autobahn 5.19/5.20 pause between fragments). */
  pauseMs?: number;
  /** Frames the server must send, in order: data messages (reassembled) and pongs. */
  expect?: Expected[];
  /** The close code of a failure; absent: the case ends with a clean close by the client. */
  fail?: number;
  /** Codes accepted in the server's reply to a client close (default: any). */
  closeReply?: number[];
  /** The case sends its own close frame: do not send the final close 1000. */
  closesItself?: boolean;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Write `bytes` in pieces of `size`; yields between pieces when asked to (small pieces). */
export async function writeChopped(client: RawClient, bytes: Buffer, size: number, yieldBetween = size < 64): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    client.write(bytes.subarray(offset, offset + size));
    if (yieldBetween) await tick();
  }
}

export async function sendFrames(client: RawClient, frames: Buffer[], chop: Chop = 'whole', pauseMs = 0): Promise<void> {
  client.noDelay();
  if (chop === 'whole' && pauseMs === 0) {
    client.write(Buffer.concat(frames));
    return;
  }
  for (const frame of frames) {
    if (chop === 'octet') await writeChopped(client, frame, 1, true);
    else if (typeof chop === 'number') await writeChopped(client, frame, chop);
    else client.write(frame);
    await (pauseMs > 0 ? sleep(pauseMs) : tick());
  }
}

/** The next message (data frames reassembled) or control frame the server sends. */
export async function nextMessage(client: RawClient, timeoutMs = 10_000): Promise<ServerFrame> {
  const first = await client.frame(timeoutMs);
  if (first.fin || first.opcode >= 8) return first;
  const parts = [first.payload];
  for (;;) {
    const next = await client.frame(timeoutMs);
    expect(next.opcode, 'a continuation frame inside a fragmented server message (§5.4)').toBe(CONT);
    parts.push(next.payload);
    if (next.fin) return { ...first, fin: true, payload: Buffer.concat(parts) };
  }
}

/** Assert the next message is `expected`, byte for byte (lengths first, for a readable failure). */
export async function expectMessage(client: RawClient, expected: Expected): Promise<void> {
  const got = await nextMessage(client);
  const payload = typeof expected.payload === 'string' ? Buffer.from(expected.payload) : expected.payload;
  expect({ opcode: got.opcode, length: got.payload.length }).toEqual({ opcode: expected.opcode, length: payload.length });
  expect(got.payload.equals(payload), 'payload differs').toBe(true);
}

/** The server failed the connection: its next frame is a close with `code`, then TCP closes (§7.1.7). */
export async function expectFailure(client: RawClient, code: number): Promise<void> {
  const frame = await client.frame();
  expect(frame.opcode, `expected a close ${code}, got opcode ${frame.opcode}`).toBe(CLOSE);
  expect(frame.payload.readUInt16BE(0)).toBe(code);
  await expectTcpClosedByServer(client);
}

/** The server ends TCP (a FIN, not only our own destroy) and sends nothing after its close. */
export async function expectTcpClosedByServer(client: RawClient): Promise<void> {
  await client.waitClosed();
  expect(client.ended, 'the server closes TCP').toBe(true);
  await expect(client.frame(10), 'no frame after the close').rejects.toThrow();
}

/** Client-initiated clean close (§7.1.2): the reply is a close (with one of `codes`), then TCP closes. */
export async function expectCleanClose(client: RawClient, codes?: number[], sendClose = true): Promise<void> {
  if (sendClose) client.send(CLOSE, Buffer.from([0x03, 0xe8])); // 1000
  const frame = await client.frame();
  expect(frame.opcode, `expected the close reply, got opcode ${frame.opcode}`).toBe(CLOSE);
  if (codes !== undefined) expect(codes).toContain(frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005);
  await expectTcpClosedByServer(client);
}

export async function runCase(port: number, c: AutobahnCase): Promise<void> {
  const client = await RawClient.upgraded(port);
  try {
    await sendFrames(client, c.frames, c.chop, c.pauseMs);
    for (const expected of c.expect ?? []) await expectMessage(client, expected);
    if (c.fail !== undefined) await expectFailure(client, c.fail);
    else await expectCleanClose(client, c.closeReply, !c.closesItself);
  } finally {
    client.destroy();
  }
}

/** Client frames, masked (§5.3). */
export const frame = (opcode: number, payload: Buffer | string = Buffer.alloc(0), options?: { fin?: boolean; rsv?: number }): Buffer =>
  clientFrame(opcode, payload, options);

/** One message as frames of at most `size` payload bytes (§5.4): first with `opcode`, then continuations. */
export function fragmented(opcode: number, payload: Buffer | string, size: number): Buffer[] {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const frames: Buffer[] = [];
  let offset = 0;
  do {
    const piece = data.subarray(offset, offset + size);
    offset += size;
    frames.push(clientFrame(frames.length === 0 ? opcode : CONT, piece, { fin: offset >= data.length }));
  } while (offset < data.length);
  return frames;
}

/**
 * One echo server for a whole test file (registered with beforeAll/afterAll), so hundreds of
 * cases do not each pay for a listen/close. Returns the port getter. It borrows its messages,
 * as `wsframe echo` does (the server outside suites test): lent reads on the native transport.
 */
export function useEchoServer(options: WebSocketServerOptions = {}): () => number {
  let server: WebSocketServer | undefined;
  let port = 0;
  beforeAll(async () => {
    server = new WebSocketServer(standaloneOptions({ borrowedMessages: true, ...options }), echo);
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => port;
}
