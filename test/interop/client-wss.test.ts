/**
 * wss:// (RFC 6455 §3, §4.1: TLS before the handshake): the wsframe client against a wsframe
 * WebSocketServer attached to a node:https server with a self-signed certificate made here by
 * openssl. Covers: `ca` trusts it; without `ca` the connection fails with
 * WS_ERR_CONNECT_FAILED and the certificate error as cause; `rejectUnauthorized: false`;
 * `servername` reaches the server as SNI and is the name the certificate is checked against.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import type { WebSocket } from '../../src/websocket.js';
import { binaryPayload, MiB, textPayload } from '../helpers/payloads.js';
import { selfSignedCertificate } from '../helpers/tls-certificate.js';
import { startSecureEchoServer } from '../helpers/servers.js';

let key: Buffer;
let cert: Buffer;

beforeAll(() => {
  ({ key, cert } = selfSignedCertificate());
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const wssServer = (): ReturnType<typeof startSecureEchoServer> => startSecureEchoServer({ key, cert }, { receiveBufferLimit: 2 * MiB });

async function roundTrip(ws: WebSocket): Promise<void> {
  const text = textPayload(70_000);
  ws.send(text);
  expect(await ws.receive()).toEqual({ type: 'text', data: text });
  const bytes = binaryPayload(MiB, 5); // many TLS records
  ws.send(bytes);
  const b = await ws.receive();
  expect(b.type === 'binary' && b.data.equals(bytes)).toBe(true);
  const closed = once(ws, 'close');
  await ws.close(1000, 'done');
  expect((await closed).slice(0, 3)).toEqual([1000, '', true]);
}

describe('wss:// with a self-signed certificate', () => {
  it('connects and echoes when the certificate is given as ca', async () => {
    const { url } = await wssServer();
    const ws = await connect(url, { ca: cert });
    expect(ws.url).toBe(url);
    await roundTrip(ws);
  });

  it('without ca, rejects with WS_ERR_CONNECT_FAILED and the certificate error as cause', async () => {
    const { url } = await wssServer();
    const error = await connect(url).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'WebSocketError', code: 'WS_ERR_CONNECT_FAILED' });
    expect((error as Error).cause).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('with rejectUnauthorized: false, connects without ca', async () => {
    const { url } = await wssServer();
    const ws = await connect(url, { rejectUnauthorized: false });
    await roundTrip(ws);
  });

  it('servername is sent as SNI and the certificate is checked against it', async () => {
    const { url, servernames } = await wssServer();
    const ws = await connect(url, { ca: cert, servername: 'localhost' });
    expect(servernames).toEqual(['localhost']);
    await roundTrip(ws);
  });

  it('a servername the certificate does not name fails the check (ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
    const { url } = await wssServer();
    const error = await connect(url, { ca: cert, servername: 'other.example' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_CONNECT_FAILED' });
    expect((error as Error).cause).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(String((error as Error).cause)).toContain('other.example');
  });

  it('without servername, an IP address is checked against the IP SAN and sent as no SNI (RFC 6066 §3)', async () => {
    const { url, servernames } = await wssServer();
    const ws = await connect(url, { ca: cert });
    expect(servernames).toEqual([false]);
    await ws.close();
  });

  it('wss:// to a server that does not speak TLS fails with WS_ERR_CONNECT_FAILED', async () => {
    const { createServer } = await import('node:net');
    // resume(): a socket nobody reads never sees the client's FIN, and close() would wait for it.
    const plain = createServer((socket) => socket.resume().end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    cleanups.push(() => new Promise((resolve) => plain.close(() => resolve())));
    const error = await connect(`wss://127.0.0.1:${(plain.address() as AddressInfo).port}/`, { ca: cert }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_CONNECT_FAILED' });
    expect((error as Error).cause).toMatchObject({ code: 'EPROTO' });
  });
});
