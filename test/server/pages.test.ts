/**
 * The standalone server's `pages` option (src/hosting/static-pages.ts): plain HTTP/1.1 requests
 * answered on the WebSocket's port — the page to GET and HEAD, 405, 426 on the endpoint, 404, 413
 * to a body — each with `Connection: close` and the connection closed after it, while upgrades keep
 * every refusal and limit they had. Over raw sockets (the bytes on the wire), fetch and ws. Runs
 * on both transports (vitest.config.mts: the `node` project reruns test/server/).
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import WS from 'ws';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocketServerOptions } from '../../src/server.js';
import { nativeTransport } from '../../src/transport/native-transport.js';
import { accessLogRecorder } from '../helpers/access-log.js';
import { activeResources } from '../helpers/active-resources.js';
import { RawClient, answer, upgradeRequest } from '../helpers/raw-client.js';
import { defaultTransport, echo, startServer } from '../helpers/servers.js';

const PAGE = '<!doctype html><title>hello</title><p>héllo</p>\n';
const PAGE_HEADERS = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' };

/** A server with a page at / and its WebSocket endpoint (an echo) at /ws. */
function startPageServer(options: WebSocketServerOptions = {}) {
  return startServer({ path: '/ws', pages: { '/': { headers: PAGE_HEADERS, body: PAGE } }, ...options }, echo);
}

