/**
 * One recorder, run twice: as JavaScript source inside a Chromium page (against the browser's
 * WebSocket) and in Node (against wsframe/web's), so both sides are driven and written down by
 * the very same code. It opens a WebSocket, runs a plan's steps at fixed moments (after the
 * constructor, on open, on the n-th message, on close), and logs every event with the
 * readyState at that moment, and every step's outcome (the DOMException name it threw, or ok).
 * A microtask queued by each message handler is logged too: if two message events shared a task,
 * it would come after both.
 *
 * Normalised, because the two cannot be the same objects: binary data is logged as its type's
 * name ('ArrayBuffer', 'Blob') and hex bytes (a Blob is read after the fact, without delaying the
 * log), and an exception as its `name` only (messages are each implementation's own words).
 */

export type Step =
  | { op: 'send'; kind: 'text' | 'arraybuffer' | 'view' | 'blob'; value: string }
  | { op: 'close'; code?: number | string; reason?: string }
  | { op: 'probe' }
  | { op: 'bufferedAmount' }
  | { op: 'binaryType'; value: string };

export interface Plan {
  protocols?: string | string[];
  binaryType?: string;
  construct?: Step[];
  open?: Step[];
  /** Steps run on the message with this (1-based) number. */
  message?: { at: number; steps: Step[] };
  close?: Step[];
}

export type LogEntry = Record<string, unknown> & { type: string };

export const RECORDER_JS = String.raw`
function toHex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}
function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
function outcome(call) {
  try { call(); return 'ok'; } catch (error) { return error && error.name ? error.name : String(error); }
}
// Each close() argument list of the probe is invalid: none of them may change the state.
const INVALID_CLOSES = [[999], [1001], [1005], [1006], [2999], [5000], [65536], [-1], ['abc'], [1000, 'x'.repeat(124)], [4000, '€'.repeat(42)]];
function runStep(ws, log, step) {
  switch (step.op) {
    case 'send': {
      let data = step.value;
      if (step.kind === 'arraybuffer') data = fromHex(step.value).buffer;
      if (step.kind === 'view') data = new DataView(fromHex('ffff' + step.value + 'ffff').buffer, 2, step.value.length / 2);
      if (step.kind === 'blob') data = new Blob([fromHex(step.value)]);
      log.push({ type: 'send', kind: step.kind, readyState: ws.readyState, result: outcome(() => ws.send(data)), bufferedAmount: ws.bufferedAmount });
      break;
    }
    case 'close': {
      const args = 'reason' in step ? [step.code, step.reason] : 'code' in step ? [step.code] : [];
      log.push({ type: 'close()', args: JSON.stringify(args), readyState: ws.readyState, result: outcome(() => ws.close(...args)), after: ws.readyState });
      break;
    }
    case 'probe': {
      const closes = INVALID_CLOSES.map((args) => outcome(() => ws.close(...args)));
      const before = ws.bufferedAmount;
      const send = outcome(() => ws.send('probe'));
      log.push({ type: 'probe', readyState: ws.readyState, closes, send, bufferedAmountGrew: ws.bufferedAmount - before });
      break;
    }
    case 'bufferedAmount':
      log.push({ type: 'bufferedAmount', readyState: ws.readyState, value: ws.bufferedAmount });
      break;
    case 'binaryType':
      ws.binaryType = step.value;
      log.push({ type: 'binaryType', value: ws.binaryType });
      break;
  }
}
function runScenario(WebSocketClass, url, plan) {
  return new Promise((resolve) => {
    const log = [];
    const reads = [];
    let ws;
    const constructed = outcome(() => { ws = plan.protocols === undefined ? new WebSocketClass(url) : new WebSocketClass(url, plan.protocols); });
    if (constructed !== 'ok') { resolve([{ type: 'constructor', result: constructed }]); return; }
    log.push({ type: 'constructed', readyState: ws.readyState, binaryType: ws.binaryType, protocol: ws.protocol, extensions: ws.extensions, bufferedAmount: ws.bufferedAmount });
    if (plan.binaryType !== undefined) ws.binaryType = plan.binaryType;
    const run = (steps) => { for (const step of steps || []) runStep(ws, log, step); };
    let messages = 0;
    const timer = setTimeout(() => { log.push({ type: 'timeout' }); resolve(log); }, 8000);
    ws.onopen = (event) => {
      log.push({ type: 'open', readyState: ws.readyState, event: event.constructor.name, protocol: ws.protocol, extensions: ws.extensions });
      run(plan.open);
    };
    ws.onmessage = (event) => {
      const data = event.data;
      const entry = { type: 'message', readyState: ws.readyState, event: event.constructor.name, origin: event.origin, dataType: Object.prototype.toString.call(data).slice(8, -1) };
      if (typeof data === 'string') entry.data = data;
      else if (data instanceof ArrayBuffer) entry.data = toHex(data);
      else if (data instanceof Blob) { entry.size = data.size; reads.push(data.arrayBuffer().then((buffer) => { entry.data = toHex(buffer); })); }
      log.push(entry);
      // One message event per task: this microtask runs before the next message event.
      Promise.resolve().then(() => log.push({ type: 'microtask after message' }));
      messages++;
      if (plan.message && plan.message.at === messages) run(plan.message.steps);
    };
    ws.onerror = (event) => log.push({ type: 'error', readyState: ws.readyState, event: event.constructor.name });
    ws.onclose = (event) => {
      log.push({ type: 'close', readyState: ws.readyState, event: event.constructor.name, code: event.code, reason: event.reason, wasClean: event.wasClean });
      run(plan.close);
      // Anything after the close event would be a bug on either side: wait a little to see it.
      setTimeout(() => Promise.all(reads).then(() => { clearTimeout(timer); resolve(log); }), 150);
    };
    run(plan.construct);
  });
}
// The constructor alone: what it throws, or the URL it serialised (the attempt is closed at once).
function constructorOutcomes(WebSocketClass, cases) {
  return cases.map((c) => {
    let ws;
    const result = outcome(() => { ws = 'protocols' in c ? new WebSocketClass(c.url, c.protocols) : new WebSocketClass(c.url); });
    if (ws === undefined) return { result };
    const url = ws.url;
    ws.close();
    return { result, url };
  });
}
`;

export interface ConstructorCase {
  url: string;
  protocols?: unknown;
}

/** The recorder, in Node. */
export const { runScenario, constructorOutcomes } = new Function(`${RECORDER_JS}; return { runScenario, constructorOutcomes };`)() as {
  runScenario(webSocketClass: unknown, url: string, plan: Plan): Promise<LogEntry[]>;
  constructorOutcomes(webSocketClass: unknown, cases: ConstructorCase[]): Array<{ result: string; url?: string }>;
};
