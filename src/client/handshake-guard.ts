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
  url: WebSocketUrl,
  o: { readonly handshakeTimeout: number; readonly signal?: AbortSignal | undefined },
  deadline: number,
  reject: (error: unknown) => void,
  abandon: () => void,
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
    abandon();
    reject(error);
  };
  const onAbort = (): void => fail(o.signal!.reason);
  const timer = setTimeout(
    () => fail(new WebSocketError('WS_ERR_HANDSHAKE_TIMEOUT', `no WebSocket handshake from ${url.href} within ${o.handshakeTimeout} ms`)),
    Math.max(0, deadline - Date.now()),
  );
  o.signal?.addEventListener('abort', onAbort, { once: true });
  return { settle, fail, ended: () => settled };
}
