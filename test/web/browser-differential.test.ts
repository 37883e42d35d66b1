/**
 * wsframe/web's WebSocket against Chromium's, event for event. Each scripted server behaviour
 * (test/web/scripted-server.ts: messages, fragments, closes with and without a code, protocol
 * errors, a TCP reset, a refused handshake, subprotocol answers …) is met once by Chromium's
 * WebSocket in a page (playwright-core, Debian's /usr/bin/chromium) and once by wsframe/web's in
 * Node, both driven and logged by the same recorder (test/web/event-recorder.ts): every event
 * with its readyState, data and data type, code, reason and wasClean, and the DOMException each
 * call throws. The two logs must be equal, and so must what the server saw of each run.
 *
 * Chromium comes from test/helpers/browser.ts (skipped with a warning where it is missing, except in CI).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketError, WebSocketStream } from '../../src/web/index.js';
import { browserSuiteRuns, launchChromium } from '../helpers/browser.js';
import { RECORDER_JS, constructorOutcomes, runScenario, type ConstructorCase, type LogEntry, type Plan } from './event-recorder.js';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';
import { STREAM_RECORDER_JS, runStreamScenario, type StreamLogEntry, type StreamPlan } from './stream-recorder.js';

const runs = browserSuiteRuns('web browser differential');

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>wsframe/web differential</title></head><body>
<script>${RECORDER_JS}
${STREAM_RECORDER_JS}
window.record = (url, plan) => runScenario(WebSocket, url, plan);
window.recordConstructor = (cases) => constructorOutcomes(WebSocket, cases);
window.recordStream = (url, plan) => runStreamScenario(WebSocketStream, WebSocketError, url, plan);
</script></body></html>`;

/** The page's recorder with the browser's WebSocket, inside page.evaluate callbacks (they run in the page). */
declare const window: {
  record(url: string, plan: Plan): Promise<LogEntry[]>;
  recordConstructor(cases: ConstructorCase[]): Array<{ result: string; url?: string }>;
  recordStream(url: string, plan: StreamPlan): Promise<StreamLogEntry[]>;
};

const probe = { op: 'probe' } as const;

/**
 * [name, path and query (without run=), plan, whether the server must have seen the same of
 * both runs]. Not where the client gives up during the handshake: Chromium's network process
 * has sent its request by then, wsframe/web aborts before it writes one.
 */
