/**
 * Interop with a real browser: Debian's Chromium (/usr/bin/chromium, headless) driven by
 * playwright-core, against a wsframe server attached to a node:http server that also serves the
 * test page (inline HTML, no build step). Chromium offers `permessage-deflate;
 * client_max_window_bits`; the server must agree (checked on both ends: the server's
 * `ws.extensions` and the browser's `WebSocket.extensions`), then compressed messages go both
 * ways — 50 JSON-like text messages of 2–8 KiB and a 64 KiB binary one each way — and arrive
 * byte for byte. The bytes the TCP socket carried show that both directions really were
 * compressed. Server configurations: the default (no context takeover either way), context
 * takeover both ways, and takeover with 9-bit windows. Plus a
 * plain echo with deflate off: no extension, same bytes.
 *
 * Chromium comes from test/helpers/browser.ts (skipped with a warning where it is missing, except in CI).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteRuns, launchChromium } from '../helpers/browser.js';
import type { PerMessageDeflateOptions } from '../../src/extensions/permessage-deflate.js';
import { WebSocketServer } from '../../src/server.js';
import type { WebSocket } from '../../src/websocket.js';

const runs = browserSuiteRuns('deflate-browser');

/**
 * The message generators, as JavaScript source run both in the page and here (so a message made
 * by one side can be checked by the other). Text mixes 1- to 4-byte UTF-8 characters.
 */
const GENERATORS_JS = String.raw`
function makeText(seed, i) {
  let x = ((seed * 2654435761) ^ (i * 40503 + 1)) >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const words = ['alpha', 'beta', 'gamma', 'délta', 'ε', 'naïve', 'façade', '日本語', 'emoji😀', 'zeta', 'theta', 'kappa'];
  const target = 2048 + (next() % 6144);
  const items = [];
  let length = 0;
  for (let n = 0; length < target; n++) {
    const item = '{"n":' + n + ',"word":"' + words[next() % words.length] + '","value":' + (next() % 100000) + ',"ok":' + (next() % 2 === 0) + '}';
    items.push(item);
    length += item.length + 1;
  }
  return '{"seed":' + seed + ',"i":' + i + ',"items":[' + items.join(',') + ']}';
}
function makeBinary(seed, size) {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    bytes[i] = (i & 0xff) ^ (x & 0x0f);
  }
  return bytes;
}
`;
const { makeText, makeBinary } = new Function(`${GENERATORS_JS}; return { makeText, makeBinary };`)() as {
  makeText: (seed: number, i: number) => string;
  makeBinary: (seed: number, size: number) => Uint8Array;
};

