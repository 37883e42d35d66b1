import { isValidKey } from './accept-key.js';
import type { WebSocketErrorCode } from '../protocol/errors.js';
import {
  findDuplicate,
  listContainsToken,
  parseExtensionList,
  parseTokenList,
  type Extension,
} from './header-values.js';
import type { AllowedOrigins } from './origin.js';

/**
 * The parts of an upgrade request this module reads; a node:http `IncomingMessage` fits. Headers
 * are read from `rawHeaders` because Node's `headers` object hides what matters here: it drops a
 * second Host and joins two Sec-WebSocket-Key lines into one.
 */
export interface UpgradeRequest {
  readonly method?: string | undefined;
  readonly httpVersion: string;
  /** Alternating names and values, as received: `['Host', 'example.com', ...]`. */
  readonly rawHeaders: readonly string[];
}

export interface UpgradeRequestOptions {
  /**
   * Origins allowed to connect, compared by scheme, host and port (RFC 6454; see origin.ts). When
   * set, a request without an Origin header, or with one that is not a serialised origin, is
   * refused too: the list is meant to be the complete set of pages that may connect. Unset (the
   * default): any origin, or none, is accepted.
   */
  readonly origins?: AllowedOrigins;
}

export interface AcceptableUpgrade {
  readonly ok: true;
  /** Sec-WebSocket-Key, for `acceptResponse({ key })`. */
  readonly key: string;
  /** Offered subprotocols in the client's order; empty when none were offered. */
  readonly protocols: string[];
  /** Offered extensions in the client's order; empty when none were offered. */
  readonly extensions: Extension[];
  /** The Origin header as received, when there was one. */
  readonly origin: string | undefined;
}

export interface RefusedUpgrade {
  readonly ok: false;
  readonly code: WebSocketErrorCode;
  /** The HTTP status to answer with, for `refusalResponse(status, reason, headers)`. */
  readonly status: number;
  readonly reason: string;
  /** Headers the refusal must carry (Allow for 405, Sec-WebSocket-Version and Upgrade for 426). */
  readonly headers?: Readonly<Record<string, string>>;
}

export type UpgradeRequestValidation = AcceptableUpgrade | RefusedUpgrade;

/**
 * Checks an opening handshake request in the order of RFC 6455 §4.2.1 and reports the first
 * problem with the status to refuse it with.
 *
 * Choices the RFC leaves open:
 * - HTTP/1.0 gets 400, not 505: 505 means the major version is unsupported (RFC 7231 §6.6.6),
 *   and HTTP/1.0 shares the major version; what it lacks is the Upgrade mechanism.
 * - A missing Sec-WebSocket-Version gets 426 like a wrong one: in both cases the client does not
 *   speak version 13, and the 426 tells it which version to retry with (RFC 6455 §4.4).
 * - A header the RFC allows once (Host, Sec-WebSocket-Key, Sec-WebSocket-Version, Origin) that
 *   appears twice gets 400 (RFC 7230 §5.4, RFC 6455 §11.3.1, §11.3.5, RFC 6454 §7.3).
 */
export function validateUpgradeRequest(
  request: UpgradeRequest,
  options: UpgradeRequestOptions = {},
): UpgradeRequestValidation {
  const headers = new RequestHeaders(request.rawHeaders);

  // §4.2.1 item 1: "An HTTP/1.1 or higher GET request".
  if (request.method !== 'GET') {
    return refuse('WS_ERR_HANDSHAKE_BAD_METHOD', 405, 'The WebSocket handshake requires a GET request', { Allow: 'GET' });
  }
  if (!isHttp11OrLater(request.httpVersion)) {
    return refuse('WS_ERR_HANDSHAKE_BAD_HTTP_VERSION', 400, 'The WebSocket handshake requires HTTP/1.1 or later');
  }

  // Item 2: a Host header field.
  if (headers.count('host') !== 1) {
    return refuse('WS_ERR_HANDSHAKE_BAD_HOST', 400, 'The request must have exactly one Host header');
  }

  // Items 3 and 4: Upgrade names websocket, Connection contains the upgrade option.
  if (!listContainsToken(headers.list('upgrade'), 'websocket')) {
    return refuse('WS_ERR_HANDSHAKE_BAD_UPGRADE', 400, 'The Upgrade header must name websocket');
  }
  if (!listContainsToken(headers.list('connection'), 'upgrade')) {
    return refuse('WS_ERR_HANDSHAKE_BAD_CONNECTION', 400, 'The Connection header must contain upgrade');
  }

  // Item 5: Sec-WebSocket-Key, base64 of 16 bytes.
  const key = headers.single('sec-websocket-key');
  if (key === undefined || !isValidKey(key)) {
    return refuse('WS_ERR_HANDSHAKE_BAD_KEY', 400, 'Sec-WebSocket-Key must be one base64-encoded 16-byte value');
  }

  const fields = validateWebSocketFields(headers, options);
  if (!fields.ok) return fields;
  return { ok: true, key, protocols: fields.protocols, extensions: fields.extensions, origin: fields.origin };
}

/** What the request offers once its WebSocket fields (items 6–9) checked out. */
export interface WebSocketFields {
  readonly ok: true;
  readonly protocols: string[];
  readonly extensions: Extension[];
  readonly origin: string | undefined;
}

