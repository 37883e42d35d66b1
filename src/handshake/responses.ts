import { STATUS_CODES } from 'node:http';
import { computeAccept } from './accept-key.js';
import { WebSocketError } from '../protocol/errors.js';
import { checkExtraHeaders, checkHeaderField, extraHeaderEntries, hasHeader, type ExtraHeaders } from './header-fields.js';
import { formatExtensionList, isToken, type Extension } from './header-values.js';

export type AcceptResponseOptions = (
  | { readonly key: string; readonly accept?: never }
  /** A precomputed Sec-WebSocket-Accept, for callers that already hashed the key. */
  | { readonly accept: string; readonly key?: never }
) & {
  /** The chosen subprotocol (see `selectSubprotocol`); omitted when undefined. */
  readonly protocol?: string | undefined;
  /** The accepted extensions in processing order (see `negotiateExtensions`); omitted when empty. */
  readonly extensions?: readonly Extension[] | undefined;
  /** Extra headers, e.g. Set-Cookie from a verify hook; may not repeat the handshake's own headers. */
  readonly headers?: ExtraHeaders | undefined;
};

/** The complete bytes of a 101 response accepting the upgrade (RFC 6455 §4.2.2 step 5). */
export function acceptResponse(options: AcceptResponseOptions): Buffer {
  const accept = options.key !== undefined ? computeAccept(options.key) : options.accept;
  if (
    options.key !== undefined &&
    options.protocol === undefined &&
    (options.extensions === undefined || options.extensions.length === 0) &&
    options.headers === undefined
  ) {
    // The common answer, made for every connection a server opens: the fixed lines around the
    // accept value, which is base64 of a hash and needs none of the checks below.
    return Buffer.from(PLAIN_ACCEPT_START + accept + PLAIN_ACCEPT_END, 'latin1');
  }
  const fields: Array<[string, string]> = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', accept],
  ];
  if (options.protocol !== undefined) {
    if (!isToken(options.protocol)) {
      throw new WebSocketError('WS_ERR_INVALID_SUBPROTOCOL', `subprotocol ${JSON.stringify(options.protocol)} is not a token`);
    }
    fields.push(['Sec-WebSocket-Protocol', options.protocol]);
  }
  if (options.extensions !== undefined && options.extensions.length > 0) {
    fields.push(['Sec-WebSocket-Extensions', formatExtensionList(options.extensions)]);
  }
  return Buffer.from(responseHead(101, fields, options.headers), 'latin1');
}

const PLAIN_ACCEPT_START = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ';
const PLAIN_ACCEPT_END = '\r\n\r\n';

/**
 * The complete bytes of a response refusing the upgrade: the status with its standard reason
 * phrase, a plain-text body of `reason` and a newline, and `Connection: close`, since the
 * connection is not reused after a failed handshake. When `headers` has Upgrade (as a 426 must,
 * RFC 7231 §6.5.15), Connection also lists "Upgrade" as RFC 7230 §6.7 requires.
 */
export function refusalResponse(status: number, reason: string, headers?: ExtraHeaders): Buffer {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new WebSocketError('WS_ERR_INVALID_STATUS', `${status} is not a 4xx or 5xx status`);
  }
  return closingResponse(status, [['Content-Type', 'text/plain; charset=utf-8']], headers, Buffer.from(`${reason}\n`, 'utf8'), true);
}

/**
 * The complete bytes of a response to a plain HTTP/1.1 request (a page, or a refusal of one) with
 * `headers` (Content-Type among them) and `body`, then the connection closes: `Connection: close`,
 * since the standalone server does not keep connections alive. For a HEAD request (`head: true`)
 * the body is left out and Content-Length stays the GET's (RFC 9110 §9.3.2, §8.6).
 */
export function pageResponse(status: number, headers: ExtraHeaders, body: Uint8Array, options: { readonly head?: boolean } = {}): Buffer {
  return closingResponse(status, [], headers, body, options.head !== true);
}

/**
 * Status line, Connection (listing "Upgrade" too when `headers` has Upgrade, as RFC 7230 §6.7
 * requires), `fields`, Content-Length, the caller's headers, and the body unless left out.
 */
function closingResponse(
  status: number,
  fields: ReadonlyArray<[string, string]>,
  headers: ExtraHeaders | undefined,
  body: Uint8Array,
  withBody: boolean,
): Buffer {
  const head = responseHead(
    status,
    [['Connection', hasHeader(headers, 'upgrade') ? 'Upgrade, close' : 'close'], ...fields, ['Content-Length', String(body.length)]],
    headers,
  );
  return withBody ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/**
 * Status line and header lines ending in the empty line (RFC 7230 §3). A status without a
 * standard reason phrase gets an empty one, which RFC 7230 §3.1.2 allows. Every value is checked
 * for CR/LF, and the caller's headers may not repeat the names in `fields`. All characters are
 * below U+0100 once checked, so latin1 writes each as one byte.
 */
function responseHead(status: number, fields: ReadonlyArray<[string, string]>, headers: ExtraHeaders | undefined): string {
  for (const [name, value] of fields) checkHeaderField(name, value);
  checkExtraHeaders(headers, fields.map(([name]) => name.toLowerCase()));
  const extraLines = extraHeaderEntries(headers).flatMap(([name, values]) => values.map((value) => [name, value]));
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const [name, value] of [...fields, ...extraLines]) head += `${name}: ${value}\r\n`;
  return head + '\r\n';
}