const scenarios: Array<[string, string, Plan, boolean?]> = [
  ['text and binary messages, then a server close with code and reason (binaryType blob)', '/ws?s=messages', {}],
  ['text and binary messages, then a server close with code and reason (binaryType arraybuffer)', '/ws?s=messages', { binaryType: 'arraybuffer' }],
  ['binaryType: an unknown value is ignored', '/ws?s=messages', { open: [{ op: 'binaryType', value: 'nodebuffer' }, { op: 'binaryType', value: 'arraybuffer' }] }],
  ['server closes with a code and reason at once', '/ws?s=close-code', {}],
  ['server closes without a code (1005)', '/ws?s=close-no-code', {}],
  ['subprotocol: the server picks one of two', '/ws?s=idle', { protocols: ['a', 'b'], open: [{ op: 'close', code: 1000 }] }],
  ['subprotocol: a single string offer, the server picks none', '/ws?s=idle', { protocols: 'x', open: [{ op: 'close', code: 1000 }] }],
  ['handshake refused with 403', '/ws?s=refuse', {}],
  [
    'every kind of send, echoed in order (a Blob between strings keeps its place), then a client close',
    '/ws?s=echo',
    {
      binaryType: 'arraybuffer',
      open: [
        { op: 'send', kind: 'text', value: 'one' },
        { op: 'send', kind: 'arraybuffer', value: '00010203' },
        { op: 'send', kind: 'blob', value: 'b10b' },
        { op: 'send', kind: 'text', value: 'after the blob ✓' },
        { op: 'send', kind: 'view', value: 'cafe' },
        { op: 'bufferedAmount' },
      ],
      message: { at: 5, steps: [{ op: 'close', code: 3000, reason: 'client bye' }, { op: 'bufferedAmount' }] },
    },
  ],
  ['client close() without arguments', '/ws?s=idle', { open: [{ op: 'close' }] }],
  ['client close with a reason and no code (Chromium: code 0, so an InvalidAccessError)', '/ws?s=idle', { open: [{ op: 'close', code: undefined, reason: 'why' }, { op: 'close', code: 4000, reason: 'then' }] }],
  ['client close with a 124-byte reason and no code', '/ws?s=idle', { open: [{ op: 'close', code: undefined, reason: 'x'.repeat(124) }, { op: 'close', code: 4999 }] }],
  ['close codes converted as [Clamp] unsigned short', '/ws?s=idle', { open: [{ op: 'close', code: '1000.4' }] }],
  [
    'what close() and send() throw in each readyState, and bufferedAmount after close',
    '/ws?s=idle',
    { construct: [probe], open: [probe, { op: 'close', code: 3001, reason: 'probing' }, probe], close: [probe] },
  ],
  ['close() while CONNECTING fails the connection', '/ws?s=idle', { construct: [{ op: 'close' }, probe] }, false],
  ['messages queued after close() are not delivered', '/ws?s=burst', { message: { at: 1, steps: [{ op: 'close', code: 1000 }] } }],
  ['fragmented text and binary with a ping between fragments', '/raw?s=fragments', {}],
  ['protocol error: a reserved opcode', '/raw?s=reserved-opcode', {}],
  ['protocol error: invalid UTF-8 in text', '/raw?s=bad-utf8', {}],
  ['protocol error: RSV1 without an extension', '/raw?s=rsv1', {}],
  ['protocol error: a masked frame from the server', '/raw?s=masked', {}],
  ['protocol error: close code 1005 on the wire', '/raw?s=bad-close-code', {}],
  ['abrupt TCP reset after a message', '/raw?s=reset', {}],
  ['TCP FIN without a close frame', '/raw?s=end-without-close', {}],
  ['close frame, then TCP reset', '/raw?s=close-then-reset', {}],
  ['handshake: wrong Sec-WebSocket-Accept', '/raw?s=bad-accept', {}],
  ['handshake: a subprotocol that was not offered', '/raw?s=unoffered-protocol', {}],
];

let browser: Browser | undefined;
let page: Page;
let server: ScriptedServer;

beforeAll(async () => {
  if (!runs) return;
  server = await startScriptedServer(PAGE);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.port}/`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.skipIf(!runs)('wsframe/web WebSocket ↔ Chromium WebSocket: the same events for the same server', () => {
  it.each(scenarios.map(([name, path, plan, sameOnServer], index) => [name, path, plan, sameOnServer ?? true, index] as const))('%s', async (_name, path, plan, sameOnServer, index) => {
    const url = (run: string): string => `ws://127.0.0.1:${server.port}${path}&run=${index}-${run}`;
    const inBrowser = await page.evaluate(([u, p]) => window.record(u as string, p as Plan), [url('browser'), plan] as const);
    const inNode = await runScenario(WebSocket, url('node'), plan);
    expect(inNode).toEqual(inBrowser);
    expect(inBrowser.filter((entry) => entry.type === 'close' || entry.type === 'timeout').map((entry) => entry.type)).toEqual(['close']);
    const key = (run: string): string => `${new URLSearchParams(path.split('?')[1]).get('s')}:${index}-${run}`;
    if (sameOnServer) expect(server.records.get(key('node'))).toEqual(server.records.get(key('browser')));
  });

  it('the constructor: the same SyntaxErrors, the same serialised URLs', async () => {
    const port = server.port;
    const cases: ConstructorCase[] = [
      { url: `ws://127.0.0.1:${port}/ws?s=idle` },
      { url: `http://127.0.0.1:${port}/ws?s=idle` },
      { url: `HTTP://127.0.0.1:${port}/ws?s=idle` },
      { url: `wss://127.0.0.1:${port}/ws?s=idle` },
      { url: `https://127.0.0.1:${port}/x` },
      { url: `ws://127.0.0.1:${port}/a b/ü?q=ü v` },
      { url: `ws://127.0.0.1:${port}` },
      { url: `ws://127.0.0.1:${port}/#` },
      { url: `ws://127.0.0.1:${port}/#frag` },
      { url: `ftp://127.0.0.1:${port}/` },
      { url: 'javascript:alert(1)' },
      { url: 'ws://' },
      { url: 'http://[::1' },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: 'chat' },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: ['a', 'b'] },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: [] },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: ['a', 'a'] },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: ['a', 'A'] },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: [''] },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: '' },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: ['a b'] },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: ['a,b'] },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: ['é'] },
      { url: `ws://127.0.0.1:${port}/ws?s=idle`, protocols: ['a/b'] },
    ];
    const inBrowser = await page.evaluate((c) => window.recordConstructor(c), cases);
    const inNode = constructorOutcomes(WebSocket, cases);
    expect(inNode).toEqual(inBrowser);
    // The table is not trivially equal: it has both outcomes.
    expect(new Set(inNode.map((outcome) => outcome.result))).toEqual(new Set(['ok', 'SyntaxError']));
  });
});

