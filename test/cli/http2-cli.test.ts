/**
 * The CLI over TLS and HTTP/2: `wsframe echo --tls-cert … --tls-key … --http2 --log` serves wss://
 * with RFC 8441 streams beside HTTP/1.1 upgrades, and `wsframe connect URL --http2 --ca FILE` talks
 * to it over a stream; the echo's access log shows which came how (cs-method, cs-version).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, cliPath, ConnectCli, runCli } from '../helpers/cli-process.js';
import { certificateFiles, type CertificateFiles } from '../helpers/tls-certificate.js';

let certificate: CertificateFiles;
beforeAll(() => {
  certificate = certificateFiles();
});
afterAll(() => certificate.remove());

describe('wsframe echo and connect over HTTP/2', () => {
  it('connect --http2 --ca talks to echo --tls-cert --tls-key --http2 over an extended CONNECT stream; without --http2 over an upgrade', async () => {
    const echo = CliProcess.spawn(process.execPath, [
      cliPath, 'echo', '--host', '127.0.0.1', '--port', '0', '--tls-cert', certificate.certFile, '--tls-key', certificate.keyFile, '--http2', '--log',
    ]);
    const [, port] = await echo.waitFor(/listening on wss:\/\/127\.0\.0\.1:(\d+) \(transport node\) \(and over HTTP\/2\)/);
    for (const flags of [['--http2'], []]) {
      const client = ConnectCli.start(`wss://127.0.0.1:${port}/cli`, [...flags, '--ca', certificate.certFile]);
      await client.waitFor(/^connected/m);
      client.typeLine('over the CLI');
      await client.waitFor(/^over the CLI$/m);
      client.endInput();
      expect((await client.finished()).code).toBe(0);
    }
    await echo.waitFor(/ GET \/cli HTTP\/1\.1 101 /);
    expect(echo.stdout).toMatch(/ CONNECT \/cli HTTP\/2 200 /);
  });

  it('--tls-cert without --tls-key is bad usage (exit 2)', async () => {
    const result = await runCli(['echo', '--tls-cert', certificate.certFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--tls-cert and --tls-key go together');
  });
});
