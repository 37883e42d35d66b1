/**
 * `wsframe chat` as a process (bin/wsframe.js over dist/: build first). The listening line names
 * the page's URL, the page and the endpoint answer on it, bad flags exit 2, SIGTERM/SIGINT exit 0.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import WS from 'ws';
import { transports } from '../../src/transport/native-transport.js';
import { CliProcess, cliPath, runCli } from '../helpers/cli-process.js';
import { defaultTransport } from '../helpers/servers.js';

async function startChatCli(args: string[] = []): Promise<{ cli: CliProcess; url: string; port: number; transport: string }> {
  const cli = CliProcess.spawn(process.execPath, [cliPath, 'chat', '--host', '127.0.0.1', '--port', '0', ...args]);
  const [, url, port, transport] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:(\d+)\/) \(transport (\w+); open it in a browser\)/);
  return { cli, url: url!, port: Number(port), transport: transport! };
}

describe('wsframe chat', () => {
  it('prints the URL to open; the page is served there and a member gets its messages back; SIGTERM tells members 1001', async () => {
    const { cli, url, port } = await startChatCli();
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');

    const client = new WS(`ws://127.0.0.1:${port}/chat?name=Ann`);
    const got: string[] = [];
    client.on('message', (data) => got.push(String(data)));
    await once(client, 'open');
    client.send('round trip');
    await expect.poll(() => got).toEqual(['Ann joined.', 'Welcome Ann.', 'Ann says: round trip']);

    const closed = once(client, 'close');
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect((await closed)[0]).toBe(1001); // members are told the server is going away
  });

  it(`says which transport holds the connections: by default the standalone server's (here ${defaultTransport})`, async () => {
    const { cli, transport } = await startChatCli();
    expect(transport).toBe(defaultTransport);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it.each(transports)('--transport %s: page and member on it', async (wanted) => {
    const { cli, url, port, transport } = await startChatCli(['--transport', wanted]);
    expect(transport).toBe(wanted);
    expect((await fetch(url)).status).toBe(200);
    const client = new WS(`ws://127.0.0.1:${port}/chat?name=Ann`);
    const got: string[] = [];
    client.on('message', (data) => got.push(String(data)));
    await once(client, 'open');
    await expect.poll(() => got).toEqual(['Ann joined.', 'Welcome Ann.']);
    client.terminate();
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('SIGINT exits 0 too', async () => {
    const { cli } = await startChatCli();
    expect(await cli.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it.each([
    ['an unknown flag', ['--bogus'], /--bogus/],
    ['an echo-only flag', ['--deflate'], /--deflate/],
    ['a positional argument', ['extra'], /extra/],
    ['--port abc', ['--port', 'abc'], /--port .*'abc'/],
    ['--transport uring', ['--transport', 'uring'], /--transport .*'uring'/],
    ['--transport native with --workers 2', ['--transport', 'native', '--workers', '2', '--redis', 'redis://127.0.0.1:1'], /--workers 2 runs on net\.Socket/],
  ])('%s exits 2 with a message naming it, and does not listen', async (_name, args, message) => {
    const { code, stdout, stderr } = await runCli(['chat', '--host', '127.0.0.1', '--port', '0', ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).not.toContain('listening');
  });

  it('a port in use exits 1 with the reason', async () => {
    const { port } = await startChatCli();
    const { code, stderr } = await runCli(['chat', '--host', '127.0.0.1', '--port', String(port)]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/EADDRINUSE/);
  });

  it('chat --help describes the chat flags and exits 0', async () => {
    const { code, stdout } = await runCli(['chat', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Options of chat:\n\s+--host HOST[^\n]*\n\s+--port PORT[^\n]*8080/);
  });
});
