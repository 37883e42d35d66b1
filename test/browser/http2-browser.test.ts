/**
 * Chromium and WebSockets over HTTP/2 (RFC 8441): `wsframe chat --tls-cert … --tls-key … --http2
 * --log` with a certificate made here; Chromium loads the page over HTTP/2 (its navigation's
 * nextHopProtocol is h2) and its `new WebSocket()` comes to the server as an extended CONNECT
 * stream (the access log's cs-method CONNECT and cs-version HTTP/2). Chromium needs no feature
 * switch for it (RFC 8441 is on by default); only the self-signed certificate needs
 * --ignore-certificate-errors.
 */
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteRuns, launchChromium } from '../helpers/browser.js';
import { CliProcess, cliPath } from '../helpers/cli-process.js';
import { certificateFiles, type CertificateFiles } from '../helpers/tls-certificate.js';

const runs = browserSuiteRuns('http2-browser');

let certificate: CertificateFiles;
let browser: Browser | undefined;

describe.skipIf(!runs)('Chromium over HTTP/2 (RFC 8441)', () => {
  beforeAll(async () => {
    certificate = certificateFiles();
    browser = await launchChromium(['--ignore-certificate-errors']);
  });
  afterAll(async () => {
    await browser?.close();
    certificate.remove();
  });

  it('loads the chat page over h2 and opens its WebSocket as an extended CONNECT stream on it', async () => {
    const cli = CliProcess.spawn(process.execPath, [
      cliPath, 'chat', '--host', '127.0.0.1', '--port', '0',
      '--tls-cert', certificate.certFile, '--tls-key', certificate.keyFile, '--http2', '--log',
    ]);
    const [, url] = await cli.waitFor(/listening on (https:\/\/127\.0\.0\.1:\d+\/)/);
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    try {
      const ann = await context.newPage();
      await ann.goto(`${url}?name=Ann`);
      // Runs in the page (DOM types): the protocol its navigation came over.
      expect(await ann.evaluate('performance.getEntriesByType("navigation")[0].nextHopProtocol')).toBe('h2');
      const bob = await context.newPage();
      await bob.goto(`${url}?name=Bob`);
      await bob.fill('#message', 'over one HTTP/2 connection');
      await bob.click('#send-button');
      const logOf = (): Promise<string[]> => ann.$$eval('#log > li', (items) => items.map((item) => item.textContent ?? ''));
      await expect.poll(logOf).toContain('Bob says: over one HTTP/2 connection');

      // Server side: both WebSockets came as RFC 8441 streams (CONNECT, HTTP/2, 200), none as an upgrade.
      const entries = cli.stdout.split('\n').filter((line) => / \/chat /.test(line)).map((line) => line.split(' ').slice(3, 7));
      expect(entries).toEqual([
        ['CONNECT', '/chat', 'HTTP/2', '200'],
        ['CONNECT', '/chat', 'HTTP/2', '200'],
      ]);
    } finally {
      await context.close();
      await cli.stop('SIGTERM');
    }
  });
});