/** [name, path and query (without run=), plan] for WebSocketStream. */
const streamScenarios: Array<[string, string, StreamPlan]> = [
  ['text and binary chunks, then the server’s close with code and reason', '/ws?s=messages', { steps: [{ op: 'read', count: 6 }] }],
  [
    'written text and bytes come back; close({ closeCode, reason })',
    '/ws?s=echo',
    {
      steps: [
        { op: 'write', kind: 'text', value: 'text ✓' },
        { op: 'write', kind: 'bytes', value: 'bytes' },
        { op: 'read', count: 2 },
        { op: 'close', info: { closeCode: 4000, reason: 'bye' } },
        { op: 'read', count: 1 },
      ],
    },
  ],
  ['close() without arguments', '/ws?s=idle', { steps: [{ op: 'close' }] }],
  ['close({ reason }) without a code', '/ws?s=idle', { steps: [{ op: 'close', info: { reason: 'only a reason' } }] }],
  [
    'what close() throws for bad arguments',
    '/ws?s=idle',
    {
      steps: [
        { op: 'close', info: { closeCode: 1001 } },
        { op: 'close', info: { closeCode: 70_000 } },
        { op: 'close', info: { closeCode: 1000, reason: 'x'.repeat(124) } },
        { op: 'close', info: { closeCode: 3000 } },
      ],
    },
  ],
  ['a chunk that is neither a string nor bytes', '/ws?s=echo', { steps: [{ op: 'write', kind: 'number', value: '42' }, { op: 'read', count: 1 }, { op: 'close' }] }],
  ['readable.cancel(WebSocketError) closes with its code', '/ws?s=idle', { steps: [{ op: 'cancel', closeCode: 4100, reason: 'cancelled' }] }],
  ['writable.abort(WebSocketError) closes with its code', '/ws?s=idle', { steps: [{ op: 'abort', closeCode: 4200, reason: 'aborted' }] }],
  ['readable.cancel(another error) closes without a code', '/ws?s=idle', { steps: [{ op: 'cancel' }] }],
  ['protocol error from the server', '/raw?s=reserved-opcode', { steps: [{ op: 'read', count: 2 }] }],
  ['TCP reset', '/raw?s=reset', { steps: [{ op: 'read', count: 2 }] }],
  ['handshake refused with 403', '/ws?s=refuse', {}],
  ['subprotocols offered, none chosen', '/ws?s=idle', { protocols: ['x'] }],
  ['a subprotocol chosen', '/ws?s=idle', { protocols: ['a', 'b'], steps: [{ op: 'close' }] }],
  ['signal aborted before the constructor', '/ws?s=idle', { preAbort: true }],
  ['close() while CONNECTING', '/ws?s=idle', { closeAtOnce: true }],
];

describe.skipIf(!runs)('wsframe/web WebSocketStream ↔ Chromium WebSocketStream: the same chunks and outcomes', () => {
  it.each(streamScenarios.map(([name, path, plan], index) => [name, path, plan, index] as const))('%s', async (_name, path, plan, index) => {
    const url = (run: string): string => `ws://127.0.0.1:${server.port}${path}&run=stream-${index}-${run}`;
    const inBrowser = await page.evaluate(([u, p]) => window.recordStream(u as string, p as StreamPlan), [url('browser'), plan] as const);
    const inNode = await runStreamScenario(WebSocketStream, WebSocketError, url('node'), plan);
    expect(inNode).toEqual(inBrowser);
  });
});
