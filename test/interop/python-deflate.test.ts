/**
 * Interop, permessage-deflate (RFC 7692) with Python's `websockets` (10.4, asyncio API) and its
 * default compression, through test/interop/deflate_peer.py:
 *
 * - Python's client against the in-process wsframe server with perMessageDeflate on (defaults,
 *   and context takeover both ways with smaller windows): negotiation seen from both ends; text
 *   and binary from 0 B to 1 MiB echoed and checked by SHA-256 against the payloads made here;
 *   random (incompressible) data; and, from Python's extension, which frames were compressed
 *   (RSV1) each way and how many bytes they took.
 * - The wsframe client (`connect()`, deflate offered by default) against Python's server
 *   (server_max_window_bits=12, client_max_window_bits=12): the same sizes echoed byte for byte,
 *   payloads made by Python, and the server's log of RSV1 and wire lengths.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import type { PerMessageDeflateOptions } from '../../src/extensions/permessage-deflate.js';
import type { WebSocket } from '../../src/websocket.js';
import { binaryPayload, cyclicPayload, describeSize, MiB, textPayload } from '../helpers/payloads.js';
import { PythonServer, pythonWebsocketsVersion, runPythonScript, type PythonResult, type PythonStep } from '../helpers/python-peer.js';
import { echo, startServer } from '../helpers/servers.js';

const version = pythonWebsocketsVersion();
if (version === undefined) console.warn('python-deflate: /usr/bin/python3 has no websockets; run scripts/install-test-deps.sh');

/** Sizes around wsframe's default threshold (1024: smaller messages are sent uncompressed) up to 1 MiB. */
const SIZES = [0, 1, 125, 1023, 1024, 65536, MiB];
const THRESHOLD = 1024;
/** A message in four frames, large enough that each compressed piece matters. */
const FRAGMENTS = ['frag'.repeat(1000), 'mén'.repeat(700), '', 'ted 😀'.repeat(900)];

interface FrameInfo {
  rsv1: boolean;
  length: number;
}
type DeflateResult = PythonResult & { same?: boolean; frames_in: FrameInfo[]; frames_out: FrameInfo[] };
interface DeflateConnection {
  offered: string | null;
  answered: string | null;
  results: DeflateResult[];
}
type DeflateStep = PythonStep | { op: 'echo_random'; type: 'text' | 'binary'; size: number };

async function runDeflateClient(port: number, plan: DeflateStep[][]): Promise<DeflateConnection[]> {
  const output = await runPythonScript<{ connections: DeflateConnection[] }>('deflate_peer.py', ['client', `ws://127.0.0.1:${port}/`, JSON.stringify(plan)]);
  return output.connections;
}

