/**
 * The `wsframe echo` CLI contract (DESIGN.md "CLI contract", README "The CLI"): usage, exit
 * status 2 for bad usage, and each flag wired to the server option it names, checked over real
 * sockets against the spawned process.
 */
import { describe, expect, it } from 'vitest';
import { RawClient, closePayload, upgradeRequest } from '../helpers/raw-client.js';
import { EchoCli, runCli } from '../helpers/cli-process.js';
import { nativeTransport } from '../../src/transport/native-transport.js';
import { kernels } from '../../src/index.js';

const TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;

const contractFlags = [
  '--host', '--port', '--receive-buffer-limit', '--ping-interval', '--max-connections', '--handshake-timeout',
  '--idle-timeout', '--deflate', '--protocols', '--origins', '--log', '--transport', '--help',
];

describe('usage', () => {
  it.each([[['echo', '--help']], [['--help']]])('%j lists every flag of the contract and exits 0', async (args) => {
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    for (const flag of contractFlags) expect(stdout).toContain(flag);
  });

  // `echo` runs get --host 127.0.0.1 --port 0 first, so a case that wrongly passes cannot bind 9001.
  const echoArgs = (args: string[]): string[] => ['echo', '--host', '127.0.0.1', '--port', '0', ...args];
  it.each([
    ['an unknown flag', echoArgs(['--bogus']), /--bogus/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['a positional argument', echoArgs(['extra']), /extra/],
    ['a flag without its value', echoArgs(['--port']), /--port/],
    ['--port abc', echoArgs(['--port', 'abc']), /--port .*'abc'/],
    ['--port 65536', echoArgs(['--port', '65536']), /--port .*'65536'/],
    ['--ping-interval -1 (read as a flag)', echoArgs(['--ping-interval', '-1']), /--ping-interval/],
    ['--ping-interval=-1', echoArgs(['--ping-interval=-1']), /--ping-interval .*'-1'/],
    ['--idle-timeout soon', echoArgs(['--idle-timeout', 'soon']), /--idle-timeout .*'soon'/],
    ['--handshake-timeout ""', echoArgs(['--handshake-timeout', '']), /--handshake-timeout/],
    ['--receive-buffer-limit 0', echoArgs(['--receive-buffer-limit', '0']), /--receive-buffer-limit .*'0'/],
    ['--receive-buffer-limit 1.5', echoArgs(['--receive-buffer-limit', '1.5']), /--receive-buffer-limit .*'1\.5'/],
    ['--max-connections=-3', echoArgs(['--max-connections=-3']), /--max-connections .*'-3'/],
    ['--origins with a trailing slash', echoArgs(['--origins', 'http://a.example/']), /--origins: .*"http:\/\/a\.example\/" is not an origin/],
    ['--transport uring', echoArgs(['--transport', 'uring']), /--transport .*'uring'/],
  ])('%s exits 2 with a message naming it on stderr, and does not listen', async (_name, args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^wsframe: /);
    expect(stderr).toMatch(message);
    expect(stdout).not.toContain('listening');
  });
});