/**
 * Items 6–9 of RFC 6455 §4.2.1: Sec-WebSocket-Version, Origin, Sec-WebSocket-Protocol and
 * Sec-WebSocket-Extensions. HTTP/2's extended CONNECT uses these fields as they are (RFC 8441 §5),
 * so both handshakes check them here.
 */
export function validateWebSocketFields(headers: RequestHeaders, options: UpgradeRequestOptions): WebSocketFields | RefusedUpgrade {
  // Item 6: Sec-WebSocket-Version 13; otherwise §4.4 says to answer with the versions we speak.
  if (headers.count('sec-websocket-version') > 1) {
    return refuse('WS_ERR_HANDSHAKE_BAD_VERSION', 400, 'Sec-WebSocket-Version must appear once');
  }
  if (headers.single('sec-websocket-version') !== '13') {
    // RFC 7231 §6.5.15: a 426 names the protocol to upgrade to in an Upgrade header.
    return refuse('WS_ERR_HANDSHAKE_BAD_VERSION', 426, 'Only WebSocket version 13 is supported', {
      'Sec-WebSocket-Version': '13',
      Upgrade: 'websocket',
    });
  }

  // Item 7: Origin, checked against the allow-list when there is one (§10.2).
  if (headers.count('origin') > 1) {
    return refuse('WS_ERR_HANDSHAKE_BAD_ORIGIN', 400, 'Origin must appear once');
  }
  const origin = headers.single('origin');
  if (options.origins !== undefined && (origin === undefined || !options.origins.allows(origin))) {
    return refuse('WS_ERR_HANDSHAKE_BAD_ORIGIN', 403, 'Origin not allowed');
  }

  // Item 8: Sec-WebSocket-Protocol, a list of unique tokens (§4.1 item 10); lines add up (§11.3.4).
  let protocols: string[] = [];
  if (headers.count('sec-websocket-protocol') > 0) {
    const parsed = parseTokenList(headers.list('sec-websocket-protocol'));
    if (!parsed.ok) {
      return refuse('WS_ERR_HANDSHAKE_BAD_PROTOCOL', 400, `Invalid Sec-WebSocket-Protocol: ${parsed.error}`);
    }
    const duplicate = findDuplicate(parsed.value);
    if (duplicate !== undefined) {
      return refuse('WS_ERR_HANDSHAKE_BAD_PROTOCOL', 400, `Sec-WebSocket-Protocol offers "${duplicate}" twice`);
    }
    protocols = parsed.value;
  }

  // Item 9: Sec-WebSocket-Extensions (§9.1); lines add up (§11.3.2).
  let extensions: Extension[] = [];
  if (headers.count('sec-websocket-extensions') > 0) {
    const parsed = parseExtensionList(headers.list('sec-websocket-extensions'));
    if (!parsed.ok) {
      return refuse('WS_ERR_HANDSHAKE_BAD_EXTENSIONS', 400, `Invalid Sec-WebSocket-Extensions: ${parsed.error}`);
    }
    extensions = parsed.value;
  }

  return { ok: true, protocols, extensions, origin };
}

export function refuse(
  code: WebSocketErrorCode,
  status: number,
  reason: string,
  headers?: Readonly<Record<string, string>>,
): RefusedUpgrade {
  return { ok: false, code, status, reason, headers };
}

function isHttp11OrLater(httpVersion: string): boolean {
  if (httpVersion === '1.1') return true; // nearly every request: no pattern to run
  const match = /^(\d+)\.(\d+)$/.exec(httpVersion);
  if (match === null) return false;
  const major = Number(match[1]);
  return major > 1 || (major === 1 && Number(match[2]) >= 1);
}

/**
 * Header lookups over `rawHeaders`, by lower-cased name, keeping every line. A request has a
 * dozen lines or so: the lower-cased names scanned in order cost less to make than a map of
 * lists, and are made for every handshake a server answers. Values are trimmed when read.
 */
export class RequestHeaders {
  /** names[i] is the lower-cased name of rawHeaders[2 * i]. */
  private readonly names: string[];

  constructor(private readonly rawHeaders: readonly string[]) {
    const count = rawHeaders.length >> 1;
    this.names = new Array<string>(count);
    for (let i = 0; i < count; i++) this.names[i] = rawHeaders[2 * i]!.toLowerCase();
  }

  count(name: string): number {
    let count = 0;
    for (const candidate of this.names) if (candidate === name) count++;
    return count;
  }

  /** The value of a header that may appear once; undefined when absent or repeated. */
  single(name: string): string | undefined {
    const first = this.names.indexOf(name);
    return first !== -1 && this.names.indexOf(name, first + 1) === -1 ? this.value(first) : undefined;
  }

  /** All lines of a list header joined into one list (RFC 7230 §3.2.2). */
  list(name: string): string {
    let joined: string | undefined;
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] === name) joined = joined === undefined ? this.value(i) : `${joined}, ${this.value(i)}`;
    }
    return joined ?? '';
  }

  private value(index: number): string {
    return this.rawHeaders[2 * index + 1]!.trim();
  }
}
