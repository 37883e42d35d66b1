/**
 * Close status codes (RFC 6455 §7.4) and the close frame payload (§5.5.1): which codes may
 * appear on the wire, and how a received close payload is read.
 */

import { kernels } from '../native.js';
import { WebSocketError } from './errors.js';

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_UNSUPPORTED_DATA = 1003;
/** §7.4.1: "no status code was actually present" — reported locally, never sent. */
export const CLOSE_NO_STATUS = 1005;
/** §7.4.1: the connection closed without a close frame — reported locally, never sent. */
export const CLOSE_ABNORMAL = 1006;
export const CLOSE_INVALID_PAYLOAD = 1007;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_MESSAGE_TOO_BIG = 1009;
export const CLOSE_INTERNAL_ERROR = 1011;

/** §5.5: a control frame carries at most 125 bytes; a close frame spends 2 of them on the code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Whether `code` may be sent in, or accepted from, a close frame.
 * §7.4.1 defines 1000-1003 and 1007-1011; IANA registered 1012-1014 since (§11.7 registry).
 * 1004 is reserved, 1005/1006/1015 are for local reporting only, and 0-999 and 1016-2999 are
 * unassigned or reserved for future RFCs (§7.4.2). 3000-3999 (IANA-registered libraries) and
 * 4000-4999 (private use) are open to applications. Anything else is not a close code.
 */
export function isValidWireCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
  );
}

export interface CloseStatus {
  code: number;
  reason: string;
}

/**
 * Reads a received close frame's payload (§5.5.1): empty (the status is 1005, §7.1.5), or a
 * 2-byte big-endian code followed by a UTF-8 reason. Returns the error to fail with otherwise.
 */
export function parseClosePayload(payload: Uint8Array): CloseStatus | WebSocketError {
  if (payload.length === 0) return { code: CLOSE_NO_STATUS, reason: '' };
  if (payload.length === 1) {
    return new WebSocketError('WS_ERR_INVALID_CLOSE_PAYLOAD', 'a close frame payload of 1 byte has no room for a code');
  }
  const code = (payload[0] << 8) | payload[1];
  if (!isValidWireCloseCode(code)) {
    return new WebSocketError('WS_ERR_INVALID_CLOSE_CODE', `invalid close code ${code}`);
  }
  const reason = payload.subarray(2);
  if (!kernels.isValidUtf8(reason)) {
    return new WebSocketError('WS_ERR_INVALID_UTF8', 'the close reason is not valid UTF-8');
  }
  return { code, reason: Buffer.from(reason.buffer, reason.byteOffset, reason.length).toString('utf8') };
}
