/**
 * The WebSocketStream twin of event-recorder.ts: one recorder, run as source in a Chromium page
 * (its WebSocketStream) and in Node (wsframe/web's), logging what `opened` gives, every chunk
 * read (its type's name and data, bytes as hex), how `closed` settles, and what each step
 * throws or rejects with (an error's name, and its closeCode and reason when it has them).
 */

export type StreamStep =
  | { op: 'write'; kind: 'text' | 'bytes' | 'number'; value: string }
  | { op: 'close'; info?: { closeCode?: number; reason?: string } }
  | { op: 'read'; count: number }
  | { op: 'cancel'; closeCode?: number; reason?: string }
  | { op: 'abort'; closeCode?: number; reason?: string };

export interface StreamPlan {
  protocols?: string[];
  /** Abort the signal before the constructor returns. */
  preAbort?: boolean;
  /** Call close() right after the constructor, while CONNECTING. */
  closeAtOnce?: boolean;
  steps?: StreamStep[];
}

export type StreamLogEntry = Record<string, unknown> & { type: string };

export const STREAM_RECORDER_JS = String.raw`
function describeError(error) {
  const entry = { name: error && error.name };
  if (error && 'closeCode' in error) { entry.closeCode = error.closeCode; entry.reason = error.reason; }
  return entry;
}
// Binary chunks are Uint8Arrays in the standard's draft, in undici and in wsframe/web, and
// ArrayBuffers in Chromium 156: logged as 'binary' (a Uint8Array or ArrayBuffer, nothing else).
function describeChunk(chunk) {
  const type = Object.prototype.toString.call(chunk).slice(8, -1);
  if (typeof chunk === 'string') return { chunk: type, data: chunk };
  if (type !== 'Uint8Array' && type !== 'ArrayBuffer') return { chunk: type };
  const bytes = chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return { chunk: 'binary', data: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') };
}
async function settle(promise) {
  try { return { outcome: 'resolved', value: await promise }; } catch (error) { return { outcome: 'rejected', ...describeError(error) }; }
}
async function runStreamScenario(WebSocketStreamClass, WebSocketErrorClass, url, plan) {
  const log = [];
  const controller = new AbortController();
  if (plan.preAbort) controller.abort();
  let wss;
  try {
    wss = new WebSocketStreamClass(url, { protocols: plan.protocols || [], signal: controller.signal });
  } catch (error) {
    return [{ type: 'constructor', ...describeError(error) }];
  }
  if (plan.closeAtOnce) wss.close();
  const opened = await settle(wss.opened);
  if (opened.outcome === 'rejected') {
    log.push({ type: 'opened', ...opened });
  } else {
    const { protocol, extensions, readable, writable } = opened.value;
    log.push({ type: 'opened', outcome: 'resolved', protocol, extensions });
    const reader = readable.getReader();
    const writer = writable.getWriter();
    for (const step of plan.steps || []) {
      switch (step.op) {
        case 'write': {
          const chunk = step.kind === 'text' ? step.value : step.kind === 'number' ? Number(step.value) : new TextEncoder().encode(step.value);
          log.push({ type: 'write', kind: step.kind, ...(await settle(writer.write(chunk))) });
          break;
        }
        case 'read':
          for (let i = 0; i < step.count; i++) {
            const read = await settle(reader.read());
            if (read.outcome === 'rejected') log.push({ type: 'read', ...read });
            else if (read.value.done) log.push({ type: 'read', outcome: 'resolved', done: true });
            else log.push({ type: 'read', outcome: 'resolved', ...describeChunk(read.value.value) });
          }
          break;
        case 'close':
          try { wss.close(step.info); log.push({ type: 'close()', result: 'ok' }); } catch (error) { log.push({ type: 'close()', ...describeError(error) }); }
          break;
        case 'cancel':
        case 'abort': {
          const reason = step.closeCode === undefined ? new Error('plain') : new WebSocketErrorClass('stop', { closeCode: step.closeCode, reason: step.reason });
          const settled = step.op === 'cancel' ? await settle(reader.cancel(reason)) : await settle(writer.abort(reason));
          log.push({ type: step.op, outcome: settled.outcome });
          break;
        }
      }
    }
  }
  const closed = await settle(wss.closed);
  log.push({ type: 'closed', ...closed });
  return log;
}
`;

/** The recorder, in Node. */
export const runStreamScenario = new Function(`${STREAM_RECORDER_JS}; return runStreamScenario;`)() as (
  webSocketStreamClass: unknown,
  webSocketErrorClass: unknown,
  url: string,
  plan: StreamPlan,
) => Promise<StreamLogEntry[]>;
