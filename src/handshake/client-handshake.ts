import type { IncomingHttpHeaders } from 'node:http';
import { computeAccept } from './accept-key.js';
import { WebSocketError, type WebSocketErrorCode } from '../protocol/errors.js';
import { checkExtraHeaders, checkHeaderField, type ExtraHeaders } from './header-fields.js';
import {
  findDuplicate,
  formatExtensionList,
  isToken,
  listContainsToken,
  parseExtensionList,
  type Extension,
} from './header-values.js';

/** A WebSocket URL taken apart for connecting (RFC 6455 §3). */
export interface WebSocketUrl {
  /** The URL with its scheme as ws: or wss:. */
  readonly href: string;
  /** wss: (or https:): connect with TLS. */
  readonly secure: boolean;
  /** The host to connect to; an IPv6 address without its brackets. */
  readonly hostname: string;
  /** The port to connect to, the scheme's default (80, 443) when the URL has none. */
  readonly port: number;
  /** The Host header: host, plus ":port" only when it is not the default (RFC 6455 §4.1 item 4). */
  readonly hostHeader: string;
  /** Path and query, "/" when the path is empty: the request target (RFC 6455 §3). */
  readonly resourceName: string;
}

/** The schemes accepted and whether each is secure; http(s) map to ws(s) as browsers do. */
const SCHEMES: Readonly<Record<string, { readonly secure: boolean; readonly websocketScheme: string }>> = {
  'ws:': { secure: false, websocketScheme: 'ws:' },
  'wss:': { secure: true, websocketScheme: 'wss:' },
  'http:': { secure: false, websocketScheme: 'ws:' },
  'https:': { secure: true, websocketScheme: 'wss:' },
};

/**
 * Takes a WebSocket URL apart, throwing WS_ERR_INVALID_URL before any I/O when it cannot be used:
 * not a URL, another scheme, or a fragment, which "MUST NOT be used on these URIs" (RFC 6455 §3).
 */
export function parseWebSocketUrl(input: string | URL): WebSocketUrl {
  const text = String(input);
  if (!URL.canParse(text)) throw new WebSocketError('WS_ERR_INVALID_URL', `${JSON.stringify(text)} is not a URL`);
  const url = new URL(text);
  const scheme = SCHEMES[url.protocol];
  if (scheme === undefined) {
    throw new WebSocketError('WS_ERR_INVALID_URL', `${JSON.stringify(text)} is not a ws:, wss:, http: or https: URL`);
  }
  // An empty fragment ("ws://host/#") leaves url.hash empty but still shows in href.
  if (url.href.includes('#')) {
    throw new WebSocketError('WS_ERR_INVALID_URL', `${JSON.stringify(text)} has a fragment, which WebSocket URLs must not have`);
  }
  // Switching between special schemes keeps an explicit port, and drops it when it becomes the
  // new scheme's default, so `host` is the Host header value either way.
  url.protocol = scheme.websocketScheme;
  return {
    href: url.href,
    secure: scheme.secure,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (scheme.secure ? 443 : 80) : Number(url.port),
    hostHeader: url.host,
    resourceName: url.pathname + url.search,
  };
}

export interface UpgradeRequestHeadersOptions {
  readonly url: WebSocketUrl;
  /** Sec-WebSocket-Key, normally from `generateKey()`; keep it to check the answer. */
  readonly key: string;
  /** Subprotocols to offer, most preferred first; unique tokens. */
  readonly protocols?: readonly string[] | undefined;
  /** Extensions to offer, most preferred first. */
  readonly extensions?: readonly Extension[] | undefined;
  readonly origin?: string | undefined;
  /** Extra headers (Authorization, Cookie …); may not repeat the handshake's own headers. */
  readonly headers?: ExtraHeaders | undefined;
}

