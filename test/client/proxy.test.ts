/**
 * connect() through an HTTP proxy (RFC 9110 §9.3.6 CONNECT) against a real one, tinyproxy: ws://
 * and wss:// (TLS inside the tunnel), Basic credentials from the proxy URL, the proxy taken from
 * HTTP_PROXY / HTTPS_PROXY and bypassed by NO_PROXY (tinyproxy's log shows whether a CONNECT came),
 * and every refusal as its WS_ERR_PROXY_* error with the proxy's status. Tiny raw servers play
 * the proxies tinyproxy cannot be: one that hangs up, one that never answers.
 */
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import type { WebSocket } from '../../src/websocket.js';
import { WebSocket as WsCompatWebSocket } from '../../src/ws/index.js';
import { WebSocket as WhatwgWebSocket } from '../../src/web/index.js';
import { echo, startSecureEchoServer, startServer } from '../helpers/servers.js';
import { freePort } from '../helpers/redis-server.js';
import { Tinyproxy } from '../helpers/tinyproxy.js';
import { selfSignedCertificate } from '../helpers/tls-certificate.js';

let certificate: { key: Buffer; cert: Buffer };
beforeAll(() => {
  certificate = selfSignedCertificate();
});

const proxyVariables = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];
const savedEnvironment = Object.fromEntries(proxyVariables.map((name) => [name, process.env[name]]));
const rawServers = new Set<Server>();
const rawSockets = new Set<Socket>();
afterEach(async () => {
  for (const [name, value] of Object.entries(savedEnvironment)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  for (const socket of rawSockets) socket.destroy();
  rawSockets.clear();
  await Promise.all([...rawServers].map((server) => new Promise((resolve) => server.close(resolve))));
  rawServers.clear();
});

/** Listen on a free port; the server and whatever it accepted go after the test. */
async function listen(server: Server): Promise<number> {
  rawServers.add(server);
  server.on('connection', (socket: Socket) => rawSockets.add(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function expectEcho(ws: WebSocket): Promise<void> {
  ws.send('through the tunnel');
  expect(await ws.receive()).toEqual({ type: 'text', data: 'through the tunnel' });
  const closed = once(ws, 'close');
  await ws.close(1000);
  expect((await closed).slice(0, 3)).toEqual([1000, '', true]);
}

describe('connect() through tinyproxy', () => {
  it('ws:// goes through a CONNECT tunnel to the server', async () => {
    const { port } = await startServer({}, echo);
    const proxy = await Tinyproxy.start({ connectPorts: [port] });
    const ws = await connect(`ws://127.0.0.1:${port}/`, { proxy: proxy.url });
    expect(proxy.connects()).toEqual([`127.0.0.1:${port}`]);
    await expectEcho(ws);
  });

  it('wss:// runs TLS to the server inside the tunnel (the certificate is checked against the target host)', async () => {
    const { url, port } = await startSecureEchoServer(certificate);
    const proxy = await Tinyproxy.start({ connectPorts: [port] });
    const ws = await connect(url, { proxy: proxy.url, ca: certificate.cert });
    expect(proxy.connects()).toEqual([`127.0.0.1:${port}`]);
    await expectEcho(ws);
    // The server's certificate, not trusted without ca: the check happens inside the tunnel.
    const error = await connect(url, { proxy: proxy.url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_CONNECT_FAILED' });
    expect((error as Error).cause).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('an https:// proxy: TLS to the proxy, and TLS to the server inside it', async () => {
    const { url, port } = await startSecureEchoServer(certificate);
    const proxy = await Tinyproxy.start({ connectPorts: [port] });
    // tinyproxy speaks no TLS: a TLS front end passes the decrypted bytes on to it.
    const front = tls.createServer(certificate, (client) => {
      const inner = createConnection({ host: '127.0.0.1', port: proxy.port });
      client.pipe(inner).pipe(client);
      client.on('error', () => inner.destroy());
      inner.on('error', () => client.destroy());
    });
    const frontPort = await listen(front as unknown as Server);
    const ws = await connect(url, { proxy: `https://127.0.0.1:${frontPort}`, ca: certificate.cert });
    expect(proxy.connects()).toEqual([`127.0.0.1:${port}`]);
    await expectEcho(ws);
  });

  it('credentials in the proxy URL are sent as Proxy-Authorization: Basic; without them, 407 → WS_ERR_PROXY_AUTH_REQUIRED', async () => {
    const { port } = await startServer({}, echo);
    const proxy = await Tinyproxy.start({ connectPorts: [port], basicAuth: { user: 'alice', password: 's3cret' } });
    const ws = await connect(`ws://127.0.0.1:${port}/`, { proxy: `http://alice:s3cret@127.0.0.1:${proxy.port}` });
    await expectEcho(ws);

    const missing = await connect(`ws://127.0.0.1:${port}/`, { proxy: proxy.url }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'WebSocketError', code: 'WS_ERR_PROXY_AUTH_REQUIRED', statusCode: 407 });
    expect((missing as { headers: Record<string, string> }).headers['proxy-authenticate']).toMatch(/^Basic/);

    // tinyproxy answers wrong credentials with 401, which to CONNECT can only mean the same.
    const wrong = await connect(`ws://127.0.0.1:${port}/`, { proxy: `http://alice:guess@127.0.0.1:${proxy.port}` }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'WS_ERR_PROXY_AUTH_REQUIRED', statusCode: 401 });
    expect((wrong as Error).message).toContain('did not accept the credentials');
    expect((wrong as Error).message).not.toContain('guess'); // a password never goes into an error
  });

  it('a port the proxy does not allow: 403 → WS_ERR_PROXY_FORBIDDEN', async () => {
    const { port } = await startServer({}, echo);
    const proxy = await Tinyproxy.start({ connectPorts: [port + 1] });
    const error = await connect(`ws://127.0.0.1:${port}/`, { proxy: proxy.url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_FORBIDDEN', statusCode: 403 });
  });

  it('a next-hop proxy it cannot reach: 502 → WS_ERR_PROXY_BAD_GATEWAY', async () => {
    const { port } = await startServer({}, echo);
    const proxy = await Tinyproxy.start({ connectPorts: [port], upstreamPort: await freePort() });
    const error = await connect(`ws://127.0.0.1:${port}/`, { proxy: proxy.url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_BAD_GATEWAY', statusCode: 502 });
  });

  it('any other refusal is WS_ERR_PROXY_REFUSED with the status (tinyproxy answers a closed server port with 500)', async () => {
    const closedPort = await freePort();
    const proxy = await Tinyproxy.start({ connectPorts: [closedPort] });
    const error = await connect(`ws://127.0.0.1:${closedPort}/`, { proxy: proxy.url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_REFUSED', statusCode: 500 });
    expect((error as Error).message).toContain('500 Unable to connect');
  });
});

describe('wsframe/ws takes the same path', () => {
  it('its proxy option and the environment tunnel through tinyproxy; proxy: false goes direct', async () => {
    const { port } = await startServer({}, echo);
    const proxy = await Tinyproxy.start({ connectPorts: [port] });
    const url = `ws://127.0.0.1:${port}/`;
    const echoOnce = async (client: InstanceType<typeof WsCompatWebSocket>): Promise<void> => {
      await once(client, 'open');
      client.send('via ws');
      const [data] = await once(client, 'message');
      expect(String(data)).toBe('via ws');
      client.close();
      await once(client, 'close');
    };
    await echoOnce(new WsCompatWebSocket(url, { proxy: proxy.url }));
    process.env.HTTP_PROXY = proxy.url;
    await echoOnce(new WsCompatWebSocket(url));
    await echoOnce(new WsCompatWebSocket(url, { proxy: false }));
    expect(proxy.connects()).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
  });
});

describe('wsframe/web takes the same path', () => {
  it("the browser's WebSocket tunnels through the environment's proxy, as connect() does", async () => {
    const { port } = await startServer({}, echo);
    const proxy = await Tinyproxy.start({ connectPorts: [port] });
    process.env.HTTP_PROXY = proxy.url;
    const client = new WhatwgWebSocket(`ws://127.0.0.1:${port}/`);
    await once(client, 'open');
    client.send('via web');
    const [message] = (await once(client, 'message')) as [MessageEvent];
    expect(message.data).toBe('via web');
    client.close(1000);
    await once(client, 'close');
    expect(proxy.connects()).toEqual([`127.0.0.1:${port}`]);
  });
});

describe('the proxy from the environment', () => {
  it('ws:// uses HTTP_PROXY; NO_PROXY naming the host (or *) goes direct; proxy: false ignores the environment', async () => {
    const { port } = await startServer({}, echo);
    const proxy = await Tinyproxy.start({ connectPorts: [port] });
    const url = `ws://127.0.0.1:${port}/`;
    process.env.HTTP_PROXY = proxy.url;
    await expectEcho(await connect(url));
    expect(proxy.connects()).toHaveLength(1);

    process.env.NO_PROXY = 'localhost, 127.0.0.1';
    await expectEcho(await connect(url));
    process.env.NO_PROXY = '*';
    await expectEcho(await connect(url));
    delete process.env.NO_PROXY;
    await expectEcho(await connect(url, { proxy: false }));
    expect(proxy.connects()).toHaveLength(1); // none of the last three came to the proxy
  });

  it('wss:// uses HTTPS_PROXY (not HTTP_PROXY when both are set), lower-case names first', async () => {
    const { url, port } = await startSecureEchoServer(certificate);
    const proxy = await Tinyproxy.start({ connectPorts: [port] });
    process.env.HTTP_PROXY = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    process.env.https_proxy = proxy.url;
    process.env.HTTPS_PROXY = process.env.HTTP_PROXY;
    await expectEcho(await connect(url, { ca: certificate.cert }));
    expect(proxy.connects()).toEqual([`127.0.0.1:${port}`]);
  });

  it('NO_PROXY with a port bypasses only that port', async () => {
    const { port } = await startServer({}, echo);
    const proxy = await Tinyproxy.start({ connectPorts: [port] });
    process.env.http_proxy = proxy.url;
    process.env.no_proxy = `127.0.0.1:${port + 1}`;
    await expectEcho(await connect(`ws://127.0.0.1:${port}/`));
    expect(proxy.connects()).toHaveLength(1);
  });

  it('a proxy URL that is not http: or https: is WS_ERR_INVALID_URL, naming the variable', async () => {
    process.env.HTTP_PROXY = 'socks5://127.0.0.1:1080';
    const error = await connect('ws://127.0.0.1:1/').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_INVALID_URL' });
    expect((error as Error).message).toContain('HTTP_PROXY');
  });
});

describe('proxies that fail without a status', () => {
  it('a proxy that hangs up before answering CONNECT: WS_ERR_PROXY_TUNNEL_CLOSED', async () => {
    const proxyPort = await listen(createServer((socket) => socket.once('data', () => socket.destroy())));
    const error = await connect('ws://127.0.0.1:9/', { proxy: `http://127.0.0.1:${proxyPort}` }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_TUNNEL_CLOSED', statusCode: undefined });
  });

  it('a proxy that never answers: WS_ERR_PROXY_TIMEOUT at handshakeTimeout, and the connection to it is closed', async () => {
    let accepted: Socket | undefined;
    const proxyPort = await listen(createServer((socket) => (accepted = socket)));
    const started = Date.now();
    const error = await connect('ws://127.0.0.1:9/', { proxy: `http://127.0.0.1:${proxyPort}`, handshakeTimeout: 300 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(accepted).toBeDefined();
    if (!accepted!.closed) await once(accepted!.resume(), 'close'); // our side went away
  });

  it('a proxy nobody listens at: WS_ERR_PROXY_CONNECT_FAILED with the cause', async () => {
    const error = await connect('ws://127.0.0.1:9/', { proxy: `http://127.0.0.1:${await freePort()}` }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WS_ERR_PROXY_CONNECT_FAILED' });
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('an abort signal during the proxy phase rejects with its reason and closes the connection to the proxy', async () => {
    let accepted: Socket | undefined;
    const proxyPort = await listen(createServer((socket) => (accepted = socket)));
    const controller = new AbortController();
    const pending = connect('ws://127.0.0.1:9/', { proxy: `http://127.0.0.1:${proxyPort}`, signal: controller.signal });
    while (accepted === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    if (!accepted.closed) await once(accepted.resume(), 'close');
  });
});
