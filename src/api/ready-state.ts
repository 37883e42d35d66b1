/**
 * The numeric ready states of the WHATWG WebSocket (and of `ws`), so that the check written
 * everywhere, `ws.readyState === WebSocket.OPEN`, works on every wsframe socket. The string
 * `state` of the message and fragment APIs stays; `readyState` is the same fact as a number.
 */
import type { ConnectionState } from '../connection/connection.js';

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/** The constants as instance properties (`ws.OPEN`), which the standard and `ws` also have. */
export interface ReadyStateConstants {
  readonly CONNECTING: typeof CONNECTING;
  readonly OPEN: typeof OPEN;
  readonly CLOSING: typeof CLOSING;
  readonly CLOSED: typeof CLOSED;
}

const byState: Record<ConnectionState, ReadyState> = { CONNECTING, OPEN, CLOSING, CLOSED };

export function readyStateOf(state: ConnectionState): ReadyState {
  return byState[state];
}

const constants: PropertyDescriptorMap = {
  CONNECTING: { value: CONNECTING, enumerable: true },
  OPEN: { value: OPEN, enumerable: true },
  CLOSING: { value: CLOSING, enumerable: true },
  CLOSED: { value: CLOSED, enumerable: true },
};

/**
 * Put the four constants on a class and on its prototype (one copy for all instances, none per
 * connection). Declare them on the class with `ReadyStateConstants` (instances) and
 * `static readonly` fields typed by `ReadyStateConstants` (the class).
 */
export function defineReadyStateConstants(cls: { prototype: object }): void {
  Object.defineProperties(cls, constants);
  Object.defineProperties(cls.prototype, constants);
}
