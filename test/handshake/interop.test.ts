import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { generateKey } from '../../src/handshake/accept-key.js';
import {
  parseWebSocketUrl,
  upgradeRequestHeaders,
  validateUpgradeResponse,
  type UpgradeResponseValidation,
} from '../../src/handshake/client-handshake.js';
import { AllowedOrigins } from '../../src/handshake/origin.js';
import { acceptResponse, refusalResponse } from '../../src/handshake/responses.js';
import { validateUpgradeRequest } from '../../src/handshake/server-handshake.js';
import { selectSubprotocol } from '../../src/handshake/subprotocol.js';

// One real exchange each way with the `ws` package over 127.0.0.1: the shapes node:http hands
// over (rawHeaders, IncomingHttpHeaders) and the bytes written are what a peer really accepts.

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** Starts listening on a free port of 127.0.0.1, to be closed after the test. */
async function listen(server: http.Server | WebSocketServer): Promise<number> {
  if (server instanceof http.Server) server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  return (server.address() as AddressInfo).port;
}

describe('interop with ws', () => {
  it('a ws client opens a connection through validateUpgradeRequest and acceptResponse', async () => {
    const server = http.createServer();
    server.on('upgrade', (request: http.IncomingMessage, socket: Socket) => {
      const verdict = validateUpgradeRequest(request, { origins: new AllowedOrigins(['http://app.example']) });
      if (!verdict.ok) {
        socket.end(refusalResponse(verdict.status, verdict.reason, verdict.headers));
        return;
      }
      socket.write(acceptResponse({ key: verdict.key, protocol: selectSubprotocol(verdict.protocols, ['v2', 'v1']) }));
      closers.push(() => socket.destroy());
    });
    const port = await listen(server);

    const client = new WebSocket(`ws://127.0.0.1:${port}/`, ['v1', 'v2'], { origin: 'http://app.example' });
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    expect(client.protocol).toBe('v2');
    client.terminate();

    const refused = new WebSocket(`ws://127.0.0.1:${port}/`, { origin: 'http://evil.example' });
    const status = await new Promise((resolve) => {
      refused.once('unexpected-response', (_request, response: http.IncomingMessage) => resolve(response.statusCode));
      refused.once('error', () => resolve('error'));
    });
    expect(status).toBe(403);
    refused.terminate();
  });

  it('a ws server is accepted by upgradeRequestHeaders and validateUpgradeResponse', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true, handleProtocols: () => 'v2' });
    const port = await listen(server);

    const url = parseWebSocketUrl(`ws://127.0.0.1:${port}/chat?room=1`);
    const key = generateKey();
    const protocols = ['v1', 'v2'];
    const extensions = [{ name: 'permessage-deflate', params: [['client_max_window_bits', true] as const] }];
    const result = await new Promise<UpgradeResponseValidation>((resolve, reject) => {
      const request = http.request({
        host: url.hostname,
        port: url.port,
        path: url.resourceName,
        headers: upgradeRequestHeaders({ url, key, protocols, extensions }),
      });
      request.once('upgrade', (response, socket: Socket) => {
        socket.destroy();
        resolve(validateUpgradeResponse(response, { key, protocols, extensions }));
      });
      request.once('response', (response) => resolve(validateUpgradeResponse(response, { key, protocols, extensions })));
      request.once('error', reject);
      request.end();
    });
    expect(result).toMatchObject({ ok: true, protocol: 'v2', extensions: [{ name: 'permessage-deflate' }] });
  });
});
