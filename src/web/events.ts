/**
 * The events a WHATWG WebSocket dispatches besides plain `Event`s ("open", "error"). Node's own
 * globals are used where Node has them, so `event instanceof MessageEvent` holds against the
 * global: `MessageEvent` is global since Node 15, `CloseEvent` only since Node 23, so on older
 * Nodes it is this file's class.
 */

export interface MessageEventInit<T> {
  data?: T;
  origin?: string;
  lastEventId?: string;
}

/** The DOM's MessageEvent, as far as a WebSocket uses it. */
export interface MessageEvent<T = unknown> extends Event {
  readonly data: T;
  /** The WebSocket URL's origin, e.g. `ws://127.0.0.1:8080`. */
  readonly origin: string;
  readonly lastEventId: string;
}

export const MessageEvent = (globalThis as unknown as { MessageEvent: new <T>(type: string, init?: MessageEventInit<T>) => MessageEvent<T> })
  .MessageEvent;

export interface CloseEventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

/** The DOM's CloseEvent: how the connection ended. */
export interface CloseEvent extends Event {
  /** Whether the close handshake completed (both close frames, then TCP closed without error). */
  readonly wasClean: boolean;
  /** The code of the server's close frame; 1005 when it had none, 1006 when none arrived. */
  readonly code: number;
  readonly reason: string;
}

// Named CloseEvent, as the DOM's class is (event.constructor.name).
const CloseEventOfThisLibrary = class CloseEvent extends Event implements CloseEvent {
  readonly wasClean: boolean;
  readonly code: number;
  readonly reason: string;

  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.wasClean = init.wasClean ?? false;
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
  }

  get [Symbol.toStringTag](): string {
    return 'CloseEvent';
  }
};

export const CloseEvent: new (type: string, init?: CloseEventInit) => CloseEvent =
  (globalThis as unknown as { CloseEvent?: new (type: string, init?: CloseEventInit) => CloseEvent }).CloseEvent ?? CloseEventOfThisLibrary;