describe('each flag is wired', () => {
  it('runs on the kernels its vitest project asks for: TypeScript in `fallback` (WSFRAME_NO_NATIVE=1), else the addon', () => {
    expect(kernels.name).toBe(process.env.WSFRAME_NO_NATIVE === '1' ? 'typescript' : 'native');
  });

  // Where the addon did not load (WSFRAME_NO_NATIVE=1), 'native' falls back to 'node' and the line says so.
  it.each(['native', 'node'])('--transport %s: the server owns its connections that way and says so', async (transport) => {
    const cli = await EchoCli.start(['--transport', transport]);
    expect(cli.stdout).toContain(`(transport ${nativeTransport === undefined ? 'node' : transport})`);
    const client = await RawClient.upgraded(cli.port);
    client.send(TEXT, 'over ' + transport);
    expect((await client.frame()).payload.toString()).toBe('over ' + transport);
    client.destroy();
  });

  it('echoes text as text and binary as binary', async () => {
    const cli = await EchoCli.start();
    const client = await RawClient.upgraded(cli.port);
    client.send(TEXT, 'héllo');
    client.send(BINARY, Buffer.from([0, 1, 254, 255]));
    const text = await client.frame();
    const binary = await client.frame();
    expect([text.opcode, text.payload.toString()]).toEqual([TEXT, 'héllo']);
    expect([binary.opcode, binary.payload.toString('hex')]).toEqual([BINARY, '0001feff']);
    client.destroy();
  });

  it('--receive-buffer-limit 1000: a 1000-byte message echoes, a 2000-byte one closes with 1009 (§7.4.1)', async () => {
    const cli = await EchoCli.start(['--receive-buffer-limit', '1000']);
    const client = await RawClient.upgraded(cli.port);
    client.send(BINARY, Buffer.alloc(1000, 1));
    expect((await client.frame()).payload.length).toBe(1000);
    client.send(BINARY, Buffer.alloc(2000, 2));
    expect(await client.closeCode()).toBe(1009);
    await client.waitClosed();
  });

  it('--max-connections 1: the second upgrade gets 503 and no 101', async () => {
    const cli = await EchoCli.start(['--max-connections', '1']);
    const first = await RawClient.upgraded(cli.port);
    const second = await RawClient.open(cli.port);
    second.write(upgradeRequest(cli.port));
    expect((await second.response()).status).toBe(503);
    await second.waitClosed();
    first.destroy();
  });

  it('--protocols a,b: picks by server preference among those offered (§4.2.2)', async () => {
    const cli = await EchoCli.start(['--protocols', 'a,b']);
    for (const [offer, chosen] of [['b, a', 'a'], ['b', 'b'], ['c', undefined]] as const) {
      const client = await RawClient.open(cli.port);
      client.write(upgradeRequest(cli.port, { 'Sec-WebSocket-Protocol': offer }));
      const head = await client.response();
      expect(head.status).toBe(101);
      expect(head.headers['sec-websocket-protocol']).toBe(chosen);
      client.destroy();
    }
  });

  it('--origins: an Origin not listed gets 403, a listed one upgrades (§10.2)', async () => {
    const cli = await EchoCli.start(['--origins', 'http://a.example,http://b.example']);
    const refused = await RawClient.open(cli.port);
    refused.write(upgradeRequest(cli.port, { Origin: 'http://evil.example' }));
    expect((await refused.response()).status).toBe(403);
    const allowed = await RawClient.upgraded(cli.port, { Origin: 'http://b.example' });
    allowed.destroy();
  });

  it('--ping-interval 0.2: the server pings (§5.5.2) and keeps a peer that pongs', async () => {
    const cli = await EchoCli.start(['--ping-interval', '0.2']);
    const client = await RawClient.upgraded(cli.port);
    const started = Date.now();
    for (let i = 0; i < 2; i++) {
      const ping = await client.frame(3000);
      expect(ping.opcode).toBe(PING);
      client.send(PONG, ping.payload);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(150); // two intervals, not a burst
    expect(client.closed).toBe(false);
    client.destroy();
  });

  it('--idle-timeout 0.3: a connection that sends nothing is closed with 1001', async () => {
    const cli = await EchoCli.start(['--idle-timeout', '0.3']);
    // Before the upgrade: the server's idle clock starts at its 101, which a loaded machine may
    // deliver to us well after it was sent (a run on Node 22 at load 29 measured 148 ms after it).
    const started = Date.now();
    const client = await RawClient.upgraded(cli.port);
    expect(await client.closeCode(3000)).toBe(1001);
    // Not at once; the sweeper's clock is coarse (a quarter of the interval), so allow for it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await client.waitClosed();
  });

  it('--handshake-timeout 0.3: a client that never finishes its request is dropped', async () => {
    const cli = await EchoCli.start(['--handshake-timeout', '0.3']);
    const client = await RawClient.open(cli.port);
    client.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${cli.port}\r\n`); // the blank line never comes
    await client.waitClosed(3000);
    const rest = await client.rest();
    expect(rest === '' || rest.startsWith('HTTP/1.1 408')).toBe(true);
    // A slow but complete client under the same flag still upgrades.
    (await RawClient.upgraded(cli.port)).destroy();
  });

  it('--log writes a W3C header and one line per upgrade attempt with its status', async () => {
    const cli = await EchoCli.start(['--log']);
    (await RawClient.upgraded(cli.port, { 'User-Agent': 'cli-test/1' }, '/here')).destroy();
    const refused = await RawClient.open(cli.port);
    refused.write(upgradeRequest(cli.port, { 'Sec-WebSocket-Version': '8' }));
    expect((await refused.response()).status).toBe(426);
    await cli.waitFor(/ 426 /);
    expect(cli.stdout).toContain('#Fields: date time c-ip cs-method cs-uri-stem cs-version sc-status time-taken cs(User-Agent)');
    expect(cli.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1 GET \/here HTTP\/1\.1 101 \d+ cli-test\/1$/m);
  });

  it('without --log nothing but the listening line is printed', async () => {
    const cli = await EchoCli.start();
    (await RawClient.upgraded(cli.port)).destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cli.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^wsframe echo listening on ws://127\\.0\\.0\\.1:${cli.port} \\(transport (native|node)\\)$`))]);
  });

  it.each([
    [['--deflate'], 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
    [[], undefined],
  ])('%j: permessage-deflate is answered only with --deflate (RFC 7692 §5.1)', async (flags, answer) => {
    const cli = await EchoCli.start(flags);
    const client = await RawClient.open(cli.port);
    client.write(upgradeRequest(cli.port, { 'Sec-WebSocket-Extensions': 'permessage-deflate' }));
    const head = await client.response();
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-extensions']).toBe(answer);
    client.destroy();
  });
});

describe('signals', () => {
  // A harness may signal as soon as it reads `listening`: the handler must already be there.
  it.each(['SIGTERM', 'SIGINT'] as const)('%s right after the listening line exits 0, five times out of five', async (signal) => {
    for (let i = 0; i < 5; i++) {
      const cli = await EchoCli.start();
      expect(await cli.stop(signal)).toEqual({ code: 0, signal: null });
    }
  });

  it('SIGTERM closes open connections with 1001 (going away), then exits 0', async () => {
    const cli = await EchoCli.start();
    const client = await RawClient.upgraded(cli.port);
    const exited = cli.stop('SIGTERM');
    expect(await client.closeCode()).toBe(1001);
    client.send(CLOSE, closePayload(1001));
    await client.waitClosed();
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
