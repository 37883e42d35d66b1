/**
 * The `wsframe connect` console client (README "The CLI"): spawned with a piped standard input
 * against the echo CLI or an in-process wsframe server, so both what it prints and what the
 * server saw are checked.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectCli, EchoCli, runCli } from '../helpers/cli-process.js';
import { startServer } from '../helpers/servers.js';
import { Tinyproxy } from '../helpers/tinyproxy.js';
import { computeAccept } from '../../src/handshake/index.js';
import type { WebSocket } from '../../src/websocket.js';

const rawServers = new Set<Server>();
afterEach(() => {
  for (const server of rawServers) server.close();
  rawServers.clear();
});

/** A plain TCP server that answers any request head with `response` and closes. */
async function answeringServer(response: string): Promise<number> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) socket.end(response);
    });
  });
  rawServers.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** An in-process server that records what each connection received and how it closed. */
async function recordingServer(onConnection: (ws: WebSocket) => void = () => {}, options = {}) {
  const received: string[] = [];
  const closes: Array<{ code: number; reason: string }> = [];
  const headers: Array<Record<string, string | string[] | undefined>> = [];
  const { port } = await startServer(
    { ...options, verify: (request) => (headers.push(request.headers), true) },
    (ws) => {
      ws.on('message', (data: Buffer, isBinary: boolean) => received.push(isBinary ? `binary:${data.toString('hex')}` : data.toString()));
      ws.on('close', (code: number, reason: string) => closes.push({ code, reason }));
      onConnection(ws);
    },
  );
  return { url: `ws://127.0.0.1:${port}/`, received, closes, headers };
}

