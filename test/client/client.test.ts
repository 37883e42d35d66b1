/**
 * connect(): the wsframe client against the wsframe server, and its handshake failures against
 * deliberately broken raw servers (RFC 6455 §4.1: the client MUST validate the answer).
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import type { ConnectOptions } from '../../src/client.js';
import { computeAccept } from '../../src/handshake/index.js';
import { carrierUrl, clientCarrier } from '../helpers/carrier.js';
import { echo, plainTcp, startServer } from '../helpers/servers.js';

const rawServers = new Set<Server>();
afterEach(() => {
  for (const server of rawServers) server.close();
  rawServers.clear();
});

/** A raw TCP server that reads the request head and answers with whatever `answer` returns. */
async function brokenServer(answer: (key: string, request: string) => string | undefined, onSocket?: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    onSocket?.(socket);
    let head = '';
    let answered = false;
    socket.on('data', (chunk) => {
      if (answered) return; // later bytes are frames; this server does not read them
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      answered = true;
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      const reply = answer(key, head);
      if (reply !== undefined) socket.write(reply);
    });
    socket.on('error', () => {});
  });
  rawServers.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const ok = (key: string, extra = ''): string =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n${extra}\r\n`;

describe('connect() to a wsframe server', () => {
  it('echoes text and binary, and closes cleanly (the server closes TCP first)', async () => {
    const { port } = await startServer({}, echo);
    const ws = await connect(carrierUrl(port, '/path?x=1'), clientCarrier);
    expect(ws.state).toBe('OPEN');
    expect(ws.remoteAddress).toBe('127.0.0.1');
    ws.send('hello');
    expect(await ws.receive()).toEqual({ type: 'text', data: 'hello' });
    ws.send(Buffer.from([0, 1, 2, 255]));
    const binary = await ws.receive();
    expect(binary.type === 'binary' && [...binary.data]).toEqual([0, 1, 2, 255]);
    const closed = once(ws, 'close');
    await ws.close(1000, 'done');
    // The server echoes the code (RFC 6455 §5.5.1), not the reason.
    expect((await closed).slice(0, 3)).toEqual([1000, '', true]);
  });

  it('masks every frame with a fresh key (the server would fail it with 1002 otherwise)', async () => {
    const { port } = await startServer({}, echo);
    const ws = await connect(carrierUrl(port), clientCarrier);
    for (let i = 0; i < 50; i++) ws.send(`message ${i}`);
    for (let i = 0; i < 50; i++) expect(await ws.receive()).toEqual({ type: 'text', data: `message ${i}` });
    await ws.close();
  });

  it('receives what the server sends right after the 101, with listeners attached after await', async () => {
    const { port } = await startServer({}, (ws) => ws.send('welcome'));
    const ws = await connect(carrierUrl(port), clientCarrier);
    const [data] = await once(ws, 'message');
    expect(String(data)).toBe('welcome');
    await ws.close();
  });

  it('negotiates a subprotocol and sends extra headers and Origin', async () => {
    let seen: { origin?: string; auth?: string } = {};
    const { port } = await startServer({ protocols: ['b', 'a'], verify: (req) => ((seen = { origin: req.headers.origin as string, auth: req.headers.authorization as string }), true) });
    const ws = await connect(carrierUrl(port), { ...clientCarrier, protocols: ['a', 'b'], origin: 'http://me.example', headers: { Authorization: 'Bearer x' } });
    expect(ws.protocol).toBe('b');
    expect(seen).toEqual({ origin: 'http://me.example', auth: 'Bearer x' });
    await ws.close();
  });

  it('fails with 1009 when the server sends more than receiveBufferLimit', async () => {
    const { port } = await startServer({}, (ws) => ws.send(Buffer.alloc(2000)));
    const ws = await connect(carrierUrl(port), { ...clientCarrier, receiveBufferLimit: 1000 });
    const [error] = await once(ws, 'error');
    expect(error).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
  });

  it('gives the fragment API with api: fragment', async () => {
    const { port } = await startServer({}, echo);
    const context = await connect(carrierUrl(port), { ...clientCarrier, api: 'fragment' });
    await context.writeFragment(Buffer.from('frag'), { utf8: true, final: false });
    await context.writeFragment(Buffer.from('ment'), { final: true });
    const fragment = await context.readFragment();
    expect([Buffer.from(fragment.data).toString(), fragment.utf8, fragment.final]).toEqual(['fragment', true, true]);
    await context.sendConnectionClose(1000);
    expect((await context.readFragment()).connectionClose).toBe(true);
    await context.closed;
    // The address was never asked for while the socket was open (HandshakeInfo.remoteAddress).
    expect(context.handshake).toEqual({ protocol: '', extensions: '', remoteAddress: '', url: carrierUrl(port), user: undefined });
  });
});

describe('connect() refuses before any I/O', () => {
  it.each([
    ['ftp://127.0.0.1/', 'WS_ERR_INVALID_URL'],
    ['ws://127.0.0.1/#fragment', 'WS_ERR_INVALID_URL'],
    ['not a url', 'WS_ERR_INVALID_URL'],
  ])('%s → %s', async (url, code) => {
    await expect(connect(url)).rejects.toMatchObject({ code });
  });

  it('a header with CR/LF or a repeated subprotocol', async () => {
    await expect(connect('ws://127.0.0.1:1/', { headers: { 'X-A': 'a\r\nInjected: yes' } })).rejects.toMatchObject({ code: 'WS_ERR_INVALID_HEADER' });
    await expect(connect('ws://127.0.0.1:1/', { protocols: ['a', 'a'] })).rejects.toMatchObject({ code: 'WS_ERR_INVALID_SUBPROTOCOL' });
  });

  it('an option connect() does not take is a TypeError naming it, not silence', async () => {
    const misspelt = { protocol: ['chat'] } as unknown as ConnectOptions & { api?: 'message' };
    await expect(connect('ws://127.0.0.1:1/', misspelt)).rejects.toThrow(TypeError);
    await expect(connect('ws://127.0.0.1:1/', misspelt)).rejects.toThrow(/unknown option 'protocol'.*protocols/);
    // Every documented option is accepted, even when undefined.
    const accepted = { protocols: undefined, proxy: undefined, perMessageDeflate: undefined, signal: undefined } satisfies ConnectOptions;
    await expect(connect('ws://127.0.0.1:1/', { ...accepted, proxy: false })).rejects.toMatchObject({ code: 'WS_ERR_CONNECT_FAILED' });
  });
});

describe('connect() validates the answer (RFC 6455 §4.1)', () => {
  it.each([
    ['a 426 with its status and headers', () => 'HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n', 'WS_ERR_HANDSHAKE_BAD_STATUS'],
    ['a 503', () => 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy', 'WS_ERR_HANDSHAKE_BAD_STATUS'],
    ['a 200', () => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'WS_ERR_HANDSHAKE_BAD_STATUS'],
    ['a wrong accept', () => ok('AAAAAAAAAAAAAAAAAAAAAA=='), 'WS_ERR_HANDSHAKE_BAD_ACCEPT'],
    ['no accept', () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', 'WS_ERR_HANDSHAKE_BAD_ACCEPT'],
    ['Upgrade: h2c', (key: string) => ok(key).replace('Upgrade: websocket', 'Upgrade: h2c'), 'WS_ERR_HANDSHAKE_BAD_UPGRADE'],
    ['no Connection: Upgrade', (key: string) => ok(key).replace('Connection: Upgrade\r\n', 'Connection: keep-alive\r\n'), 'WS_ERR_HANDSHAKE_BAD_CONNECTION'],
    ['a subprotocol that was not offered', (key: string) => ok(key, 'Sec-WebSocket-Protocol: other\r\n'), 'WS_ERR_HANDSHAKE_BAD_PROTOCOL'],
    ['an extension that was not offered', (key: string) => ok(key, 'Sec-WebSocket-Extensions: x-custom\r\n'), 'WS_ERR_HANDSHAKE_BAD_EXTENSIONS'],
  ])('%s', async (_name, answer, code) => {
    const port = await brokenServer(answer);
    await expect(connect(`ws://127.0.0.1:${port}`, { protocols: ['chat'] })).rejects.toMatchObject({ code });
  });

  it('a refusal carries the HTTP status and headers', async () => {
    const port = await brokenServer(() => 'HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n');
    const error = await connect(`ws://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 426, headers: expect.objectContaining({ 'sec-websocket-version': '13' }) });
  });

  it('follows redirects only when asked, up to the number asked', async () => {
    const { port: target } = await startServer(plainTcp, echo);
    const port = await brokenServer(() => `HTTP/1.1 302 Found\r\nLocation: ws://127.0.0.1:${target}/moved\r\nContent-Length: 0\r\n\r\n`);
    await expect(connect(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'WS_ERR_HANDSHAKE_BAD_STATUS', statusCode: 302 });
    const ws = await connect(`ws://127.0.0.1:${port}`, { followRedirects: 1 });
    expect(ws.url).toBe(`ws://127.0.0.1:${target}/moved`);
    await ws.close();
  });

  it('a redirect to another origin does not carry Authorization or Cookie along', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const { port: target } = await startServer({ ...plainTcp, verify: (req) => (seen.push({ ...req.headers }), true) }, echo);
    for (const host of ['localhost', '127.0.0.1']) {
      const port = await brokenServer(() => `HTTP/1.1 307 Temporary Redirect\r\nLocation: ws://${host}:${target}/\r\nContent-Length: 0\r\n\r\n`);
      const ws = await connect(`ws://127.0.0.1:${port}`, { followRedirects: 1, headers: { Authorization: 'Bearer secret', Cookie: 'a=b', 'X-Kept': 'yes' } });
      await ws.close();
    }
    // Another host name, then the same host on another port: both are other origins.
    expect(seen.map((h) => [h['authorization'], h['cookie'], h['x-kept']])).toEqual([
      [undefined, undefined, 'yes'],
      [undefined, undefined, 'yes'],
    ]);
  });

  it('a redirect within the same origin keeps them', async () => {
    const heads: string[] = [];
    const port = await brokenServer((key, request) => {
      heads.push(request);
      return request.startsWith('GET /moved ') ? ok(key) : 'HTTP/1.1 307 Temporary Redirect\r\nLocation: /moved\r\nContent-Length: 0\r\n\r\n';
    });
    const ws = await connect(`ws://127.0.0.1:${port}/`, { followRedirects: 1, headers: { Authorization: 'Bearer secret' } });
    expect(heads).toHaveLength(2);
    expect(heads[1]).toMatch(/^GET \/moved /);
    expect(heads[1]).toMatch(/authorization: Bearer secret/i);
    ws.terminate();
  });

  it('a refused connection is WS_ERR_CONNECT_FAILED with the cause', async () => {
    const port = await brokenServer(() => undefined);
    for (const server of rawServers) server.close();
    await once([...rawServers][0]!, 'close');
    await expect(connect(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'WS_ERR_CONNECT_FAILED', cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
  });
});

