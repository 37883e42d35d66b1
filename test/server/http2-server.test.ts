/**
 * WebSockets over HTTP/2 (RFC 8441) on a node:http2 server, with the wsframe client: the same
 * decision as HTTP/1.1 (verify, origins, maxConnections, subprotocols, deflate, access log), one
 * session for many WebSockets, close codes both ways; each test counts the extended CONNECT
 * streams the server saw, so HTTP/2 was really used.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { sessionPool } from '../../src/client/http2-handshake.js';
import { echo, expectEchoes } from '../helpers/servers.js';
import { startHttp2Host } from '../helpers/http2-servers.js';
import { MiB } from '../helpers/payloads.js';
import { certificateFiles, type CertificateFiles } from '../helpers/tls-certificate.js';

let certificate: CertificateFiles;
beforeAll(() => {
  certificate = certificateFiles();
});
afterAll(() => certificate.remove());

describe('WebSocketServer on an http2 server', () => {
  it.each([
    ['TLS (h2 by ALPN)', true],
    ['cleartext (prior knowledge)', false],
  ])('echoes text and binary up to 1 MiB over one RFC 8441 stream, %s', async (_name, secure) => {
    const host = await startHttp2Host({ certificate: secure ? certificate : undefined, wss: { receiveBufferLimit: 2 * MiB } }, echo);
    const ws = await connect(`${host.origin}/echo`, { http2: true, ca: certificate.cert, receiveBufferLimit: 2 * MiB });
    await expectEchoes(ws, [0, 125, 65536, MiB]);
    await ws.close(1000, 'done');
    expect(host.counts.websocketStreams).toBe(1);
    expect(host.wss.stats.statuses[200]).toBe(1);
  });

  it('many WebSockets share one session; the session closes when the last one ends', async () => {
    const host = await startHttp2Host({ certificate }, echo);
    const sockets = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(`${host.origin}/n${i}`, { http2: true, ca: certificate.cert })));
    expect(host.counts.sessions).toBe(1);
    expect(host.counts.websocketStreams).toBe(20);
    expect(host.wss.clients.size).toBe(20);
    const replies = await Promise.all(sockets.map(async (ws, i) => {
      ws.send(`hello ${i}`);
      return ws.receive();
    }));
    expect(replies).toEqual(sockets.map((_, i) => ({ type: 'text', data: `hello ${i}` })));
    await Promise.all(sockets.slice(1).map((ws) => ws.close(1000)));
    expect(host.counts.openSessions).toBe(1);
    await sockets[0]!.close(1000);
    await expect.poll(() => host.counts.openSessions).toBe(0);
    expect(sessionPool.size).toBe(0);
    expect(host.wss.clients.size).toBe(0);
  });

  it('passes close codes both ways', async () => {
    const host = await startHttp2Host({ certificate }, (ws) => {
      ws.on('message', (data: Buffer) => void ws.close(Number(data.toString()), 'as asked'));
    });
    const closedByServer = await connect(`${host.origin}/`, { http2: true, ca: certificate.cert });
    const closed = new Promise((resolve) => closedByServer.once('close', (code, reason, wasClean) => resolve({ code, reason, wasClean })));
    closedByServer.send('4001');
    expect(await closed).toEqual({ code: 4001, reason: 'as asked', wasClean: true });

    const seen: unknown[] = [];
    host.wss.on('connection', (ws) => ws.once('close', (code: number, reason: string) => seen.push({ code, reason })));
    const closing = await connect(`${host.origin}/`, { http2: true, ca: certificate.cert });
    await closing.close(4002, 'client says bye');
    await expect.poll(() => seen).toEqual([{ code: 4002, reason: 'client says bye' }]);
  });

  it('negotiates subprotocol and permessage-deflate as over HTTP/1.1', async () => {
    const host = await startHttp2Host({ certificate, wss: { protocols: ['b', 'a'], perMessageDeflate: { threshold: 0 } } }, echo);
    const ws = await connect(`${host.origin}/`, { http2: true, ca: certificate.cert, protocols: ['a', 'b'] });
    expect(ws.protocol).toBe('b');
    expect(ws.extensions).toContain('permessage-deflate');
    const text = 'compressible '.repeat(10_000);
    ws.send(text);
    expect(await ws.receive()).toEqual({ type: 'text', data: text });
    await ws.close();
  });

  it('refuses with the HTTP/1.1 statuses as HTTP/2 responses: verify 401, origins 403, maxConnections 503', async () => {
    const host = await startHttp2Host({
      certificate,
      wss: {
        origins: ['https://allowed.example'],
        maxConnections: 1,
        verify: (request) => (request.url === '/private' ? { accept: false, status: 401, reason: 'who are you' } : true),
      },
    });
    const options = { http2: true, ca: certificate.cert } as const;
    await expect(connect(`${host.origin}/`, { ...options, origin: 'https://evil.example' })).rejects.toMatchObject({ code: 'WS_ERR_HANDSHAKE_BAD_STATUS', statusCode: 403 });
    await expect(connect(`${host.origin}/private`, { ...options, origin: 'https://allowed.example' })).rejects.toMatchObject({ statusCode: 401 });
    const first = await connect(`${host.origin}/`, { ...options, origin: 'https://allowed.example' });
    await expect(connect(`${host.origin}/`, { ...options, origin: 'https://allowed.example' })).rejects.toMatchObject({ statusCode: 503 });
    await first.close();
    expect(host.wss.stats.statuses).toEqual({ 200: 1, 401: 1, 403: 1, 503: 1 });
    expect(host.counts.websocketStreams).toBe(4);
  });

  it('writes cs-version HTTP/2 in the access log, and HTTP/1.1 for an upgrade on the same server (allowHTTP1)', async () => {
    const lines: string[] = [];
    const accessLog = new Writable({ write(chunk, _e, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
    const host = await startHttp2Host({ certificate, wss: { accessLog } }, echo);
    await (await connect(`${host.origin}/over-h2`, { http2: true, ca: certificate.cert })).close();
    await (await connect(`${host.origin}/over-h1`, { ca: certificate.cert })).close();
    const entries = lines.filter((line) => !line.startsWith('#')).map((line) => line.split(' '));
    expect(entries.map((e) => e.slice(3, 7))).toEqual([
      ['CONNECT', '/over-h2', 'HTTP/2', '200'],
      ['GET', '/over-h1', 'HTTP/1.1', '101'],
    ]);
    expect(host.counts.websocketStreams).toBe(1);
  });

  it('leaves the server\'s other streams and other paths alone', async () => {
    const host = await startHttp2Host({ certificate, wss: { path: '/ws' } }, echo);
    host.server.on('request', (_request, response) => response.end('a page'));
    const ws = await connect(`${host.origin}/ws`, { http2: true, ca: certificate.cert });
    await expect(connect(`${host.origin}/elsewhere`, { http2: true, ca: certificate.cert })).rejects.toMatchObject({ statusCode: 405 });
    ws.send('still here');
    expect(await ws.receive()).toEqual({ type: 'text', data: 'still here' });
    await ws.close();
  });
});