/** What the page exposes as `window.t`. */
interface PageApi {
  open(url: string): Promise<string>;
  sendGenerated(seed: number, count: number, binarySize: number): void;
  receive(count: number): Promise<PageMessage[]>;
  close(code: number, reason: string): Promise<{ code: number; reason: string; wasClean: boolean }>;
}
type PageMessage = { type: 'text'; data: string } | { type: 'binary'; base64: string };

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>wsframe browser interop</title></head><body>
<script>
${GENERATORS_JS}
let socket;
let closed;
const inbox = [];
let wake = () => {};
function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
window.api = () => window.t;
window.t = {
  open(url) {
    return new Promise((resolve, reject) => {
      socket = new WebSocket(url);
      socket.binaryType = 'arraybuffer';
      socket.onopen = () => resolve(socket.extensions);
      socket.onerror = () => reject(new Error('WebSocket error event'));
      socket.onmessage = (event) => {
        inbox.push(typeof event.data === 'string'
          ? { type: 'text', data: event.data }
          : { type: 'binary', base64: toBase64(new Uint8Array(event.data)) });
        wake();
      };
      socket.onclose = (event) => {
        closed = { code: event.code, reason: event.reason, wasClean: event.wasClean };
        wake();
      };
    });
  },
  sendGenerated(seed, count, binarySize) {
    for (let i = 0; i < count; i++) socket.send(makeText(seed, i));
    socket.send(makeBinary(seed, binarySize));
  },
  receive(count) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('only ' + inbox.length + ' of ' + count + ' messages arrived; close: ' + JSON.stringify(closed))), 10000);
      wake = () => {
        if (inbox.length >= count) { clearTimeout(timer); resolve(inbox.splice(0, count)); }
        else if (closed) { clearTimeout(timer); reject(new Error('closed after ' + inbox.length + ' of ' + count + ' messages: ' + JSON.stringify(closed))); }
      };
      wake();
    });
  },
  close(code, reason) {
    return new Promise((resolve) => {
      wake = () => { if (closed) resolve(closed); };
      socket.close(code, reason);
      wake();
    });
  },
};
</script></body></html>`;

const COUNT = 50;
const BINARY_SIZE = 64 * 1024;

let browser: Browser | undefined;
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await browser?.close();
});

interface Setup {
  page: Page;
  port: number;
  /** The server side of the connection the page opens, with every message it received. */
  connection: Promise<{ ws: WebSocket; received: Array<{ data: Buffer; isBinary: boolean }>; socket: Socket }>;
}

/** node:http serving PAGE at / and wsframe attached to it; a fresh page loaded from it. */
async function setUp(perMessageDeflate: boolean | PerMessageDeflateOptions): Promise<Setup> {
  const http: Server = createServer((request, response) => {
    if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(PAGE);
    } else {
      response.writeHead(404).end();
    }
  });
  // The upgraded TCP sockets, to count the bytes that crossed the wire (listener added first).
  // `transport: 'node'` keeps them carrying the connection: on the native transport attached
  // mode hands the socket to the addon after the 101, and its counters would stop there.
  const upgraded: Socket[] = [];
  http.on('upgrade', (_request, socket: Socket) => upgraded.push(socket));
  const wss = new WebSocketServer({ server: http, perMessageDeflate, transport: 'node' });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  cleanups.push(async () => {
    await wss.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  const connection = new Promise<Awaited<Setup['connection']>>((resolve) => {
    wss.once('connection', (ws: WebSocket) => {
      const received: Array<{ data: Buffer; isBinary: boolean }> = [];
      ws.on('message', (data: Buffer, isBinary: boolean) => received.push({ data: Buffer.from(data), isBinary }));
      resolve({ ws, received, socket: upgraded[0]! });
    });
  });
  const page = await browser!.newPage();
  cleanups.push(() => page.close());
  const port = (http.address() as AddressInfo).port;
  await page.goto(`http://127.0.0.1:${port}/`);
  return { page, port, connection };
}

/** The page's `window.t`, inside `page.evaluate` callbacks (they run in the page, not here). */
declare function api(): PageApi;

function textOf(message: PageMessage | undefined): string | undefined {
  return message?.type === 'text' ? message.data : undefined;
}

function bytesOf(message: PageMessage | undefined): Buffer | undefined {
  return message?.type === 'binary' ? Buffer.from(message.base64, 'base64') : undefined;
}

/** Indices of the messages that differ from the expected texts (empty when all match). */
function textMismatches(actual: Array<string | undefined>, seed: number): string[] {
  const wrong: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const expected = makeText(seed, i);
    if (actual[i] !== expected) wrong.push(`#${i}: ${actual[i]?.length ?? 'missing'} chars, expected ${expected.length}`);
  }
  return wrong;
}

const rawBytes = (seed: number): number =>
  Array.from({ length: COUNT }, (_, i) => Buffer.byteLength(makeText(seed, i))).reduce((a, b) => a + b, 0) + BINARY_SIZE;