describe('connect() ends within its timeouts, leaking nothing', () => {
  it('a server that never answers: WS_ERR_HANDSHAKE_TIMEOUT, the socket is closed', async () => {
    let serverSide: Socket | undefined;
    const port = await brokenServer(() => undefined, (socket) => (serverSide = socket));
    const started = Date.now();
    await expect(connect(`ws://127.0.0.1:${port}`, { handshakeTimeout: 200 })).rejects.toMatchObject({ code: 'WS_ERR_HANDSHAKE_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect.poll(() => serverSide?.destroyed || serverSide?.readableEnded).toBe(true);
  });

  it('a server that starts answering and goes silent: the same', async () => {
    const port = await brokenServer(() => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n');
    await expect(connect(`ws://127.0.0.1:${port}`, { handshakeTimeout: 200 })).rejects.toMatchObject({ code: 'WS_ERR_HANDSHAKE_TIMEOUT' });
  });

  it('an AbortSignal aborts the handshake', async () => {
    const port = await brokenServer(() => undefined);
    const controller = new AbortController();
    const pending = connect(`ws://127.0.0.1:${port}`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(connect(`ws://127.0.0.1:${port}`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a server that goes silent after the 101: idleTimeout closes, and close() ends within closeTimeout', async () => {
    const port = await brokenServer((key) => ok(key));
    const ws = await connect(`ws://127.0.0.1:${port}`, { idleTimeout: 150, closeTimeout: 150 });
    const errors: string[] = [];
    ws.on('error', (error: { code: string }) => errors.push(error.code));
    const code = await new Promise((resolve) => ws.on('close', resolve));
    expect(errors).toEqual(['WS_ERR_IDLE_TIMEOUT']);
    expect(code).toBe(1006); // we sent 1001; the silent server never answered, so nothing was received
    expect(ws.state).toBe('CLOSED');
  });
});
