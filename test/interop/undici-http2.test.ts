/**
 * undici's WHATWG WebSocket over HTTP/2 (RFC 8441) against the wsframe server: with an
 * `Agent({ allowH2: true })` as dispatcher it opens the WebSocket as an extended CONNECT stream
 * when the server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL. undici added that in 7.17.0 (its
 * client-h2 sends `:protocol websocket` from then on); the devDependency is 7.30.2, the newest
 * release for Node 20 (undici 8 needs Node 22.19). The server counts the streams: HTTP/2 was used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, WebSocket as UndiciWebSocket } from 'undici';
import { startHttp2Host } from '../helpers/http2-servers.js';
import { binaryPayload, textPayload } from '../helpers/payloads.js';
import { echo } from '../helpers/servers.js';
import { certificateFiles, type CertificateFiles } from '../helpers/tls-certificate.js';

let certificate: CertificateFiles;
let agent: Agent;
beforeAll(() => {
  certificate = certificateFiles();
  agent = new Agent({ allowH2: true, connect: { ca: certificate.cert } });
});
afterAll(async () => {
  await agent.close();
  certificate.remove();
});

/** The next message event's data, as text or bytes. */
function nextMessage(ws: UndiciWebSocket): Promise<string | Buffer> {
  return new Promise((resolve) => {
    ws.addEventListener('message', (event) => resolve(typeof event.data === 'string' ? event.data : Buffer.from(event.data as ArrayBuffer)), { once: true });
  });
}

describe('undici WebSocket over HTTP/2', () => {
  it('echoes text and binary, and closes with a code, over an extended CONNECT stream', async () => {
    const host = await startHttp2Host({ certificate, wss: { perMessageDeflate: true } }, echo);
    const closes: Array<[number, string]> = [];
    host.wss.on('connection', (ws) => ws.on('close', (code: number, reason: string) => closes.push([code, reason])));
    const ws = new UndiciWebSocket(`${host.origin}/undici`, { dispatcher: agent });
    ws.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', (event) => reject(new Error(`undici could not open: ${String((event as { message?: string }).message)}`)), { once: true });
    });
    expect(host.counts.websocketStreams).toBe(1);
    expect(host.wss.stats.statuses).toEqual({ 200: 1 });

    for (const size of [5, 70_000]) {
      ws.send(textPayload(size));
      expect(await nextMessage(ws)).toBe(textPayload(size));
      ws.send(binaryPayload(size));
      expect(Buffer.compare((await nextMessage(ws)) as Buffer, binaryPayload(size))).toBe(0);
    }
    const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) => ws.addEventListener('close', resolve, { once: true }));
    ws.close(4000, 'undici done');
    const event = await closed;
    expect([event.code, event.wasClean]).toEqual([4000, true]); // the server's reply echoes the code
    await expect.poll(() => closes).toEqual([[4000, 'undici done']]);
  });
});