describe.skipIf(!runs)('Chromium (playwright-core) ↔ wsframe server attached to node:http', () => {
  beforeAll(async () => {
    browser = await launchChromium();
  });

  it.each<[string, boolean | PerMessageDeflateOptions, string]>([
    ['perMessageDeflate: true (no context takeover either way)', true, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
    ['serverNoContextTakeover: false, clientNoContextTakeover: false (takeover both ways)', { serverNoContextTakeover: false, clientNoContextTakeover: false }, 'permessage-deflate'],
    [
      'takeover, 9-bit windows both ways',
      { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 9, clientMaxWindowBits: 9 },
      'permessage-deflate; server_max_window_bits=9; client_max_window_bits=9',
    ],
  ])('%s: negotiated, compressed messages both ways arrive byte for byte', async (_name, options, agreed) => {
    const { page, port, connection } = await setUp(options);
    const browserExtensions = await page.evaluate((url) => api().open(url), `ws://127.0.0.1:${port}/ws`);
    const { ws, received, socket } = await connection;
    expect(ws.extensions).toBe(agreed);
    expect(browserExtensions).toBe(agreed);

    // Browser → server: Chromium compresses; wsframe inflates.
    const readBefore = socket.bytesRead;
    await page.evaluate(([seed, count, size]) => api().sendGenerated(seed!, count!, size!), [1, COUNT, BINARY_SIZE]);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(COUNT + 1);
    expect(received.map((m) => m.isBinary)).toEqual([...Array<boolean>(COUNT).fill(false), true]);
    expect(textMismatches(received.slice(0, COUNT).map((m) => m.data.toString('utf8')), 1)).toEqual([]);
    expect(received[COUNT]!.data.equals(makeBinary(1, BINARY_SIZE))).toBe(true);
    const read = socket.bytesRead - readBefore;
    expect(read).toBeLessThan(rawBytes(1) / 2);

    // Server → browser: wsframe compresses; Chromium inflates.
    const writtenBefore = socket.bytesWritten;
    for (let i = 0; i < COUNT; i++) ws.send(makeText(2, i));
    ws.send(makeBinary(2, BINARY_SIZE));
    const inbox = await page.evaluate((n) => api().receive(n), COUNT + 1);
    expect(inbox.map((m) => m.type)).toEqual([...Array<string>(COUNT).fill('text'), 'binary']);
    expect(textMismatches(inbox.slice(0, COUNT).map(textOf), 2)).toEqual([]);
    expect(bytesOf(inbox[COUNT])?.equals(makeBinary(2, BINARY_SIZE))).toBe(true);
    expect(socket.bytesWritten - writtenBefore).toBeLessThan(rawBytes(2) / 2);

    // The close handshake, started by the browser (the server answers with the code, no reason).
    const serverClosed = once(ws, 'close');
    expect(await page.evaluate(() => api().close(1000, 'bye'))).toMatchObject({ code: 1000, wasClean: true });
    expect(await serverClosed).toEqual([1000, 'bye', true]);
  });

  it('deflate off: nothing negotiated, an echo returns the same bytes uncompressed', async () => {
    const { page, port, connection } = await setUp(false);
    const browserExtensions = await page.evaluate((url) => api().open(url), `ws://127.0.0.1:${port}/plain`);
    const { ws, socket } = await connection;
    expect(ws.extensions).toBe('');
    expect(browserExtensions).toBe('');
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));

    await page.evaluate(([seed, count, size]) => api().sendGenerated(seed!, count!, size!), [3, COUNT, BINARY_SIZE]);
    const inbox = await page.evaluate((n) => api().receive(n), COUNT + 1);
    expect(textMismatches(inbox.slice(0, COUNT).map(textOf), 3)).toEqual([]);
    expect(bytesOf(inbox[COUNT])?.equals(makeBinary(3, BINARY_SIZE))).toBe(true);
    // Uncompressed: at least every payload byte crossed the wire each way.
    expect(socket.bytesRead).toBeGreaterThan(rawBytes(3));
    expect(socket.bytesWritten).toBeGreaterThan(rawBytes(3));
  });
});
