/**
 * The opening handshake over HTTP/2 (RFC 8441): an extended CONNECT request carrying
 * `:protocol websocket` on a stream, answered with a 2xx (the stream is then the WebSocket's
 * "TCP connection") or a refusal. Sans-I/O like the HTTP/1.1 handshake: header lists in, header
 * objects out; node:http2 does the framing.
 *
 * What differs from HTTP/1.1 (RFC 8441 §5): no Sec-WebSocket-Key and no Sec-WebSocket-Accept (the
 * `:protocol` pseudo-header does their job), no Upgrade or Connection (connection-specific fields do
 * not exist in HTTP/2, RFC 9113 §8.2.2). Origin, Sec-WebSocket-Version, -Protocol and -Extensions
 * mean what they mean in RFC 6455, and are checked by the same code.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocketError } from '../protocol/errors.js';
import { computeAccept, isValidKey } from './accept-key.js';
import { badStatus, validateNegotiation, webSocketFields, withExtraHeaders } from './client-handshake.js';
import type { UpgradeRequestHeadersOptions, UpgradeResponseValidation, UpgradeOffer } from './client-handshake.js';
import { checkExtraHeaders, checkHeaderField, type ExtraHeaders } from './header-fields.js';
import { formatExtensionList, isToken, type Extension } from './header-values.js';
import { RequestHeaders, refuse, validateWebSocketFields } from './server-handshake.js';
import type { RefusedUpgrade, UpgradeRequestOptions, WebSocketFields } from './server-handshake.js';

/**
 * Header fields HTTP/2 does not have (RFC 9113 §8.2.2): never sent; node:http2 throws on them.
 * Also `host`, which an extended CONNECT replaces with `:authority` (RFC 9113 §8.3.1).
 */
const CONNECTION_SPECIFIC = ['connection', 'upgrade', 'keep-alive', 'proxy-connection', 'transfer-encoding'];

/** An extended CONNECT request as node:http2 reports it: pseudo-headers first, names lower case. */
export interface ConnectRequest {
  /** Alternating names and values, as received (the 'stream' event's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
}

export type ConnectRequestValidation =
  | (WebSocketFields & {
      readonly path: string;
      readonly authority: string;
      /** A valid Sec-WebSocket-Key the client sent anyway (see `connectAcceptResponse`), else undefined. */
      readonly key: string | undefined;
    })
  | RefusedUpgrade;

/** Whether a stream's headers ask for a WebSocket (RFC 8441 §4–5): the streams a WebSocketServer takes. */
export function isWebSocketConnect(headers: IncomingHttpHeaders): boolean {
  return headers[':method'] === 'CONNECT' && headers[':protocol'] === 'websocket';
}

/**
 * Checks an extended CONNECT request (RFC 8441 §4–5, RFC 9113 §8.5) and reports the first problem
 * with the status to refuse it with, as `validateUpgradeRequest` does for HTTP/1.1.
 *
 * - Not CONNECT: 405 with `Allow: CONNECT`; a `:protocol` other than websocket: 501 (RFC 8441 §4:
 *   "SHOULD respond ... with a 501 (Not Implemented)").
 * - `:scheme`, `:path` (RFC 8441 §4 "MUST also be included") and `:authority` (RFC 9113 §8.5:
 *   the authority of the target), each exactly once: else 400. nghttp2 resets most such streams
 *   itself (PROTOCOL_ERROR) before they reach us; this check is for whatever it lets through.
 * - Then the fields of RFC 6455 items 6–9, with the same statuses as over HTTP/1.1.
 */
export function validateConnectRequest(request: ConnectRequest, options: UpgradeRequestOptions = {}): ConnectRequestValidation {
  const headers = new RequestHeaders(request.rawHeaders);
  if (headers.single(':method') !== 'CONNECT') {
    return refuse('WS_ERR_HANDSHAKE_BAD_METHOD', 405, 'A WebSocket over HTTP/2 is opened with an extended CONNECT (RFC 8441)', { Allow: 'CONNECT' });
  }
  if (headers.single(':protocol') !== 'websocket') {
    return refuse('WS_ERR_HANDSHAKE_BAD_UPGRADE', 501, 'The :protocol pseudo-header must be websocket');
  }
  const scheme = headers.single(':scheme');
  const path = headers.single(':path');
  if (scheme === undefined || scheme === '' || path === undefined || path === '') {
    return refuse('WS_ERR_HANDSHAKE_BAD_PSEUDO_HEADER', 400, 'An extended CONNECT must have one :scheme and one :path (RFC 8441 §4)');
  }
  const authority = headers.single(':authority');
  if (authority === undefined || authority === '') {
    return refuse('WS_ERR_HANDSHAKE_BAD_HOST', 400, 'An extended CONNECT must have one :authority (RFC 9113 §8.5)');
  }
  const fields = validateWebSocketFields(headers, options);
  if (!fields.ok) return fields;
  const key = headers.single('sec-websocket-key');
  return { ...fields, path, authority, key: key !== undefined && isValidKey(key) ? key : undefined };
}