const get = (path: string, method = 'GET', extra = ''): string => `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;

/** The body of a whole response as `answer` returns it (head and body). */
const bodyOf = (text: string): string => text.slice(text.indexOf('\r\n\r\n') + 4);

describe('pages beside the WebSocket endpoint', () => {
  it(`runs on the default transport (${defaultTransport})`, async () => {
    const { server } = await startPageServer();
    expect(server.transport).toBe(defaultTransport);
  });

  it('GET / (any query) → 200, the page with its headers, Content-Length, Connection: close; then the server closes', async () => {
    const { port } = await startPageServer();
    for (const path of ['/', '/?name=Ann']) {
      const reply = await answer(port, get(path));
      expect(reply.status).toBe(200);
      expect(reply.headers).toEqual({
        connection: 'close',
        'content-length': String(Buffer.byteLength(PAGE)),
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
      });
      expect(bodyOf(reply.text)).toBe(PAGE); // answer() read until the server closed
    }
  });

  it('HEAD / → the same headers, no body', async () => {
    const { port } = await startPageServer();
    const reply = await answer(port, get('/', 'HEAD'));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe(String(Buffer.byteLength(PAGE)));
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(bodyOf(reply.text)).toBe('');
  });

  it('fetch (undici) loads the page', async () => {
    const { port } = await startPageServer();
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(PAGE);
  });

  it.each([
    ['GET /missing', 404, get('/missing'), {}],
    ['HEAD /missing', 404, get('/missing', 'HEAD'), {}],
    ['POST /', 405, get('/', 'POST', 'Content-Length: 0\r\n'), { allow: 'GET, HEAD' }],
    ['DELETE /', 405, get('/', 'DELETE'), { allow: 'GET, HEAD' }],
    ['GET /ws (the endpoint, no upgrade)', 426, get('/ws'), { upgrade: 'websocket', 'sec-websocket-version': '13', connection: 'Upgrade, close' }],
    ['POST / with a body', 413, get('/', 'POST', 'Content-Length: 5\r\n') + 'hello', {}],
    ['GET / with a chunked body', 413, get('/', 'GET', 'Transfer-Encoding: chunked\r\n') + '5\r\nhello\r\n0\r\n\r\n', {}],
  ])('%s → %i, one line of plain text (none for HEAD), then close', async (name, status, request, headers) => {
    const { port, server } = await startPageServer();
    const reply = await answer(port, request);
    expect(reply.status).toBe(status);
    expect(reply.headers).toMatchObject({ 'content-type': 'text/plain; charset=utf-8', ...headers });
    const body = bodyOf(reply.text);
    if (name.startsWith('HEAD')) expect(body).toBe('');
    else expect(body).toMatch(/^[^\n<]+\n$/);
    expect(reply.headers['content-length']).toBe(String(Buffer.byteLength(name.startsWith('HEAD') ? 'not found\n' : body)));
    expect(server.stats.statuses).toEqual({}); // pages are not upgrade attempts
  });

  it('no keep-alive: a second request on the same connection gets no answer, the connection closes after the first', async () => {
    const { port } = await startPageServer();
    const client = await RawClient.open(port);
    client.write(get('/') + get('/missing'));
    const text = await client.rest();
    expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('the WebSocket endpoint on the same port upgrades as before; an upgrade for another path gets 404', async () => {
    const { port } = await startPageServer();
    const client = new WS(`ws://127.0.0.1:${port}/ws?x=1`);
    await once(client, 'open');
    client.send('round trip');
    const [data] = (await once(client, 'message')) as [Buffer];
    expect(String(data)).toBe('round trip');
    client.close();
    await once(client, 'close');

    for (const path of ['/', '/elsewhere']) {
      const reply = await answer(port, upgradeRequest(port, {}, path));
      expect(reply.status).toBe(404);
      expect(bodyOf(reply.text)).toBe('no WebSocket endpoint at this path\n');
    }
  });

  it('upgrades keep their refusals: a body is 400, Transfer-Encoding 501, a version 8 426 (not the pages answers)', async () => {
    const { port, server } = await startPageServer();
    expect((await answer(port, upgradeRequest(port, { 'Content-Length': '5' }, '/ws') + 'hello')).status).toBe(400);
    expect((await answer(port, upgradeRequest(port, { 'Transfer-Encoding': 'chunked' }, '/ws'))).status).toBe(501);
    expect((await answer(port, upgradeRequest(port, { 'Sec-WebSocket-Version': '8' }, '/ws'))).status).toBe(426);
    expect(server.stats.statuses).toEqual({ 400: 1, 501: 1, 426: 1 });
  });

  it('a page request head over maxHeaderSize gets 431, as an upgrade does', async () => {
    const { port } = await startPageServer({ maxHeaderSize: 1024 });
    const reply = await answer(port, get('/', 'GET', `X-Padding: ${'a'.repeat(1100)}\r\n`));
    expect(reply.status).toBe(431);
  });

  it('a page request that never ends its head gets 408 after handshakeTimeout', async () => {
    const { port } = await startPageServer({ handshakeTimeout: 100 });
    const client = await RawClient.open(port);
    client.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
    expect(await client.rest()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('the access log has the upgrades, not the pages', async () => {
    const log = accessLogRecorder();
    const { port } = await startPageServer({ accessLog: log.stream });
    await answer(port, get('/'));
    await answer(port, get('/missing'));
    await answer(port, upgradeRequest(port, {}, '/elsewhere'));
    await expect.poll(log.requests).toEqual([['GET', '/elsewhere', 'HTTP/1.1', '404']]);
  });

  it('after 50 page requests no connection is left, in the addon or in Node', async () => {
    const tcpBefore = activeResources().TCPSocketWrap ?? 0;
    const nativeBefore = nativeTransport?.stats().connections ?? 0;
    const { port } = await startPageServer();
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => answer(port, get(i % 2 === 0 ? '/' : '/missing', i % 3 === 0 ? 'HEAD' : 'GET'))));
    expect(replies.map((reply) => reply.status).sort()).toEqual([...Array<number>(25).fill(200), ...Array<number>(25).fill(404)]);
    await expect.poll(() => activeResources().TCPSocketWrap ?? 0).toBe(tcpBefore);
    await expect.poll(() => nativeTransport?.stats().connections ?? 0).toBe(nativeBefore);
  });

  it('a page header that cannot be sent throws WS_ERR_INVALID_HEADER before anything listens', () => {
    const invalid: Record<string, string>[] = [{ 'Content-Length': '3' }, { Connection: 'keep-alive' }, { 'X-Bad': 'a\r\nInjected: yes' }, { 'bad name': 'x' }];
    for (const headers of invalid) {
      expect(() => new WebSocketServer({ port: 0, pages: { '/': { headers, body: 'x' } } })).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }));
    }
  });

  it('with http2: true the same answers over HTTP/2 (prior knowledge; 426 without Upgrade) and over HTTP/1.1 on the same port', async () => {
    const { port } = await startPageServer({ http2: true });
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const fetchOverH2 = async (path: string): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> => {
        const stream = session.request({ ':path': path });
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
        await once(stream, 'end');
        return { status: Number(headers[':status']), headers, body: Buffer.concat(chunks).toString() };
      };
      const page = await fetchOverH2('/');
      expect([page.status, page.headers['content-type'], page.body]).toEqual([200, 'text/html; charset=utf-8', PAGE]);
      const endpoint = await fetchOverH2('/ws');
      expect([endpoint.status, endpoint.headers.upgrade, endpoint.headers['sec-websocket-version']]).toEqual([426, undefined, '13']);
      expect((await fetchOverH2('/missing')).status).toBe(404);
    } finally {
      session.close();
    }
    const overHttp1 = await answer(port, get('/'));
    expect([overHttp1.status, bodyOf(overHttp1.text)]).toEqual([200, PAGE]);
  });
});