/** The headers of the opening handshake request (RFC 6455 §4.1 items 4–12), for http.request. */
export function upgradeRequestHeaders(options: UpgradeRequestHeadersOptions): Record<string, string | string[]> {
  const fields: Record<string, string> = {
    Host: options.url.hostHeader,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': options.key,
    ...webSocketFields(options),
  };
  return withExtraHeaders(fields, options.headers, []);
}

/**
 * Sec-WebSocket-Version, -Protocol, -Extensions and Origin (RFC 6455 §4.1 items 8–11): the fields
 * an HTTP/1.1 upgrade and an HTTP/2 extended CONNECT (RFC 8441 §5) both send.
 */
export function webSocketFields(options: Omit<UpgradeRequestHeadersOptions, 'key' | 'url' | 'headers'>): Record<string, string> {
  const fields: Record<string, string> = { 'Sec-WebSocket-Version': '13' };
  const protocols = options.protocols ?? [];
  if (protocols.length > 0) {
    checkSubprotocols(protocols);
    fields['Sec-WebSocket-Protocol'] = protocols.join(', ');
  }
  if (options.extensions !== undefined && options.extensions.length > 0) {
    fields['Sec-WebSocket-Extensions'] = formatExtensionList(options.extensions);
  }
  if (options.origin !== undefined) fields['Origin'] = options.origin;
  return fields;
}

/**
 * The handshake's own fields plus the caller's, checked: values writable, and no caller header
 * that repeats one of the handshake's or is in `reservedNames` (lower case).
 */
export function withExtraHeaders(
  fields: Record<string, string>,
  extra: ExtraHeaders | undefined,
  reservedNames: readonly string[],
): Record<string, string | string[]> {
  for (const [name, value] of Object.entries(fields)) {
    if (!name.startsWith(':')) checkHeaderField(name, value);
  }
  checkExtraHeaders(extra, [...Object.keys(fields).map((name) => name.toLowerCase()), ...reservedNames]);
  const headers: Record<string, string | string[]> = { ...fields };
  for (const [name, value] of Object.entries(extra ?? {})) {
    headers[name] = typeof value === 'string' ? value : [...value];
  }
  return headers;
}

/** Subprotocols offered must be unique tokens (RFC 6455 §4.1 item 10). */
function checkSubprotocols(protocols: readonly string[]): void {
  const invalid = protocols.find((protocol) => !isToken(protocol));
  if (invalid !== undefined) {
    throw new WebSocketError('WS_ERR_INVALID_SUBPROTOCOL', `subprotocol ${JSON.stringify(invalid)} is not a token`);
  }
  const duplicate = findDuplicate(protocols);
  if (duplicate !== undefined) {
    throw new WebSocketError('WS_ERR_INVALID_SUBPROTOCOL', `subprotocol "${duplicate}" is offered twice`);
  }
}

/** The server's answer, as node:http reports it on 'upgrade' (or 'response' when it refused). */
export interface UpgradeResponse {
  readonly statusCode?: number | undefined;
  readonly headers: IncomingHttpHeaders;
}

/** What the client sent, to check the answer against. */
export interface UpgradeOffer {
  readonly key: string;
  readonly protocols?: readonly string[] | undefined;
  readonly extensions?: readonly Extension[] | undefined;
}

export type UpgradeResponseValidation =
  | {
      readonly ok: true;
      /** The subprotocol the server chose; undefined when it chose none. */
      readonly protocol: string | undefined;
      /** The extensions the server accepted, with its parameters, in processing order. */
      readonly extensions: Extension[];
    }
  | {
      readonly ok: false;
      readonly code: WebSocketErrorCode;
      readonly message: string;
      /** For WS_ERR_HANDSHAKE_BAD_STATUS: the status and headers the server answered with. */
      readonly statusCode?: number | undefined;
      readonly headers?: IncomingHttpHeaders;
    };

