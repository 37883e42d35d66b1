/**
 * The server side of the browser differential test: one node:http server that serves a page at
 * `/`, wsframe's server at `/ws` and a raw server at `/raw`, each doing what the query's `s=`
 * names. A run's `run=` tag keys what the server saw (messages in, the close frame's code and
 * reason), so the browser's run and wsframe/web's can be compared on the server side too.
 *
 * The raw server writes its own 101 and frames (test/helpers/raw-client.ts's `clientFrame` with
 * `mask: false` is a server frame), to do what wsframe's server never does: fragment, break the
 * protocol, reset TCP, answer a handshake wrongly.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { computeAccept } from '../../src/handshake/accept-key.js';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';
import { clientFrame, closePayload, frameExtent } from '../helpers/raw-client.js';

export interface ServerRecord {
  received: string[];
  /**
   * The client's close frame. When the server closed first, only its code: Chromium echoes the
   * server's reason in its reply, wsframe's client only the code (RFC 6455 §5.5.1 asks neither).
   */
  close?: { code: number; reason?: string };
}

export interface ScriptedServer {
  port: number;
  /** What the server saw, by `${s}:${run}`. */
  records: Map<string, ServerRecord>;
  close(): Promise<void>;
}

const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CONTINUATION = 0x0;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;

const frame = (opcode: number, payload: Buffer | string, fin = true, rsv = 0): Buffer => clientFrame(opcode, payload, { fin, rsv, mask: false });

function queryOf(url: string | undefined): URLSearchParams {
  return new URL(url ?? '/', 'http://localhost').searchParams;
}

/** What wsframe's server does on `/ws?s=…` once the connection is open. */
const wsframeBehaviours: Record<string, { run(ws: WebSocket): void; closesFirst?: boolean }> = {
  idle: { run: () => {} },
  messages: {
    run: (ws) => {
      ws.send('hello');
      ws.send('ünïcødé 😀');
      ws.send('');
      ws.send(Buffer.from([0, 1, 2, 255]));
      ws.send(Buffer.alloc(0));
      void ws.close(4001, 'server bye ✓');
    },
    closesFirst: true,
  },
  'close-code': { run: (ws) => void ws.close(4002, 'reason'), closesFirst: true },
  'close-no-code': { run: (ws) => void ws.close(), closesFirst: true },
  burst: {
    run: (ws) => {
      for (const text of ['a', 'b', 'c']) ws.send(text);
    },
  },
  echo: { run: (ws) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })) },
};

/** Bytes the raw server writes after its 101 on `/raw?s=…` (then it waits for the client). */
const rawBehaviours: Record<string, { headers?: (key: string) => string[]; frames?: Buffer[]; then?: 'reset' | 'reset-soon' | 'end' | 'hold' }> = {
  fragments: {
    frames: [
      frame(OP_TEXT, 'hel', false),
      frame(OP_PING, 'p'),
      frame(OP_CONTINUATION, 'lo ', false),
      frame(OP_CONTINUATION, 'wörld'),
      frame(OP_BINARY, Buffer.from([1, 2]), false),
      frame(OP_CONTINUATION, Buffer.from([3])),
      frame(OP_CLOSE, closePayload(1000, 'fragments done')),
    ],
  },
  'reserved-opcode': { frames: [frame(OP_TEXT, 'before'), frame(0x3, 'reserved')] },
  'bad-utf8': { frames: [frame(OP_TEXT, Buffer.from([0x61, 0xff, 0xfe]))] },
  rsv1: { frames: [frame(OP_TEXT, 'compressed?', true, 4)] },
  masked: { frames: [clientFrame(OP_TEXT, 'masked by the server')] },
  'bad-close-code': { frames: [frame(OP_CLOSE, closePayload(1005))] },
  reset: { frames: [frame(OP_TEXT, 'before reset')], then: 'reset' },
  'end-without-close': { frames: [frame(OP_TEXT, 'before FIN')], then: 'end' },
  'close-then-reset': { frames: [frame(OP_CLOSE, closePayload(4003, 'going'))], then: 'reset-soon' },
  'close-and-hold': { frames: [frame(OP_CLOSE, closePayload(4004, 'holding TCP'))], then: 'hold' },
  'bad-accept': { headers: () => ['Sec-WebSocket-Accept: ' + computeAccept('not the key')] },
  'unoffered-protocol': { headers: (key) => ['Sec-WebSocket-Accept: ' + computeAccept(key), 'Sec-WebSocket-Protocol: never-offered'] },
};

/** Client frames in a byte stream: calls back on the close frame. */
function onClientCloseFrame(socket: Socket, callback: () => void): void {
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const frame = frameExtent(buffer);
      if (frame === undefined || buffer.length < frame.end) return;
      const opcode = buffer[0]! & 0x0f;
      buffer = buffer.subarray(frame.end);
      if (opcode === OP_CLOSE) callback();
    }
  });
}

function rawUpgrade(request: IncomingMessage, socket: Socket): void {
  const behaviour = rawBehaviours[queryOf(request.url).get('s') ?? ''];
  socket.on('error', () => {});
  if (behaviour === undefined) {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const key = String(request.headers['sec-websocket-key']);
  const headers = behaviour.headers?.(key) ?? ['Sec-WebSocket-Accept: ' + computeAccept(key)];
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', ...headers, '', ''].join('\r\n'));
  for (const bytes of behaviour.frames ?? []) socket.write(bytes);
  // Not at once: then the RST can overtake the 101's last bytes, and wsframe's client reports
  // 1006 where Chromium reports the close frame's code (the bytes that came with the 101 are
  // handed to the connection an immediate later).
  if (behaviour.then === 'reset-soon') {
    setTimeout(() => socket.resetAndDestroy(), 20);
    return;
  }
  // The server's part of a close handshake: TCP goes once the client's close frame arrived
  // (unless the script holds it), or when the client ends it.
  onClientCloseFrame(socket, () => behaviour.then !== 'hold' && socket.end());
  socket.on('end', () => socket.end());
  if (behaviour.then === 'reset') setTimeout(() => socket.resetAndDestroy(), 50);
  if (behaviour.then === 'end') setTimeout(() => socket.end(), 50);
}

export async function startScriptedServer(page: string): Promise<ScriptedServer> {
  const records = new Map<string, ServerRecord>();
  const http: Server = createServer((request, response) => {
    if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    else response.writeHead(404).end();
  });
  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    perMessageDeflate: true,
    protocols: (offered) => (offered.includes('b') ? 'b' : undefined),
    verify: (request) => (queryOf(request.url).get('s') === 'refuse' ? { accept: false, status: 403, reason: 'refused by the script' } : true),
  });
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    const query = queryOf(request.url);
    const record: ServerRecord = { received: [] };
    records.set(`${query.get('s')}:${query.get('run')}`, record);
    ws.on('message', (data: Buffer, isBinary: boolean) => record.received.push(isBinary ? `binary ${data.toString('hex')}` : `text ${data.toString('utf8')}`));
    const behaviour = wsframeBehaviours[query.get('s') ?? 'idle'];
    ws.on('close', () => {
      const status = ws.getCloseStatus();
      record.close = status === undefined || !behaviour?.closesFirst ? status : { code: status.code };
    });
    behaviour?.run(ws);
  });
  http.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname === '/raw') rawUpgrade(request, socket);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    port: (http.address() as AddressInfo).port,
    records,
    async close() {
      await wss.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
