/**
 * ws's emulation of the browser's EventTarget on its WebSocket: `addEventListener`,
 * `removeEventListener` and `onopen`/`onmessage`/`onclose`/`onerror`, for the four events a
 * browser WebSocket has. A handler is added as an ordinary listener (a wrapper that makes the
 * event object from the Node event's arguments), so both styles see the same events in order.
 * Only the types ws emulates are taken; others are ignored, as in ws.
 */
import type { EventEmitter } from 'node:events';

export type EventHandler = ((event: any) => void) | { handleEvent(event: any): void };
export type EventType = 'open' | 'message' | 'close' | 'error';

/** What the close event needs of the socket beyond the event's arguments. */
export interface EventSource extends EventEmitter {
  /** Both close frames went through and TCP closed without error. */
  readonly closedCleanly: boolean;
}

const kHandler = Symbol('wsframe.ws.handler');
const kAttribute = Symbol('wsframe.ws.attribute'); // added by an on<type> attribute

type Wrapper = ((...args: any[]) => void) & { [kHandler]: EventHandler; [kAttribute]: boolean };

export function addEventListener(target: EventSource, type: string, handler: EventHandler, options?: { once?: boolean }, attribute = false): void {
  if (!attribute && wrapperOf(target, type, handler, false) !== undefined) return; // no handler twice, as EventTarget
  const toEvent = eventMaker(target, type);
  if (toEvent === undefined) return;
  const wrapper = ((...args: unknown[]) => {
    const event = toEvent(...args);
    if (typeof handler === 'function') handler.call(target, event);
    else handler.handleEvent(event);
  }) as Wrapper;
  wrapper[kHandler] = handler;
  wrapper[kAttribute] = attribute;
  if (options?.once) target.once(type, wrapper);
  else target.on(type, wrapper);
}

/** Remove what addEventListener added for `handler` (not what an on<type> attribute set). */
export function removeEventListener(target: EventSource, type: string, handler: EventHandler): void {
  const wrapper = wrapperOf(target, type, handler, false);
  if (wrapper !== undefined) target.removeListener(type, wrapper);
}

/**
 * The on<type> attributes on a class's prototype: reading one gives the handler it set (or
 * null); setting one replaces that handler, and a value that is not a function clears it.
 */
export function defineEventAttributes(cls: { prototype: object }): void {
  for (const type of ['open', 'message', 'close', 'error'] as const) {
    Object.defineProperty(cls.prototype, `on${type}`, {
      enumerable: true,
      configurable: true,
      get(this: EventSource): EventHandler | null {
        return wrapperOf(this, type, undefined, true)?.[kHandler] ?? null;
      },
      set(this: EventSource, handler: unknown) {
        for (let old = wrapperOf(this, type, undefined, true); old !== undefined; old = wrapperOf(this, type, undefined, true)) {
          this.removeListener(type, old);
        }
        if (typeof handler === 'function') addEventListener(this, type, handler as EventHandler, undefined, true);
      },
    });
  }
}

function wrapperOf(target: EventSource, type: string, handler: EventHandler | undefined, attribute: boolean): Wrapper | undefined {
  for (const raw of target.rawListeners(type)) {
    const listener = ((raw as { listener?: unknown }).listener ?? raw) as Partial<Wrapper>;
    if (listener[kAttribute] === attribute && (handler === undefined || listener[kHandler] === handler)) return listener as Wrapper;
  }
  return undefined;
}

/** The event objects ws hands to such handlers: `type` and `target`, plus each event's fields. */
function eventMaker(target: EventSource, type: string): ((...args: any[]) => object) | undefined {
  switch (type) {
    case 'open':
      return () => ({ type, target });
    case 'message':
      return (data: unknown, isBinary: boolean) => ({ type, target, data: isBinary ? data : String(data) });
    case 'close':
      return (code: number, reason: Buffer) => ({ type, target, code, reason: reason.toString(), wasClean: target.closedCleanly });
    case 'error':
      return (error: Error) => ({ type, target, error, message: error.message });
    default:
      return undefined;
  }
}
