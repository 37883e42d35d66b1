/**
 * Interop: the wsframe client (`connect()`) against Python's `websockets` server (asyncio API,
 * test/interop/echo_server.py, spawned per test on a free port). Covers: text and binary echoed
 * byte for byte from 0 B to 16 MiB across the §5.2 length encodings; payloads made by Python
 * (so a fault symmetric in both directions of our codec still shows); fragmented messages from
 * the server (§5.4); ping from the server answered (§5.5.2-3); the close handshake both ways
 * with codes and reasons (§7.1.2, §7.4).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import type { WebSocket } from '../../src/websocket.js';
import { binaryPayload, cyclicPayload, describeSize, LENGTH_BOUNDARY_SIZES, MiB, textPayload } from '../helpers/payloads.js';
import { PythonServer, pythonWebsocketsVersion } from '../helpers/python-peer.js';

const version = pythonWebsocketsVersion();
if (version === undefined) console.warn('client-python: /usr/bin/python3 has no websockets; run scripts/install-test-deps.sh');

const clients = new Set<WebSocket>();
afterEach(() => {
  for (const client of clients) client.terminate();
  clients.clear();
});

async function client(url: string): Promise<WebSocket> {
  const ws = await connect(url, { receiveBufferLimit: 17 * MiB });
  clients.add(ws);
  return ws;
}

// In CI a missing peer is a failure, not a skip: npm test installs it (scripts/install-test-deps.sh).
describe.skipIf(version === undefined && !process.env.CI)(`python websockets ${version ?? ''} server`, () => {
  it('echoes text and binary at every length boundary, 0 B to 16 MiB, byte for byte; close 1000 is seen by the server', async () => {
    const server = await PythonServer.start();
    const ws = await client(server.url('/echo'));
    for (const size of LENGTH_BOUNDARY_SIZES) {
      const text = textPayload(size);
      ws.send(text);
      const t = await ws.receive();
      expect({ size, type: t.type, same: t.type === 'text' && t.data === text }).toEqual({ size, type: 'text', same: true });
      const bytes = binaryPayload(size, size + 3);
      ws.send(bytes);
      const b = await ws.receive();
      expect({ size, type: b.type, same: b.type === 'binary' && b.data.equals(bytes) }).toEqual({ size, type: 'binary', same: true });
    }
    const [code, , wasClean] = await Promise.all([once(ws, 'close'), ws.close(1000, 'done')]).then(([args]) => args);
    expect([code, wasClean]).toEqual([1000, true]);
    expect(await server.closed('/echo')).toEqual({ code: 1000, reason: 'done' });
  });

  it.each(LENGTH_BOUNDARY_SIZES.filter((size) => size > 0).map((size) => [describeSize(size), size] as const))(
    'receives a %s text and binary payload made by python',
    async (_name, size) => {
      const server = await PythonServer.start();
      const text = await client(server.url(`/payload/text/${size}`));
      expect(await text.receive()).toEqual({ type: 'text', data: textPayload(size) });
      const binary = await client(server.url(`/payload/binary/${size}`));
      const message = await binary.receive();
      expect(message.type === 'binary' && message.data.equals(cyclicPayload(size))).toBe(true);
      await Promise.all([text.close(), binary.close()]);
    },
  );

  it('reassembles fragmented text and binary messages from python (§5.4)', async () => {
    const server = await PythonServer.start();
    const ws = await client(server.url('/fragments'));
    const whole = 'frag' + 'mén' + '' + 'ted 😀';
    expect(await ws.receive()).toEqual({ type: 'text', data: whole });
    const binary = await ws.receive();
    expect(binary.type === 'binary' && binary.data.toString()).toBe(whole);
    await ws.close();
  });

  it('answers a ping from python with a pong it accepts (§5.5.2-3)', async () => {
    const server = await PythonServer.start();
    const ws = await client(server.url('/ping'));
    const ping = once(ws, 'ping');
    expect(await ws.receive()).toEqual({ type: 'text', data: 'pong received' });
    expect(Buffer.from((await ping)[0] as Uint8Array).toString()).toBe('are you there');
    ws.send('still here');
    expect(await ws.receive()).toEqual({ type: 'text', data: 'still here' });
    await ws.close();
  });

  it.each([
    [1001, 'going away'],
    [3000, ''],
    [4000, 'bye é'],
    [4999, 'x'.repeat(123)],
  ])('the client closes with %i %j: python receives that code and reason', async (code, reason) => {
    const server = await PythonServer.start();
    const ws = await client(server.url('/echo'));
    const closed = once(ws, 'close');
    await ws.close(code, reason);
    const [echoed, , wasClean] = await closed;
    expect([echoed, wasClean]).toEqual([code, true]);
    expect(await server.closed('/echo')).toEqual({ code, reason });
  });

  it.each([
    [1000, 'normal'],
    [1011, 'internal error'],
    [4000, 'private é'],
  ])('python closes with %i %j: the client reports it and echoes the code', async (code, reason) => {
    const server = await PythonServer.start();
    const path = `/close/${code}/${encodeURIComponent(reason)}`;
    const ws = await client(server.url(path));
    expect(await ws.receive()).toEqual({ type: 'close', code, reason });
    expect(ws.getCloseStatus()).toEqual({ code, reason });
    expect((await server.closed(path)).code).toBe(code);
  });
});
