/**
 * The opening handshake over real sockets (RFC 6455 §4.2): every refusal gets its status, a
 * complete HTTP response with a reason, and a closed socket; every valid variant upgrades.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/server.js';
import type { UpgradeRequestInfo } from '../../src/server.js';
import { RawClient, answer, clientFrame, upgradeRequest } from '../helpers/raw-client.js';
import { itOverHttp1, itOverTcp, openingRequest } from '../helpers/carrier.js';
import { echo, startServer } from '../helpers/servers.js';

describe('refusals', () => {
  const cases: Array<[string, number, (port: number) => string]> = [
    ['POST instead of GET', 405, (port) => upgradeRequest(port).replace('GET', 'POST')],
    ['HTTP/1.0', 400, (port) => upgradeRequest(port).replace('HTTP/1.1', 'HTTP/1.0')],
    ['no Host', 400, (port) => upgradeRequest(port, { Host: '' })],
    ['Upgrade: h2c', 400, (port) => upgradeRequest(port, { Upgrade: 'h2c' })],
    ['no Upgrade header', 400, (port) => upgradeRequest(port, { Upgrade: '' })],
    ['Connection without upgrade', 400, (port) => upgradeRequest(port, { Connection: 'keep-alive' })],
    ['key of 15 bytes', 400, (port) => upgradeRequest(port, { 'Sec-WebSocket-Key': Buffer.alloc(15, 1).toString('base64') })],
    ['key of 17 bytes', 400, (port) => upgradeRequest(port, { 'Sec-WebSocket-Key': Buffer.alloc(17, 1).toString('base64') })],
    ['key not base64', 400, (port) => upgradeRequest(port, { 'Sec-WebSocket-Key': '!!!!!!!!!!!!!!!!!!!!!!==' })],
    ['no key', 400, (port) => upgradeRequest(port, { 'Sec-WebSocket-Key': '' })],
    ['two keys', 400, (port) => upgradeRequest(port).replace('\r\n\r\n', '\r\nSec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n\r\n')],
    ['version 8', 426, (port) => upgradeRequest(port, { 'Sec-WebSocket-Version': '8' })],
    ['version 12', 426, (port) => upgradeRequest(port, { 'Sec-WebSocket-Version': '12' })],
    ['version 14', 426, (port) => upgradeRequest(port, { 'Sec-WebSocket-Version': '14' })],
    ['no version', 426, (port) => upgradeRequest(port, { 'Sec-WebSocket-Version': '' })],
    ['a plain GET', 426, (port) => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`],
    ['malformed HTTP', 400, () => 'HELLO THERE\r\n\r\n'],
  ];
  it.each(cases)('%s → %i', async (_name, status, request) => {
    const { port, server } = await startServer({}, echo);
    const reply = await answer(port, request(port));
    expect(reply.status).toBe(status);
    expect(reply.headers['connection']?.toLowerCase()).toContain('close');
    expect(reply.text.split('\r\n\r\n')[1]?.trim().length).toBeGreaterThan(0); // a reason in the body
    expect(server.clients.size).toBe(0);
    expect(server.stats.statuses[status]).toBe(1);
  });

  it('426 names the version it speaks', async () => {
    const { port } = await startServer({}, echo);
    const reply = await answer(port, upgradeRequest(port, { 'Sec-WebSocket-Version': '8' }));
    expect(reply.headers['sec-websocket-version']).toBe('13');
  });

  it('405 carries Allow: GET', async () => {
    const { port } = await startServer({}, echo);
    const reply = await answer(port, upgradeRequest(port).replace('GET', 'PUT'));
    expect(reply.headers['allow']).toBe('GET');
  });

  it('refuses an origin that is not allowed with 403, accepts one that is', async () => {
    const { port } = await startServer({ origins: ['https://good.example'] }, echo);
    expect((await answer(port, upgradeRequest(port, { Origin: 'https://evil.example' }))).status).toBe(403);
    const ok = await RawClient.upgraded(port, { Origin: 'https://GOOD.example:443' });
    ok.destroy();
  });

  it('refuses look-alikes of an allowed origin with 403 (RFC 6454: scheme, host, port; no path)', async () => {
    const { port } = await startServer({ origins: ['http://app.example:8080'] }, echo);
    for (const lookAlike of ['http://app.example:8080/', 'http://app.example:8080/chat', 'http://app.example', 'https://app.example:8080', 'null']) {
      expect((await answer(port, upgradeRequest(port, { Origin: lookAlike }))).status, lookAlike).toBe(403);
    }
    const ok = await RawClient.upgraded(port, { Origin: 'HTTP://APP.example:8080' });
    ok.destroy();
  });

  it('an allowed origin with a path or trailing slash is a configuration error at construction', () => {
    expect(() => new WebSocketServer({ origins: ['http://app.example/'] })).toThrow(
      expect.objectContaining({ code: 'WS_ERR_INVALID_ORIGIN' }),
    );
  });

  it('enabled: false refuses with 503', async () => {
    const { port } = await startServer({ enabled: false }, echo);
    expect((await answer(port, upgradeRequest(port))).status).toBe(503);
  });

  it('maxConnections: the one over the limit gets 503, and a slot frees when one closes', async () => {
    const { port, server } = await startServer({ maxConnections: 2 }, echo);
    const a = await RawClient.upgraded(port);
    const b = await RawClient.upgraded(port);
    expect((await answer(port, upgradeRequest(port))).status).toBe(503);
    a.destroy();
    await a.waitClosed();
    await expect.poll(() => server.clients.size).toBe(1);
    const c = await RawClient.upgraded(port);
    b.destroy();
    c.destroy();
  });

  it('a header block over maxHeaderSize gets 431', async () => {
    const { port } = await startServer({ maxHeaderSize: 1024 }, echo);
    const reply = await answer(port, upgradeRequest(port, { 'X-Padding': 'x'.repeat(2048) }));
    expect(reply.status).toBe(431);
  });

  it('verify can refuse with its own status and reason', async () => {
    const { port } = await startServer({ verify: () => ({ accept: false, status: 401, reason: 'who are you?' }) }, echo);
    const reply = await answer(port, upgradeRequest(port));
    expect(reply.status).toBe(401);
    expect(reply.text).toContain('who are you?');
  });

  it('verify that throws gives 500, not a crash', async () => {
    const { port } = await startServer({ verify: () => { throw new Error('database down'); } }, echo);
    expect((await answer(port, upgradeRequest(port))).status).toBe(500);
  });

  it('handshakeTimeout drops a client that never finishes its request', async () => {
    const { port } = await startServer({ handshakeTimeout: 200 }, echo);
    const client = await RawClient.open(port);
    client.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`); // no end of headers
    await client.waitClosed(3000);
    expect(client.closed).toBe(true);
  });
});

describe('the standalone server reads the request head itself', () => {
  it.each([
    ['obs-fold (RFC 7230 §3.2.4)', 400, (port: number) => upgradeRequest(port).replace('\r\n\r\n', '\r\nX-A: a\r\n b\r\n\r\n')],
    ['whitespace before a colon', 400, (port: number) => upgradeRequest(port).replace('Upgrade:', 'Upgrade :')],
    ['a bare LF', 400, (port: number) => upgradeRequest(port).replace('\r\n', '\n')],
    ['NUL in a value', 400, (port: number) => upgradeRequest(port, { 'X-A': 'a\u0000b' })],
    ['Transfer-Encoding', 501, (port: number) => upgradeRequest(port, { 'Transfer-Encoding': 'chunked' })],
    ['a Content-Length body', 400, (port: number) => upgradeRequest(port, { 'Content-Length': '5' })],
    ['HTTP/2.0', 505, (port: number) => upgradeRequest(port).replace('HTTP/1.1', 'HTTP/2.0')],
  ])('%s → %i, counted', async (_name, status, request) => {
    const { port, server } = await startServer({}, echo);
    const reply = await answer(port, request(port));
    expect(reply.status).toBe(status);
    expect(reply.headers['connection']).toBe('close');
    expect(server.stats.statuses[status]).toBe(1);
  });

  it('maxHeaderSize holds at the exact boundary', async () => {
    const { port } = await startServer({ maxHeaderSize: 1024 }, echo);
    const base = upgradeRequest(port, { 'X-Pad': 'x' });
    const padded = (size: number): string => base.replace('X-Pad: x', 'X-Pad: ' + 'x'.repeat(size - base.length + 1));
    const fits = await RawClient.open(port);
    fits.write(padded(1024));
    expect((await fits.response()).status).toBe(101);
    fits.destroy();
    expect((await answer(port, padded(1025))).status).toBe(431);
  });

  it('a head in many pieces, and frames that arrive while verify decides, are all read', async () => {
    const { port } = await startServer({ verify: () => new Promise((resolve) => setTimeout(() => resolve(true), 100)) }, echo);
    const client = await RawClient.open(port);
    const bytes = Buffer.from(upgradeRequest(port));
    for (let at = 0; at < bytes.length; at += 7) {
      client.write(bytes.subarray(at, at + 7));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.send(1, 'sent before the 101');
    expect((await client.response()).status).toBe(101);
    expect((await client.frame()).payload.toString()).toBe('sent before the 101');
    client.destroy();
  });

  itOverTcp.each([
    [300, 'the native listener holds such a one first and hands it over by half the timeout'],
    [1200, 'the native listener lets the kernel hold such a one for its first second (TCP_DEFER_ACCEPT)'],
  ])('handshakeTimeout %i ms answers 408 to a client that sends nothing at all, counted from its connection: %s', async (timeout) => {
    const { port, server } = await startServer({ handshakeTimeout: timeout }, echo);
    const client = await RawClient.open(port);
    const opened = Date.now();
    await client.waitClosed(5000);
    const waited = Date.now() - opened;
    expect(await client.rest()).toMatch(/^HTTP\/1\.1 408 /);
    expect(server.stats.statuses[408]).toBe(1);
    expect(waited).toBeGreaterThanOrEqual(timeout - 50);
    // Late by the sweep's tick (a quarter of it) at most, with room to spare: not by the kernel's 1 s.
    expect(waited).toBeLessThan(timeout + 900);
  });

  it('handshakeTimeout answers 408 before closing', async () => {
    const { port, server } = await startServer({ handshakeTimeout: 100 }, echo);
    const client = await RawClient.open(port);
    client.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await client.waitClosed(3000);
    expect(await client.rest()).toMatch(/^HTTP\/1\.1 408 /);
    expect(server.stats.statuses[408]).toBe(1);
  });

  itOverHttp1('verify gets the request: method, url, lower-cased and joined headers, rawHeaders, httpVersion, socket', async () => {
    let seen: UpgradeRequestInfo | undefined;
    const { port } = await startServer({ verify: (request) => { seen = request; return true; } }, echo);
    const client = await RawClient.upgraded(port, { 'X-Multi': 'a', 'x-multi': 'b' } as Record<string, string>, '/p?q=1');
    expect(seen).toMatchObject({ method: 'GET', url: '/p?q=1', httpVersion: '1.1' });
    expect(seen!.headers['sec-websocket-version']).toBe('13');
    expect(seen!.rawHeaders).toContain('Sec-WebSocket-Key');
    expect(seen!.socket.remotePort).toBeGreaterThan(0);
    client.destroy();
  });

  itOverTcp('an upgraded socket carries nothing of the handshake: only the connection\'s listeners, no timer, no HTTP parser', async () => {
    let socket: Socket | undefined;
    // About net.Socket: the native transport has none (test/transport/native-transport.test.ts).
    const { port, server } = await startServer({ handshakeTimeout: 5000, transport: 'node' });
    server.on('connection', (_ws, request: UpgradeRequestInfo) => { socket = request.socket as Socket; });
    const client = await RawClient.upgraded(port);
    await expect.poll(() => socket).toBeDefined();
    for (const event of ['data', 'close', 'error', 'drain']) expect(socket!.listenerCount(event), event).toBe(1);
    expect(socket!.timeout ?? 0).toBe(0); // no socket timer: timeouts are the sweeper's
    expect('parser' in socket!).toBe(false);
    expect(socket!.readableFlowing).toBe(true);
    client.destroy();
  });

  it('close() drops connections still sending their head, and resolves', async () => {
    const { port, server } = await startServer({ handshakeTimeout: 60_000 }, echo);
    const client = await RawClient.open(port);
    client.write('GET / HTTP/1.1\r\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await client.waitClosed();
  });
});

describe('upgrades', () => {
  const variants: Array<[string, Record<string, string>]> = [
    ['canonical', {}],
    ['lower-case header values', { Upgrade: 'websocket', Connection: 'upgrade' }],
    ['Upgrade: WebSocket', { Upgrade: 'WebSocket' }],
    ['Connection: keep-alive, Upgrade', { Connection: 'keep-alive, Upgrade' }],
    ['Connection: Upgrade, keep-alive with spaces', { Connection: '  Upgrade ,  keep-alive ' }],
    ['an Origin when none is required', { Origin: 'http://anything.example' }],
  ];
  it.each(variants)('%s', async (_name, headers) => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.open(port);
    client.write(upgradeRequest(port, headers));
    const head = await client.response();
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo='); // RFC 6455 §1.3
    expect(head.headers['upgrade']?.toLowerCase()).toBe('websocket');
    client.destroy();
  });

  it('header names in any case', async () => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.open(port);
    client.write(upgradeRequest(port).replace(/^([A-Za-z-]+):/gm, (_m, name: string) => name.toUpperCase() + ':'));
    expect((await client.response()).status).toBe(101);
    client.destroy();
  });

  it('keeps the first frame sent in the same packet as the request', async () => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.open(port);
    client.write(Buffer.concat([Buffer.from(upgradeRequest(port)), clientFrame(1, 'pipelined')]));
    expect((await client.response()).status).toBe(101);
    const frame = await client.frame();
    expect(frame.opcode).toBe(1);
    expect(frame.payload.toString()).toBe('pipelined');
    client.destroy();
  });

  it('picks the subprotocol by server preference, only from the offer, omits it when none match', async () => {
    const { port } = await startServer({ protocols: ['chat.v2', 'chat.v1'] }, echo);
    const both = await RawClient.open(port);
    both.write(upgradeRequest(port, { 'Sec-WebSocket-Protocol': 'chat.v1, chat.v2' }));
    expect((await both.response()).headers['sec-websocket-protocol']).toBe('chat.v2');
    both.destroy();
    const none = await RawClient.open(port);
    none.write(upgradeRequest(port, { 'Sec-WebSocket-Protocol': 'other' }));
    const head = await none.response();
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-protocol']).toBeUndefined();
    none.destroy();
  });

  it('ignores unknown extensions and never echoes them', async () => {
    const { port } = await startServer({}, echo);
    const client = await RawClient.open(port);
    client.write(upgradeRequest(port, { 'Sec-WebSocket-Extensions': 'x-unknown; a=1, another' }));
    const head = await client.response();
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-extensions']).toBeUndefined();
    client.destroy();
  });

  it('verify attaches the authenticated user to the connection', async () => {
    let seen: unknown;
    const { port } = await startServer(
      { verify: (request) => ({ accept: true, user: { name: new URL(request.url!, 'http://x').searchParams.get('name') } }) },
      (ws) => { seen = ws.user; },
    );
    const client = await RawClient.upgraded(port, {}, '/?name=John');
    await expect.poll(() => seen).toEqual({ name: 'John' });
    client.destroy();
  });

  it('honours X-Forwarded-For only with trustProxy', async () => {
    const addresses: string[] = [];
    for (const trustProxy of [false, true]) {
      const { port } = await startServer({ trustProxy }, (ws) => addresses.push(ws.remoteAddress));
      const client = await RawClient.upgraded(port, { 'X-Forwarded-For': '203.0.113.7, 10.0.0.1' });
      client.destroy();
    }
    await expect.poll(() => addresses.length).toBe(2);
    expect(addresses[0]).toMatch(/127\.0\.0\.1/);
    expect(addresses[1]).toBe('203.0.113.7');
  });

  it('remoteAddress is read from the socket when first asked: kept once read while open, \'\' when first asked after the close', async () => {
    const atClose: string[] = [];
    let connections = 0;
    const { port } = await startServer({}, (ws) => {
      if (connections++ === 0) expect(ws.remoteAddress).toBe('127.0.0.1'); // the first is asked while open
      ws.on('close', () => atClose.push(ws.remoteAddress));
    });
    for (let i = 0; i < 2; i++) {
      const client = await RawClient.upgraded(port);
      client.destroy();
      await expect.poll(() => atClose.length).toBe(i + 1);
    }
    expect(atClose).toEqual(['127.0.0.1', '']);
  });

  it('remoteAddress after the close: the forwarded address with trustProxy, the socket\'s when the access log read it', async () => {
    const { Writable } = await import('node:stream');
    const accessLog = new Writable({ write(_chunk, _e, done) { done(); } });
    const atClose: string[] = [];
    for (const [options, expected] of [[{ trustProxy: true }, '203.0.113.7'], [{ accessLog }, '127.0.0.1']] as const) {
      const { port } = await startServer(options, (ws) => ws.on('close', () => atClose.push(ws.remoteAddress)));
      const client = await RawClient.upgraded(port, { 'X-Forwarded-For': '203.0.113.7' });
      client.destroy();
      await expect.poll(() => atClose.at(-1)).toBe(expected);
    }
  });

  it('writes one W3C access log line per attempt', async () => {
    const lines: string[] = [];
    const { Writable } = await import('node:stream');
    const accessLog = new Writable({ write(chunk, _e, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
    const { port } = await startServer({ accessLog }, echo);
    const ok = await RawClient.upgraded(port, { 'User-Agent': 'test agent/1.0' }, '/chat?x=1');
    await answer(port, upgradeRequest(port, { 'Sec-WebSocket-Version': '8' }));
    ok.destroy();
    expect(lines[0]).toBe('#Software: wsframe');
    expect(lines).toContain('#Fields: date time c-ip cs-method cs-uri-stem cs-version sc-status time-taken cs(User-Agent)');
    const entries = lines.filter((line) => !line.startsWith('#')).map((line) => line.split(' '));
    expect(entries.map((e) => e[6])).toEqual([openingRequest.status, '426']);
    expect(entries[0]!.slice(2, 6)).toEqual(['127.0.0.1', openingRequest.method, '/chat', openingRequest.version]);
    expect(entries[0]![8]).toBe('test+agent/1.0');
  });
});
