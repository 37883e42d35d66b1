/**
 * The end of one handshake attempt, whichever comes first: its answer (`settle`), a failure, the
 * `handshakeTimeout` deadline (WS_ERR_HANDSHAKE_TIMEOUT) or the caller's AbortSignal. The timer
 * and the abort listener go with it.
 */
import type { WebSocketUrl } from '../handshake/index.js';
import { WebSocketError } from '../protocol/errors.js';

export interface HandshakeGuard {
  /** Claim the outcome: true the first time, false once something else ended the attempt. */
  settle(): boolean;
  /** End the attempt with `error` (abandoning what is under way), unless it ended already. */
  fail(error: unknown): void;
  /** Whether the attempt has ended. */
  ended(): boolean;
}

export function guardHandshake(
  o: { readonly signal?: AbortSignal | undefined },
  deadline: number,
  reject: (error: unknown) => void,
  /** Undo what is under way (close the request or stream); gets the error the attempt ends with. */
  abandon: (error: unknown) => void,
  /** The error for a missed deadline (WS_ERR_HANDSHAKE_TIMEOUT, or the proxy's while it is the one late). */
  timeoutError: () => WebSocketError,
): HandshakeGuard {
  let settled = false;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    return true;
  };
  const fail = (error: unknown): void => {
    if (!settle()) return;
    abandon(error);
    reject(error);
  };
  const onAbort = (): void => fail(o.signal!.reason);
  const timer = setTimeout(() => fail(timeoutError()), Math.max(0, deadline - Date.now()));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  return { settle, fail, ended: () => settled };
}

/** WS_ERR_HANDSHAKE_TIMEOUT for `url`. */
export function handshakeTimeout(url: WebSocketUrl, timeout: number): WebSocketError {
  return new WebSocketError('WS_ERR_HANDSHAKE_TIMEOUT', `no WebSocket handshake from ${url.href} within ${timeout} ms`);
}