/** Checks the server's answer in the order of RFC 6455 §4.1 ("the client MUST validate"). */
export function validateUpgradeResponse(response: UpgradeResponse, offer: UpgradeOffer): UpgradeResponseValidation {
  // Item 1: anything but 101 is handled per HTTP, i.e. it is not a WebSocket connection.
  if (response.statusCode !== 101) return badStatus(response.statusCode, response.headers);
  const headers = response.headers;

  // Item 2: Upgrade is "websocket", ASCII case-insensitively.
  if (headerText(headers['upgrade'])?.trim().toLowerCase() !== 'websocket') {
    return fail('WS_ERR_HANDSHAKE_BAD_UPGRADE', 'The Upgrade header of the response is not websocket');
  }
  // Item 3: Connection contains the upgrade option.
  if (!listContainsToken(headerText(headers['connection']) ?? '', 'upgrade')) {
    return fail('WS_ERR_HANDSHAKE_BAD_CONNECTION', 'The Connection header of the response does not contain upgrade');
  }
  // Item 4: Sec-WebSocket-Accept proves the server read our key.
  if (headerText(headers['sec-websocket-accept']) !== computeAccept(offer.key)) {
    return fail('WS_ERR_HANDSHAKE_BAD_ACCEPT', 'Sec-WebSocket-Accept is missing or does not match the key');
  }

  return validateNegotiation(headers, offer);
}

/**
 * Items 5 and 6 of RFC 6455 §4.1: extensions and a subprotocol only from those offered. An
 * HTTP/2 answer (RFC 8441 §5) carries the same fields, checked the same way.
 */
export function validateNegotiation(headers: IncomingHttpHeaders, offer: Omit<UpgradeOffer, 'key'>): UpgradeResponseValidation {
  // Item 5: only extensions we offered, each at most once.
  let extensions: Extension[] = [];
  const extensionHeader = headerText(headers['sec-websocket-extensions']);
  if (extensionHeader !== undefined) {
    const parsed = parseExtensionList(extensionHeader);
    if (!parsed.ok) return fail('WS_ERR_HANDSHAKE_BAD_EXTENSIONS', `Invalid Sec-WebSocket-Extensions: ${parsed.error}`);
    const offeredNames = (offer.extensions ?? []).map((extension) => extension.name);
    const unoffered = parsed.value.find((extension) => !offeredNames.includes(extension.name));
    if (unoffered !== undefined) {
      return fail('WS_ERR_HANDSHAKE_BAD_EXTENSIONS', `The server accepted extension "${unoffered.name}", which was not offered`);
    }
    const duplicate = findDuplicate(parsed.value.map((extension) => extension.name));
    if (duplicate !== undefined) {
      return fail('WS_ERR_HANDSHAKE_BAD_EXTENSIONS', `The server accepted extension "${duplicate}" twice`);
    }
    extensions = parsed.value;
  }

  // Item 6: a subprotocol only from those offered; none is fine. node:http joins repeated lines
  // with ", ", so a response with two (RFC 6455 §11.3.4 forbids it) fails here too.
  const protocol = headerText(headers['sec-websocket-protocol']);
  if (protocol !== undefined && !(offer.protocols ?? []).includes(protocol)) {
    return fail('WS_ERR_HANDSHAKE_BAD_PROTOCOL', `The server chose subprotocol "${protocol}", which was not offered`);
  }

  return { ok: true, protocol, extensions };
}

/** An answer with a status that does not open a WebSocket: its status and headers go with the error. */
export function badStatus(statusCode: number | undefined, headers: IncomingHttpHeaders): UpgradeResponseValidation {
  return { ok: false, code: 'WS_ERR_HANDSHAKE_BAD_STATUS', message: `Unexpected server response: ${statusCode}`, statusCode, headers };
}

function fail(code: WebSocketErrorCode, message: string): UpgradeResponseValidation {
  return { ok: false, code, message };
}

/** A header as one string; node:http gives arrays only for a few names such as Set-Cookie. */
function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
