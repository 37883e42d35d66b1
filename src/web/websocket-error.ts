/**
 * The `WebSocketError` of the WebSocketStream proposal (a DOMException named "WebSocketError"
 * with `closeCode` and `reason`), as Chromium and undici ship it: what `closed` rejects with after
 * an unclean close, and what `writable.abort()`/`readable.cancel()` take to close with a code.
 * Not wsframe's own `WebSocketError` (src/protocol/errors.ts), which carries a `WS_ERR_*` code.
 */
import { checkCloseArguments, clampUnsignedShort, toUSVString } from './arguments.js';

export interface WebSocketCloseInfo {
  closeCode?: number;
  reason?: string;
}

export class WebSocketError extends DOMException {
  #closeCode: number | null;
  #reason: string;

  /** Throws like close() for a code other than 1000 or 3000-4999, or a reason over 123 bytes. */
  constructor(message = '', init: WebSocketCloseInfo = {}) {
    super(message, 'WebSocketError');
    const { code, reason } = closeInfoArguments(init);
    this.#closeCode = code ?? null;
    this.#reason = reason;
  }

  /** The close code (null when none was given). */
  get closeCode(): number | null {
    return this.#closeCode;
  }

  get reason(): string {
    return this.#reason;
  }

  /** @internal For what the peer or the network did (1006, 1002 …), which no application may pass in. */
  static fromClosure(message: string, code: number, reason: string): WebSocketError {
    const error = new WebSocketError(message);
    error.#closeCode = code;
    error.#reason = reason;
    return error;
  }
}

/**
 * A WebSocketCloseInfo as close() uses it: the code checked ([Clamp] unsigned short, then 1000
 * or 3000-4999), the reason checked (123 bytes), and a reason without a code sent with 1000.
 */
export function closeInfoArguments(init: WebSocketCloseInfo | undefined): { code: number | undefined; reason: string } {
  const code = init?.closeCode === undefined || init.closeCode === null ? undefined : clampUnsignedShort(init.closeCode);
  const reason = init?.reason === undefined ? '' : toUSVString(init.reason);
  checkCloseArguments(code, reason);
  return { code: code ?? (reason !== '' ? 1000 : undefined), reason };
}