/** What the server answers an extended CONNECT with: node:http2 response headers and a body. */
export interface ConnectResponse {
  readonly headers: Record<string, string | string[] | number>;
  /** The refusal's one-line reason; empty for an acceptance (its body is the WebSocket). */
  readonly body: Buffer;
}

export interface ConnectAcceptOptions {
  /** The chosen subprotocol; omitted when undefined. */
  readonly protocol?: string | undefined;
  /** The accepted extensions in processing order; omitted when empty. */
  readonly extensions?: readonly Extension[] | undefined;
  /** Extra headers (from a verify hook); may not repeat the handshake's own. */
  readonly headers?: ExtraHeaders | undefined;
  /**
   * The Sec-WebSocket-Key the client sent, if it sent one. RFC 8441 §5 makes key and accept
   * unnecessary over HTTP/2, but some clients send a key and check the answer anyway (undici 7 does);
   * as Hypercorn does, such a key gets its Sec-WebSocket-Accept, which costs a client that ignores it nothing.
   */
  readonly key?: string | undefined;
}

/** The 200 accepting an extended CONNECT (RFC 8441 §5; RFC 9110 §9.3.6: a 2xx opens the tunnel). */
export function connectAcceptResponse(options: ConnectAcceptOptions = {}): ConnectResponse {
  const fields: Record<string, string> = {};
  if (options.key !== undefined) fields['sec-websocket-accept'] = computeAccept(options.key);
  if (options.protocol !== undefined) {
    if (!isToken(options.protocol)) {
      throw new WebSocketError('WS_ERR_INVALID_SUBPROTOCOL', `subprotocol ${JSON.stringify(options.protocol)} is not a token`);
    }
    fields['sec-websocket-protocol'] = options.protocol;
  }
  if (options.extensions !== undefined && options.extensions.length > 0) {
    fields['sec-websocket-extensions'] = formatExtensionList(options.extensions);
  }
  return { headers: { ':status': 200, ...responseFields(fields, options.headers) }, body: Buffer.alloc(0) };
}

/**
 * A refusal as an HTTP/2 response: the status, a plain-text body of `reason` and a newline. The
 * refusal headers HTTP/1.1 would carry go along, less the connection-specific ones (a 426's
 * Upgrade: RFC 9113 §8.2.2), which HTTP/2 forbids; the stream ends with the body.
 */
export function connectRefusalResponse(status: number, reason: string, headers?: ExtraHeaders): ConnectResponse {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new WebSocketError('WS_ERR_INVALID_STATUS', `${status} is not a 4xx or 5xx status`);
  }
  const body = Buffer.from(`${reason}\n`, 'utf8');
  const fields = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length) };
  const allowed = Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !CONNECTION_SPECIFIC.includes(name.toLowerCase())));
  return { headers: { ':status': status, ...responseFields(fields, allowed) }, body };
}

/** The handshake's fields plus the caller's, checked and lower-cased (RFC 9113 §8.2: names are lower case). */
function responseFields(fields: Record<string, string>, extra: ExtraHeaders | undefined): Record<string, string | string[]> {
  for (const [name, value] of Object.entries(fields)) checkHeaderField(name, value);
  checkExtraHeaders(extra, [...Object.keys(fields), ...CONNECTION_SPECIFIC]);
  const out: Record<string, string | string[]> = { ...fields };
  for (const [name, value] of Object.entries(extra ?? {})) out[name.toLowerCase()] = typeof value === 'string' ? value : [...value];
  return out;
}

export type ConnectRequestHeadersOptions = Omit<UpgradeRequestHeadersOptions, 'key'>;

/**
 * The headers of an extended CONNECT opening a WebSocket (RFC 8441 §5): `:scheme` https for
 * wss: and http for ws:, the URL's path and query as `:path`, its host as `:authority`, then the
 * WebSocket fields as over HTTP/1.1. Extra headers may not be connection-specific nor `host`.
 */
export function connectRequestHeaders(options: ConnectRequestHeadersOptions): Record<string, string | string[]> {
  const fields: Record<string, string> = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': options.url.secure ? 'https' : 'http',
    ':path': options.url.resourceName,
    ':authority': options.url.hostHeader,
  };
  for (const [name, value] of Object.entries(webSocketFields(options))) fields[name.toLowerCase()] = value;
  return withExtraHeaders(fields, options.headers, [...CONNECTION_SPECIFIC, 'host', 'sec-websocket-key']);
}

/** The server's answer to an extended CONNECT: its `:status` and the other headers. */
export interface ConnectAnswer {
  readonly status: number | undefined;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Checks the answer to an extended CONNECT: a 2xx (RFC 9110 §9.3.6; RFC 8441 §5 shows 200), then
 * extensions and subprotocol as RFC 6455 §4.1 items 5–6. No Sec-WebSocket-Accept (RFC 8441 §5).
 */
export function validateConnectResponse(answer: ConnectAnswer, offer: Omit<UpgradeOffer, 'key'>): UpgradeResponseValidation {
  if (answer.status === undefined || answer.status < 200 || answer.status > 299) return badStatus(answer.status, answer.headers);
  return validateNegotiation(answer.headers, offer);
}