describe('usage', () => {
  it('connect --help documents the command and its flags, exits 0', async () => {
    const { code, stdout } = await runCli(['connect', '--help']);
    expect(code).toBe(0);
    for (const text of ['wsframe connect URL', '--protocol', '--header', '--deflate', '--proxy', 'Bye', 'closed CODE REASON']) expect(stdout).toContain(text);
  });

  it.each([
    ['an unknown flag', ['ws://127.0.0.1:1/', '--bogus'], /--bogus/],
    ['no URL', [], /needs a URL/],
    ['two URLs', ['ws://127.0.0.1:1/', 'ws://127.0.0.1:2/'], /one URL/],
    ['--protocol without its value', ['ws://127.0.0.1:1/', '--protocol'], /--protocol/],
    ['--header without a colon', ['ws://127.0.0.1:1/', '--header', 'NoColon'], /--header .*'NoColon'/],
    ['--header naming a header the handshake sets', ['ws://127.0.0.1:1/', '--header', 'Upgrade: h2c'], /Upgrade/],
    ['--header with a bad name', ['ws://127.0.0.1:1/', '--header', 'Bad Name: x'], /Bad Name/],
    ['--protocol given twice the same', ['ws://127.0.0.1:1/', '--protocol', 'a', '--protocol', 'a'], /a/],
    ['an ftp: URL', ['ftp://127.0.0.1/'], /ftp/],
    ['a URL with a fragment', ['ws://127.0.0.1:1/#frag'], /fragment/],
  ])('%s exits 2 with a message on stderr, without connecting', async (_name, args, message) => {
    const { code, stdout, stderr } = await runCli(['connect', ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^wsframe: /);
    expect(stderr).toMatch(message);
    expect(stdout).not.toContain('connected');
  });
});

describe('talking to the echo CLI', () => {
  it('sends each line as text and prints each echo on its own line; end of input closes with 1000, exit 0', async () => {
    const echo = await EchoCli.start();
    const cli = ConnectCli.start(`ws://127.0.0.1:${echo.port}`);
    await cli.waitFor(/^connected \(protocol none\)\n/);
    const lines = ['hello', 'héllo € 😀', '', '   spaces kept   ', 'Bye not alone'];
    for (const line of lines) cli.typeLine(line);
    await cli.waitFor(/Bye not alone\n/);
    cli.endInput();
    const exit = await cli.finished();
    expect(exit).toEqual({ code: 0, signal: null });
    // The echo server answers a close with the code it received (RFC 6455 §5.5.1).
    expect(cli.stdout).toBe(['connected (protocol none)', ...lines, 'closed 1000', ''].join('\n'));
  });
});

describe('against an in-process server', () => {
  it('end of input: the server gets every line, then close 1000', async () => {
    const server = await recordingServer();
    const cli = ConnectCli.start(server.url);
    await cli.waitFor(/connected/);
    cli.typeLine('one');
    cli.typeLine('two');
    cli.endInput(); // right after the lines: they must still go before the close frame
    expect(await cli.finished()).toEqual({ code: 0, signal: null });
    expect(server.received).toEqual(['one', 'two']);
    expect(server.closes).toEqual([{ code: 1000, reason: '' }]);
    expect(cli.stdout).toMatch(/closed 1000\n$/);
  });

  it('a line `Bye` closes with 1000 and exits 0 while input is still open; later lines are not sent', async () => {
    const server = await recordingServer();
    const cli = ConnectCli.start(server.url);
    await cli.waitFor(/connected/);
    cli.typeLine('before');
    cli.typeLine('Bye');
    cli.typeLine('after');
    expect(await cli.finished()).toEqual({ code: 0, signal: null });
    expect(server.received).toEqual(['before']);
    expect(server.closes).toEqual([{ code: 1000, reason: '' }]);
  });

  it('lines typed before the connection opened are sent once it is', async () => {
    const server = await recordingServer();
    const cli = ConnectCli.start(server.url);
    cli.typeLine('early');
    cli.endInput();
    expect(await cli.finished()).toEqual({ code: 0, signal: null });
    expect(server.received).toEqual(['early']);
  });

  it('shows binary messages as their size and the hex of the first 32 bytes', async () => {
    const long = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const server = await recordingServer((ws) => {
      ws.send(Buffer.alloc(0));
      ws.send(Buffer.from([0, 1, 0xfe, 0xff]));
      ws.send(long);
      ws.send('text after binary');
    });
    const cli = ConnectCli.start(server.url);
    await cli.waitFor(/text after binary\n/);
    cli.endInput();
    expect(await cli.finished()).toEqual({ code: 0, signal: null });
    expect(cli.stdout.split('\n').slice(1, 5)).toEqual([
      '<binary 0 bytes>',
      '<binary 4 bytes> 0001feff',
      `<binary 100 bytes> ${long.subarray(0, 32).toString('hex')}`,
      'text after binary',
    ]);
  });

  it('the server closing with 4000 and a reason is printed, exit 0 (a clean close)', async () => {
    const server = await recordingServer((ws) => void ws.close(4000, 'go away é'));
    const cli = ConnectCli.start(server.url);
    expect(await cli.finished()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toBe('connected (protocol none)\nclosed 4000 go away é\n');
    expect(server.closes).toEqual([{ code: 4000, reason: '' }]); // the client echoed the code (§5.5.1)
  });

  it('a dropped connection prints closed 1006 and exits 1', async () => {
    const server = await recordingServer((ws) => setTimeout(() => ws.terminate(), 50));
    const cli = ConnectCli.start(server.url);
    expect((await cli.finished()).code).toBe(1);
    expect(cli.stdout).toMatch(/closed 1006\n$/);
  });

  it('a protocol error from the server is reported on stderr, exit 1', async () => {
    // A raw server: a valid 101, then a frame with the reserved opcode 3 (RFC 6455 §5.2).
    const server = createServer((socket) => {
      socket.on('error', () => {});
      let head = '';
      socket.on('data', (chunk) => {
        if (head.includes('\r\n\r\n')) return; // frames from the client: not read
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        const key = /sec-websocket-key: *(\S+)/i.exec(head)![1]!;
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
        socket.write(Buffer.from([0x83, 0x00]));
      });
    });
    rawServers.add(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const cli = ConnectCli.start(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect((await cli.finished()).code).toBe(1);
    expect(cli.stderr).toMatch(/opcode/i);
    expect(cli.stdout).toMatch(/^connected \(protocol none\)\nclosed 1006\n$/);
  });

  it('--protocol offers subprotocols in order and prints the chosen one; --header is sent', async () => {
    const server = await recordingServer(() => {}, { protocols: ['b', 'a'] });
    const cli = ConnectCli.start(server.url, ['--protocol', 'a', '--protocol', 'b', '--header', 'Authorization: Bearer x', '--header', 'X-Two: 1', '--header', 'x-two: 2']);
    await cli.waitFor(/connected/);
    cli.endInput();
    expect(await cli.finished()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toMatch(/^connected \(protocol b\)\n/);
    expect(server.headers[0]).toMatchObject({ 'sec-websocket-protocol': 'a, b', authorization: 'Bearer x' });
    expect(server.headers[0]!['x-two']).toMatch(/^1, ?2$/);
  });

  it.each([
    [['--deflate'], /^permessage-deflate/],
    [[], undefined],
  ])('%j: permessage-deflate is offered only with --deflate', async (flags, offer) => {
    const server = await recordingServer();
    const cli = ConnectCli.start(server.url, flags);
    await cli.waitFor(/connected/);
    cli.typeLine('plain');
    cli.endInput();
    expect(await cli.finished()).toEqual({ code: 0, signal: null });
    expect(server.received).toEqual(['plain']);
    if (offer === undefined) expect(server.headers[0]!['sec-websocket-extensions']).toBeUndefined();
    else expect(server.headers[0]!['sec-websocket-extensions']).toMatch(offer);
  });
});

describe('--proxy', () => {
  it('tunnels through the proxy (tinyproxy logs the CONNECT); a refusal exits 1 with its code and status', async () => {
    const server = await recordingServer();
    const port = Number(new URL(server.url).port);
    const proxy = await Tinyproxy.start({ connectPorts: [port] });
    const cli = ConnectCli.start(server.url, ['--proxy', proxy.url]);
    await cli.waitFor(/connected/);
    cli.typeLine('via proxy');
    cli.endInput();
    expect(await cli.finished()).toEqual({ code: 0, signal: null });
    expect(server.received).toEqual(['via proxy']);
    expect(proxy.connects()).toEqual([`127.0.0.1:${port}`]);

    const guarded = await Tinyproxy.start({ connectPorts: [port], basicAuth: { user: 'u', password: 'p' } });
    const { code, stderr } = await runCli(['connect', server.url, '--proxy', guarded.url]);
    expect(code).toBe(1);
    expect(stderr).toContain('WS_ERR_PROXY_AUTH_REQUIRED, HTTP 407');
  });
});

describe('a failed handshake exits 1 naming the failure', () => {
  it.each([
    ['426', 'HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n'],
    ['503', 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy'],
  ])('a raw %s answer', async (status, response) => {
    const port = await answeringServer(response);
    const { code, stdout, stderr } = await runCli(['connect', `ws://127.0.0.1:${port}/`]);
    expect(code).toBe(1);
    expect(stderr).toContain(`HTTP ${status}`);
    expect(stderr).toContain('WS_ERR_HANDSHAKE_BAD_STATUS');
    expect(stdout).toBe('');
  });

  it('a wsframe server with enabled: false (503)', async () => {
    const { port } = await startServer({ enabled: false });
    const { code, stderr } = await runCli(['connect', `ws://127.0.0.1:${port}/`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/HTTP 503/);
  });

  it('a refused TCP connection', async () => {
    const port = await answeringServer('');
    const server = [...rawServers].pop()!;
    await new Promise((resolve) => server.close(resolve));
    const { code, stderr } = await runCli(['connect', `ws://127.0.0.1:${port}/`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/WS_ERR_CONNECT_FAILED.*ECONNREFUSED/);
  });
});
