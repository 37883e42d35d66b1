/**
 * The standalone server with `tls` and `http2`: wss:// alone; with TLS, h2 and http/1.1 chosen by
 * ALPN on one port; in cleartext, HTTP/2 by prior knowledge beside HTTP/1.1 on one port, told
 * apart by the connection preface. Requests that are not WebSockets get 426 (HTTP/1.1) or 400
 * (HTTP/2); close() ends the WebSockets and the HTTP/2 sessions.
 */
import * as http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { startServer, echo } from '../helpers/servers.js';
import { certificateFiles, type CertificateFiles } from '../helpers/tls-certificate.js';
import { RawClient } from '../helpers/raw-client.js';

let certificate: CertificateFiles;
beforeAll(() => {
  certificate = certificateFiles();
});
afterAll(() => certificate.remove());

/** A GET without a WebSocket over HTTP/2: the status and body the standalone server answers. */
async function plainHttp2Get(origin: string): Promise<{ status: number | undefined; body: string }> {
  const session = http2.connect(origin, { ca: certificate.cert });
  try {
    const request = session.request({ ':path': '/' });
    let body = '';
    request.setEncoding('utf8').on('data', (text: string) => (body += text));
    const headers = await new Promise<http2.IncomingHttpStatusHeader>((resolve) => request.once('response', resolve));
    await new Promise((resolve) => request.once('end', resolve));
    return { status: headers[':status'], body };
  } finally {
    session.close();
  }
}

describe('standalone WebSocketServer with tls and http2', () => {
  it('TLS + http2: an RFC 8441 stream (200) and an HTTP/1.1 upgrade (101) on one port', async () => {
    const { server, port } = await startServer({ tls: { key: certificate.key, cert: certificate.cert }, http2: true }, echo);
    const origin = `wss://127.0.0.1:${port}`;
    const overH2 = await connect(`${origin}/a`, { http2: true, ca: certificate.cert });
    const overH1 = await connect(`${origin}/b`, { ca: certificate.cert });
    for (const ws of [overH2, overH1]) {
      ws.send('ping?');
      expect(await ws.receive()).toEqual({ type: 'text', data: 'ping?' });
    }
    expect(server.stats.statuses).toEqual({ 200: 1, 101: 1 });
    expect(await plainHttp2Get(`https://127.0.0.1:${port}`)).toEqual({
      status: 400,
      body: 'this endpoint only accepts WebSockets (RFC 8441 extended CONNECT with :protocol websocket)\n',
    });
    await server.close();
    expect([overH2.state, overH1.state]).toEqual(['CLOSED', 'CLOSED']);
    expect(overH2.getCloseStatus()?.code).toBe(1001);
  });

  it('TLS + http2 with a path: an HTTP/1.1 upgrade for another path is refused with 400, not left hanging', async () => {
    const { server, port } = await startServer({ tls: { key: certificate.key, cert: certificate.cert }, http2: true, path: '/ws' }, echo);
    const refused = connect(`wss://127.0.0.1:${port}/other`, { ca: certificate.cert });
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining('400') });
    expect(server.stats.statuses).toEqual({ 400: 1 });
    const accepted = await connect(`wss://127.0.0.1:${port}/ws`, { ca: certificate.cert });
    expect(server.stats.statuses).toEqual({ 400: 1, 101: 1 });
    await accepted.close();
    await server.close();
  });

  it('cleartext + http2: prior-knowledge HTTP/2 and HTTP/1.1 on one port, told apart by the preface', async () => {
    const { server, port } = await startServer({ http2: true }, echo);
    const overH2 = await connect(`ws://127.0.0.1:${port}/`, { http2: true });
    const overH1 = await connect(`ws://127.0.0.1:${port}/`);
    for (const ws of [overH2, overH1]) {
      ws.send(Buffer.from([1, 2, 3]));
      expect(await ws.receive()).toEqual({ type: 'binary', data: Buffer.from([1, 2, 3]) });
    }
    expect(server.stats.statuses).toEqual({ 200: 1, 101: 1 });
    // The HTTP/1.1 side is the standalone server's own strict head parser: a plain request gets 426.
    const raw = await RawClient.open(port);
    raw.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    expect((await raw.response()).status).toBe(426);
    await Promise.all([overH2.close(), overH1.close()]);
  });

  it('TLS alone serves wss:// over HTTP/1.1, and an HTTP/2 client is told it cannot have HTTP/2 here', async () => {
    const { server, port } = await startServer({ tls: { key: certificate.key, cert: certificate.cert } }, echo);
    const ws = await connect(`wss://127.0.0.1:${port}/`, { ca: certificate.cert, http2: 'auto' });
    ws.send('tls');
    expect(await ws.receive()).toEqual({ type: 'text', data: 'tls' });
    await ws.close();
    await expect(connect(`wss://127.0.0.1:${port}/`, { ca: certificate.cert, http2: true })).rejects.toMatchObject({ code: 'WS_ERR_HTTP2_UNSUPPORTED' });
    expect(server.stats.statuses).toEqual({ 101: 1 });
  });
});
