/**
 * The wsframe client over HTTP/2 (RFC 8441) against Hypercorn (Debian's python3-hypercorn: h2 +
 * wsproto, test/interop/h2_echo_app.py), which reports the HTTP version each WebSocket came over;
 * and `http2: 'auto'` falling back to an HTTP/1.1 upgrade against an HTTP/2 server without
 * extended CONNECT and against an HTTP/1.1-only server.
 *
 * Hypercorn 0.13's ASGI layer does not pass a client's close code on to the app (it reports
 * 1006), but its close reply echoes the code it received (wsproto's CloseConnection.response()):
 * the client-to-server code is checked in that reply. After the close handshake Hypercorn 0.13
 * never ends its half of the stream, and a client that ends its own (END_STREAM) crashes its whole
 * connection (a KeyError on the stream it already dropped, every other stream reset); so the
 * client, as RFC 6455 §7.1.1 has it, waits for the server's end, here for a short `closeTimeout`,
 * and then resets the stream (CANCEL), which Hypercorn takes in its stride.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { sessionPool } from '../../src/client/http2-handshake.js';
import { startHttp2Host } from '../helpers/http2-servers.js';
import { MiB } from '../helpers/payloads.js';
import { PythonServer } from '../helpers/python-peer.js';
import { echo, expectEchoes, startServer } from '../helpers/servers.js';
import { certificateFiles, type CertificateFiles } from '../helpers/tls-certificate.js';

let certificate: CertificateFiles;
beforeAll(() => {
  certificate = certificateFiles();
});
afterAll(() => certificate.remove());

interface HypercornReport {
  code: number;
  reason: string;
  http_version: string;
}

/** Hypercorn leaves its half of a stream open after the close handshake (see above): no need to wait 5 s for it. */
const closeTimeout = 300;

async function startHypercorn(): Promise<{ server: PythonServer; origin: string }> {
  const server = await PythonServer.start('h2_echo_app.py', [certificate.certFile, certificate.keyFile]);
  return { server, origin: `wss://127.0.0.1:${server.port}` };
}

describe('the wsframe client against Hypercorn over HTTP/2', () => {
  it.each([
    ['compressed', true],
    ['uncompressed', false],
  ])('echoes text and binary up to 1 MiB, %s, on an RFC 8441 stream', async (_name, perMessageDeflate) => {
    const { server, origin } = await startHypercorn();
    const ws = await connect(`${origin}/echo`, { http2: true, ca: certificate.cert, perMessageDeflate, receiveBufferLimit: 2 * MiB, closeTimeout });
    expect(ws.extensions.includes('permessage-deflate')).toBe(perMessageDeflate);
    await expectEchoes(ws, [0, 1000, 65536, MiB]);
    const closed = once(ws, 'close');
    await ws.close(1000, 'done');
    expect(await closed).toEqual([1000, 'done', true]);
    expect(await server.closedReport<HypercornReport>('/echo')).toMatchObject({ path: '/echo', http_version: '2' });
  });

  it('opens many WebSockets on one session, each reported as HTTP/2 by Hypercorn', async () => {
    const { server, origin } = await startHypercorn();
    const sockets = await Promise.all(Array.from({ length: 10 }, (_, i) => connect(`${origin}/echo/${i}`, { http2: true, ca: certificate.cert, closeTimeout })));
    expect(sessionPool.size).toBe(1);
    await Promise.all(sockets.map(async (ws, i) => {
      ws.send(`n${i}`);
      expect(await ws.receive()).toEqual({ type: 'text', data: `n${i}` });
    }));
    await Promise.all(sockets.map(async (ws, i) => {
      const closed = once(ws, 'close');
      await ws.close(4000 + i);
      expect(await closed).toEqual([4000 + i, '', true]);
    }));
    for (let i = 0; i < 10; i++) {
      expect(await server.closedReport<HypercornReport>(`/echo/${i}`)).toMatchObject({ http_version: '2' });
    }
    await expect.poll(() => sessionPool.size).toBe(0);
  });

  it('receives the server\'s close code', async () => {
    const { origin } = await startHypercorn();
    const ws = await connect(`${origin}/close/4321`, { http2: true, ca: certificate.cert, closeTimeout });
    const [code, reason] = (await once(ws, 'close')) as [number, string];
    expect([code, reason]).toEqual([4321, 'bye']);
  });

  it("'auto' uses HTTP/2 where ALPN picks h2 and the server advertises extended CONNECT", async () => {
    const { server, origin } = await startHypercorn();
    const ws = await connect(`${origin}/echo`, { http2: 'auto', ca: certificate.cert, closeTimeout });
    await ws.close();
    expect(await server.closedReport<HypercornReport>('/echo')).toMatchObject({ http_version: '2' });
  });
});

describe("http2: 'auto' falls back to HTTP/1.1", () => {
  it('against an HTTP/2 server without SETTINGS_ENABLE_CONNECT_PROTOCOL (and http2: true fails with WS_ERR_HTTP2_UNSUPPORTED)', async () => {
    const host = await startHttp2Host({ certificate, enableConnectProtocol: false }, echo);
    const ws = await connect(`${host.origin}/`, { http2: 'auto', ca: certificate.cert });
    ws.send('over http/1.1');
    expect(await ws.receive()).toEqual({ type: 'text', data: 'over http/1.1' });
    await ws.close();
    expect(host.wss.stats.statuses).toEqual({ 101: 1 });
    expect(host.counts.websocketStreams).toBe(0);
    await expect(connect(`${host.origin}/`, { http2: true, ca: certificate.cert })).rejects.toMatchObject({ code: 'WS_ERR_HTTP2_UNSUPPORTED' });
    await expect.poll(() => sessionPool.size).toBe(0);
  });

  it('against an HTTP/1.1-only server that says so by ALPN', async () => {
    const { server: wss, port } = await startServer({ tls: { key: certificate.key, cert: certificate.cert, ALPNProtocols: ['http/1.1'] } }, echo);
    const url = `wss://127.0.0.1:${port}/`;
    const ws = await connect(url, { http2: 'auto', ca: certificate.cert });
    ws.send('plain');
    expect(await ws.receive()).toEqual({ type: 'text', data: 'plain' });
    await ws.close();
    expect(wss.stats.statuses).toEqual({ 101: 1 });
    await expect(connect(url, { http2: true, ca: certificate.cert })).rejects.toMatchObject({ code: 'WS_ERR_HTTP2_UNSUPPORTED' });
  });
});