function digest(data: Buffer | string): { length: number; sha256: string } {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return { length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const clients = new Set<WebSocket>();
afterEach(() => {
  for (const client of clients) client.terminate();
  clients.clear();
});

// In CI a missing peer is a failure, not a skip: npm test installs it (scripts/install-test-deps.sh).
describe.skipIf(version === undefined && !process.env.CI)(`python websockets ${version ?? ''} client (default compression) → wsframe server`, () => {
  it.each<[string, boolean | PerMessageDeflateOptions, string]>([
    ['perMessageDeflate: true', true, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
    [
      'takeover both ways, server window 11, client window 10',
      { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 11, clientMaxWindowBits: 10 },
      'permessage-deflate; server_max_window_bits=11; client_max_window_bits=10',
    ],
    ['threshold 0 (even empty messages compressed), takeover', { threshold: 0, serverNoContextTakeover: false, clientNoContextTakeover: false }, 'permessage-deflate'],
  ])('%s: negotiated; text and binary 0 B-1 MiB round trip compressed, byte for byte', async (_name, options, agreed) => {
    const threshold = (typeof options === 'object' ? options.threshold : undefined) ?? THRESHOLD;
    const accepted: string[] = [];
    const { port } = await startServer({ perMessageDeflate: options }, (ws) => {
      accepted.push(ws.extensions);
      echo(ws);
    });
    const steps: DeflateStep[] = [
      ...SIZES.flatMap((size) => [{ op: 'echo', type: 'text', size } as const, { op: 'echo', type: 'binary', size } as const]),
      { op: 'echo_random', type: 'binary', size: 65536 },
      { op: 'echo_random', type: 'text', size: 65536 },
      { op: 'echo_random', type: 'binary', size: MiB },
      // Python compresses a fragmented message as one stream: RSV1 on the first frame only (§6.1).
      { op: 'fragments', type: 'text', parts: FRAGMENTS },
      { op: 'ping', data: 'between compressed messages' },
      { op: 'fragments', type: 'binary', parts: FRAGMENTS },
      // An empty message once both compressors hold a window.
      { op: 'echo', type: 'text', size: 0 },
      { op: 'close', code: 1000, reason: 'done' },
    ];
    const [connection] = await runDeflateClient(port, [steps]);

    expect(connection!.offered).toBe('permessage-deflate; client_max_window_bits');
    expect(connection!.answered).toBe(agreed);
    expect(accepted).toEqual([agreed]);

    const results = connection!.results;
    const echoes = results.slice(0, SIZES.length * 2);
    expect(echoes.map(({ type, length, sha256 }) => ({ type, length, sha256 }))).toEqual(
      SIZES.flatMap((size) => [
        { type: 'text', ...digest(textPayload(size)) },
        { type: 'binary', ...digest(cyclicPayload(size)) },
      ]),
    );
    // Python compresses every message; wsframe those from the threshold up, each in one frame.
    expect(echoes.map((r) => r.frames_out.map((f) => f.rsv1))).toEqual(echoes.map(() => [true]));
    expect(echoes.map((r) => r.frames_in.map((f) => f.rsv1))).toEqual(SIZES.flatMap((size) => [[size >= threshold], [size >= threshold]]));
    // The repetitive payloads shrink on the wire both ways.
    for (const r of echoes.filter((r) => r.length! >= 65536)) {
      expect({ length: r.length, out: r.frames_out[0]!.length < r.length! / 10, in: r.frames_in[0]!.length < r.length! / 10 }).toEqual({
        length: r.length,
        out: true,
        in: true,
      });
    }

    expect(results.slice(SIZES.length * 2, SIZES.length * 2 + 3).map(({ type, length, same }) => ({ type, same, big: length! >= 65536 }))).toEqual([
      { type: 'binary', same: true, big: true },
      { type: 'text', same: true, big: true },
      { type: 'binary', same: true, big: true },
    ]);
    const [fragmentedText, ping, fragmentedBinary, empty] = results.slice(SIZES.length * 2 + 3, -1);
    expect(fragmentedText).toMatchObject({ type: 'text', ...digest(FRAGMENTS.join('')) });
    expect(fragmentedText!.frames_out.map((f) => f.rsv1)).toEqual([true]);
    expect(ping!.pong).toBe(true);
    expect(fragmentedBinary).toMatchObject({ type: 'binary', ...digest(FRAGMENTS.join('')) });
    expect(empty).toMatchObject({ type: 'text', length: 0, frames_in: [{ rsv1: threshold === 0 }], frames_out: [{ rsv1: true }] });
    expect(results.at(-1)!.code).toBe(1000);
  });

  it('a random message of exactly receiveBufferLimit bytes is accepted, though its compressed form is larger', async () => {
    const { port } = await startServer({ perMessageDeflate: true, receiveBufferLimit: 65536 }, echo);
    const [connection] = await runDeflateClient(port, [[{ op: 'echo_random', type: 'binary', size: 65536 }]]);
    const [result] = connection!.results;
    expect(result).toMatchObject({ type: 'binary', length: 65536, same: true });
    // Deflate cannot shrink random bytes: what crossed the wire was over the limit.
    expect(result!.frames_out[0]!.length).toBeGreaterThan(65536);
  });

  it('receiveBufferLimit counts inflated bytes: a message that inflates past it is closed with 1009', async () => {
    const { port } = await startServer({ perMessageDeflate: { serverNoContextTakeover: false, clientNoContextTakeover: false }, receiveBufferLimit: 4096 }, echo);
    const connections = await runDeflateClient(port, [
      [
        { op: 'echo', type: 'text', size: 4096 },
        { op: 'send_and_await_close', type: 'text', size: 4097 },
      ],
      [{ op: 'send_and_await_close', type: 'binary', size: 100_000 }],
    ]);
    const results = connections.flatMap((c) => c.results);
    expect(results[0]).toMatchObject({ type: 'text', ...digest(textPayload(4096)) });
    // Both over-limit messages were small on the wire: only inflation makes them too big.
    expect(results.slice(1).map((r) => [r.code, r.frames_out[0]!.rsv1, r.frames_out[0]!.length < 1000])).toEqual([
      [1009, true, true],
      [1009, true, true],
    ]);
  });

  it('a server without perMessageDeflate declines python\'s offer; messages go uncompressed', async () => {
    const { port } = await startServer({}, echo);
    const [connection] = await runDeflateClient(port, [[{ op: 'echo', type: 'text', size: 65536 }]]);
    expect(connection!.answered).toBeNull();
    expect(connection!.results[0]).toMatchObject({ type: 'text', ...digest(textPayload(65536)), frames_in: [], frames_out: [] });
  });
});

interface ServerReport {
  code: number;
  reason: string;
  answered: string;
  received: FrameInfo[];
  sent: FrameInfo[];
}

describe.skipIf(version === undefined && !process.env.CI)(`wsframe client → python websockets ${version ?? ''} server (default compression)`, () => {
  async function client(url: string, perMessageDeflate: boolean | PerMessageDeflateOptions = true): Promise<WebSocket> {
    const ws = await connect(url, { receiveBufferLimit: 2 * MiB, perMessageDeflate });
    clients.add(ws);
    return ws;
  }

  it.each<[string, PerMessageDeflateOptions, string]>([
    ['defaults', {}, 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12'],
    [
      'no context takeover asked both ways',
      { serverNoContextTakeover: true, clientNoContextTakeover: true },
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=12',
    ],
    ['client window 9', { clientMaxWindowBits: 9 }, 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=9'],
  ])('%s: negotiated; text and binary 0 B-1 MiB echoed byte for byte, compressed both ways', async (_name, options, agreed) => {
    const server = await PythonServer.start('deflate_peer.py', ['server']);
    const ws = await client(server.url('/echo'), options);
    expect(ws.extensions).toBe(agreed);
    const sent: Array<{ size: number; type: 'text' | 'binary' }> = [];
    for (const size of SIZES) {
      const text = textPayload(size);
      ws.send(text);
      const t = await ws.receive();
      expect({ size, type: t.type, same: t.type === 'text' && t.data === text }).toEqual({ size, type: 'text', same: true });
      const bytes = binaryPayload(size, size + 7);
      ws.send(bytes);
      const b = await ws.receive();
      expect({ size, type: b.type, same: b.type === 'binary' && b.data.equals(bytes) }).toEqual({ size, type: 'binary', same: true });
      sent.push({ size, type: 'text' }, { size, type: 'binary' });
    }
    await ws.close(1000, 'done');

    const report = await server.closedReport<ServerReport>('/echo');
    expect({ code: report.code, reason: report.reason, answered: report.answered }).toEqual({ code: 1000, reason: 'done', answered: agreed });
    // What reached python: compressed from the threshold up; what python sent: all compressed.
    expect(report.received.map((f) => f.rsv1)).toEqual(sent.map(({ size }) => size >= THRESHOLD));
    expect(report.sent.map((f) => f.rsv1)).toEqual(sent.map(() => true));
    // The 1 MiB text (repetitive) shrank each way; the xorshift binary did not, much.
    const bigText = sent.findIndex(({ size, type }) => size === MiB && type === 'text');
    expect(report.received[bigText]!.length).toBeLessThan(MiB / 10);
    expect(report.sent[bigText]!.length).toBeLessThan(MiB / 10);
  });

  it.each(SIZES.filter((size) => size > 0).map((size) => [describeSize(size), size] as const))(
    'receives a compressed %s text and binary payload made by python',
    async (_name, size) => {
      const server = await PythonServer.start('deflate_peer.py', ['server']);
      const text = await client(server.url(`/payload/text/${size}`));
      expect(await text.receive()).toEqual({ type: 'text', data: textPayload(size) });
      const binary = await client(server.url(`/payload/binary/${size}`));
      const message = await binary.receive();
      expect(message.type === 'binary' && message.data.equals(cyclicPayload(size))).toBe(true);
      await Promise.all([text.close(1000), binary.close(1000)]);
      const reports = [await server.closedReport<ServerReport>(`/payload/text/${size}`), await server.closedReport<ServerReport>(`/payload/binary/${size}`)];
      expect(reports.map((r) => [r.code, r.sent.map((f) => f.rsv1)])).toEqual([
        [1000, [true]],
        [1000, [true]],
      ]);
    },
  );

  it('perMessageDeflate: false offers nothing; python answers no extension', async () => {
    const server = await PythonServer.start('deflate_peer.py', ['server']);
    const ws = await client(server.url('/echo'), false);
    expect(ws.extensions).toBe('');
    ws.send(textPayload(65536));
    expect(await ws.receive()).toEqual({ type: 'text', data: textPayload(65536) });
    await ws.close();
    const report = await server.closedReport<ServerReport>('/echo');
    expect([report.answered, report.received, report.sent]).toEqual([null, [], []]);
  });
});
