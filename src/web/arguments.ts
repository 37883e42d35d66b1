/**
 * The argument checks that the WHATWG WebSocket standard puts in front of `new WebSocket(url,
 * protocols)`, `close(code, reason)` and their WebSocketStream twins, with the exceptions it
 * names (DOMException "SyntaxError", "InvalidAccessError"). WebIDL conversions as Chromium does
 * them: USVString (lone surrogates become U+FFFD) and `[Clamp] unsigned short` for close codes,
 * WebSocketCloseInfo.closeCode included (undici enforces its range with a TypeError instead).
 */
import { toUSVString as wellFormed } from 'node:util';
import { parseWebSocketUrl } from '../handshake/index.js';
import { findDuplicate, isToken } from '../handshake/header-values.js';
import { MAX_CLOSE_REASON_BYTES } from '../protocol/close-codes.js';

/** WebIDL USVString: any value as a string, unpaired surrogates replaced by U+FFFD. */
export function toUSVString(value: unknown): string {
  return wellFormed(String(value));
}

/**
 * The URL steps of the constructor ("get a URL record"): parse, map http(s) to ws(s), refuse
 * another scheme or any fragment (even an empty one). Node has no document, so there is no base
 * URL: a relative URL is a SyntaxError here where a page would resolve it.
 */
export function webSocketUrl(url: unknown): string {
  try {
    return parseWebSocketUrl(toUSVString(url)).href;
  } catch (error) {
    throw new DOMException((error as Error).message, 'SyntaxError');
  }
}

/**
 * `(DOMString or sequence<DOMString>) protocols`: a string is a list of one. Each must be a token
 * (the Sec-WebSocket-Protocol grammar, RFC 6455 §4.1 item 10) and none may repeat (compared
 * exactly, as Chromium does).
 */
export function subprotocolList(protocols: string | Iterable<unknown> | undefined): string[] {
  const list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : Array.from(protocols, toUSVString);
  const invalid = list.find((protocol) => !isToken(protocol));
  if (invalid !== undefined) throw new DOMException(`the subprotocol ${JSON.stringify(invalid)} is not a token`, 'SyntaxError');
  const duplicate = findDuplicate(list);
  if (duplicate !== undefined) throw new DOMException(`the subprotocol ${JSON.stringify(duplicate)} is duplicated`, 'SyntaxError');
  return list;
}

/** WebIDL `[Clamp] unsigned short` (a close code): NaN is 0, halves round to even. */
export function clampUnsignedShort(value: unknown): number {
  const number = Number(value);
  if (Number.isNaN(number)) return 0;
  const clamped = Math.min(Math.max(number, 0), 65535);
  const floor = Math.floor(clamped);
  const fraction = clamped - floor;
  if (fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

/**
 * "Validate close code and reason": a code an application may send (1000, or 3000-4999; the
 * others are the protocol's own), a reason of at most 123 bytes of UTF-8 (RFC 6455 §5.5: a
 * control frame holds 125 bytes, 2 of them the code).
 */
export function checkCloseArguments(code: number | undefined, reason: string | undefined): void {
  if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
    throw new DOMException(`the close code must be 1000 or in 3000-4999, not ${code}`, 'InvalidAccessError');
  }
  if (reason !== undefined && Buffer.byteLength(reason, 'utf8') > MAX_CLOSE_REASON_BYTES) {
    throw new DOMException(`the close reason is longer than ${MAX_CLOSE_REASON_BYTES} bytes of UTF-8`, 'SyntaxError');
  }
}
