/**
 * The one error class of wsframe's WebSocket layers, and the one table of its codes: each
 * `WS_ERR_*` code with the close code it fails the connection with and a one-line meaning
 * (this table is rendered into the README's error list). Layers add their codes here.
 *
 * Codes with a close code are peer violations (or local conditions) that close the connection;
 * codes without one are mistakes of the API caller, thrown at the call and sending nothing.
 */

export const WEBSOCKET_ERRORS = {
  // Peer violations found while parsing (RFC 6455 §5, §7.4, §8.1).
  WS_ERR_INVALID_OPCODE: { closeCode: 1002, meaning: 'A frame used a reserved opcode (0x3-0x7, 0xB-0xF; RFC 6455 §5.2).' },
  WS_ERR_UNEXPECTED_RSV_1: { closeCode: 1002, meaning: 'RSV1 was set without an extension that allows it, or on a frame other than the first of a data message (RFC 6455 §5.2, RFC 7692 §6.1).' },
  WS_ERR_UNEXPECTED_RSV_2: { closeCode: 1002, meaning: 'RSV2 was set; no extension in use defines it (RFC 6455 §5.2).' },
  WS_ERR_UNEXPECTED_RSV_3: { closeCode: 1002, meaning: 'RSV3 was set; no extension in use defines it (RFC 6455 §5.2).' },
  WS_ERR_EXPECTED_FIN: { closeCode: 1002, meaning: 'A control frame was fragmented (FIN clear; RFC 6455 §5.5).' },
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: { closeCode: 1002, meaning: 'A control frame carried more than 125 bytes (RFC 6455 §5.5).' },
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: { closeCode: 1002, meaning: 'A 64-bit payload length had its most significant bit set (RFC 6455 §5.2).' },
  WS_ERR_EXPECTED_MASK: { closeCode: 1002, meaning: 'A client sent an unmasked frame (RFC 6455 §5.1).' },
  WS_ERR_UNEXPECTED_MASK: { closeCode: 1002, meaning: 'A server sent a masked frame (RFC 6455 §5.1).' },
  WS_ERR_INVALID_CONTINUATION_FRAME: { closeCode: 1002, meaning: 'A continuation frame arrived with no fragmented message in progress (RFC 6455 §5.4).' },
  WS_ERR_EXPECTED_CONTINUATION_FRAME: { closeCode: 1002, meaning: 'A new text or binary frame arrived inside a fragmented message (RFC 6455 §5.4).' },
  WS_ERR_INVALID_CLOSE_PAYLOAD: { closeCode: 1002, meaning: 'A close frame carried exactly 1 byte (RFC 6455 §5.5.1).' },
  WS_ERR_INVALID_CLOSE_CODE: { closeCode: 1002, meaning: 'A close frame carried a code not allowed on the wire (RFC 6455 §7.4).' },
  WS_ERR_INVALID_UTF8: { closeCode: 1007, meaning: 'A text message or a close reason was not valid UTF-8 (RFC 6455 §8.1, §5.5.1).' },
  WS_ERR_MESSAGE_TOO_BIG: { closeCode: 1009, meaning: 'A message would pin more than maxMessageSize (receiveBufferLimit) bytes (RFC 6455 §7.4.1).' },
  WS_ERR_TRANSFORM_FAILED: { closeCode: 1007, meaning: 'An extension could not transform a message payload (e.g. invalid compressed data).' },
  // Local conditions of the connection layer.
  WS_ERR_IDLE_TIMEOUT: { closeCode: 1001, meaning: 'No data arrived within idleTimeout.' },
  WS_ERR_PONG_TIMEOUT: { closeCode: 1011, meaning: 'The peer did not answer a heartbeat ping within pingInterval (the connection cannot go on: 1011).' },
  // The opening handshake (RFC 6455 §4): refusals carry these next to their HTTP status, the
  // client's check of the server's answer reports them; none closes a WebSocket connection.
  WS_ERR_HANDSHAKE_BAD_METHOD: { closeCode: undefined, meaning: 'The upgrade request method is not GET, or over HTTP/2 not CONNECT (HTTP 405).' },
  WS_ERR_HANDSHAKE_BAD_HTTP_VERSION: { closeCode: undefined, meaning: 'The upgrade request is older than HTTP/1.1 (HTTP 400).' },
  WS_ERR_HANDSHAKE_BAD_HOST: { closeCode: undefined, meaning: 'The upgrade request has no Host header (HTTP/2: :authority), or more than one (HTTP 400).' },
  WS_ERR_HANDSHAKE_BAD_UPGRADE: { closeCode: undefined, meaning: 'The Upgrade header does not name websocket (HTTP/2: the :protocol pseudo-header is not websocket, HTTP 501).' },
  WS_ERR_HANDSHAKE_BAD_PSEUDO_HEADER: { closeCode: undefined, meaning: 'An HTTP/2 extended CONNECT lacks :scheme or :path, or repeats one (HTTP 400; RFC 8441 §4).' },
  WS_ERR_HANDSHAKE_BAD_CONNECTION: { closeCode: undefined, meaning: 'The Connection header does not contain the upgrade option.' },
  WS_ERR_HANDSHAKE_BAD_KEY: { closeCode: undefined, meaning: 'Sec-WebSocket-Key is missing, repeated, or not the base64 of 16 bytes (HTTP 400).' },
  WS_ERR_HANDSHAKE_BAD_VERSION: { closeCode: undefined, meaning: 'Sec-WebSocket-Version is missing or not 13 (HTTP 426), or repeated (HTTP 400).' },
  WS_ERR_HANDSHAKE_BAD_ORIGIN: { closeCode: undefined, meaning: 'Origin is missing or not in the allowed origins (HTTP 403), or repeated (HTTP 400).' },
  WS_ERR_HANDSHAKE_BAD_PROTOCOL: { closeCode: undefined, meaning: 'Sec-WebSocket-Protocol is malformed, repeats a name, or names a subprotocol the client did not offer.' },
  WS_ERR_HANDSHAKE_BAD_EXTENSIONS: { closeCode: undefined, meaning: 'Sec-WebSocket-Extensions is malformed, or names an extension the client did not offer or names one twice.' },
  WS_ERR_HANDSHAKE_BAD_STATUS: { closeCode: undefined, meaning: 'The server answered the upgrade request with a status other than 101 (HTTP/2: other than 2xx).' },
  WS_ERR_HANDSHAKE_BAD_ACCEPT: { closeCode: undefined, meaning: 'Sec-WebSocket-Accept is missing or does not match the key that was sent.' },
  WS_ERR_HANDSHAKE_TIMEOUT: { closeCode: undefined, meaning: 'The opening handshake did not complete within handshakeTimeout (client: no valid answer in time; server: the request head did not arrive in time, HTTP 408).' },
  WS_ERR_HANDSHAKE_BAD_REQUEST: { closeCode: undefined, meaning: 'The request head is malformed, too large, or announces a body (standalone server: HTTP 400, 431, 501, 505).' },
  WS_ERR_HANDSHAKE_BAD_PATH: { closeCode: undefined, meaning: 'There is no WebSocket endpoint at the request path (standalone server with `path`: HTTP 400; 404 when it serves `pages`).' },
  WS_ERR_HANDSHAKE_UNAVAILABLE: { closeCode: undefined, meaning: 'The server takes no upgrades now: `enabled: false`, shutting down, or at maxConnections (HTTP 503).' },
  WS_ERR_HANDSHAKE_REFUSED: { closeCode: undefined, meaning: 'The verify hook refused the upgrade (its status, 403 by default; 500 when it threw).' },
  WS_ERR_HTTP2_UNSUPPORTED: { closeCode: undefined, meaning: 'connect() was asked for HTTP/2 (`http2: true`), but the server did not pick h2 by ALPN or does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3).' },
  WS_ERR_CONNECT_FAILED: { closeCode: undefined, meaning: 'The TCP or TLS connection to the server failed, or it closed before answering the upgrade (`cause` has the reason).' },
  // The client's HTTP proxy (RFC 9110 §9.3.6 CONNECT): refusals carry the proxy's status and headers.
  WS_ERR_PROXY_CONNECT_FAILED: { closeCode: undefined, meaning: 'The TCP or TLS connection to the proxy failed (`cause` has the reason).' },
  WS_ERR_PROXY_AUTH_REQUIRED: { closeCode: undefined, meaning: 'The proxy answered CONNECT with 407 (or 401): it wants credentials (user:password in the proxy URL), or did not accept those sent.' },
  WS_ERR_PROXY_FORBIDDEN: { closeCode: undefined, meaning: 'The proxy answered CONNECT with 403: its policy allows no tunnel to this host or port.' },
  WS_ERR_PROXY_BAD_GATEWAY: { closeCode: undefined, meaning: 'The proxy answered CONNECT with 502 or 504: it could not reach the server.' },
  WS_ERR_PROXY_REFUSED: { closeCode: undefined, meaning: 'The proxy answered CONNECT with another status that is not 2xx.' },
  WS_ERR_PROXY_TUNNEL_CLOSED: { closeCode: undefined, meaning: 'The proxy closed the connection before answering CONNECT.' },
  WS_ERR_PROXY_TIMEOUT: { closeCode: undefined, meaning: 'The proxy did not answer CONNECT within handshakeTimeout (the timeout covers the proxy too).' },
  WS_ERR_INVALID_URL: { closeCode: undefined, meaning: 'The URL is not a ws:, wss:, http: or https: URL, or it has a fragment; or a proxy URL (option or environment) is not http: or https:.' },
  WS_ERR_INVALID_HEADER: { closeCode: undefined, meaning: 'A header given to the library has an invalid name, a value with CR, LF or other control characters, or a name the handshake sets itself.' },
  WS_ERR_INVALID_SUBPROTOCOL: { closeCode: undefined, meaning: 'A subprotocol given to the library is not a token, or is listed twice.' },
  WS_ERR_INVALID_EXTENSION: { closeCode: undefined, meaning: 'An extension given to the library has a name, parameter or value that is not a token.' },
  WS_ERR_INVALID_ORIGIN: { closeCode: undefined, meaning: 'An allowed origin given to the library is not a serialized origin (scheme://host[:port], no path or trailing slash; RFC 6454 §6.2) or null.' },
  WS_ERR_INVALID_STATUS: { closeCode: undefined, meaning: 'A refusal status is not an integer from 400 to 599.' },
  // Mistakes of the API caller: thrown at the call, nothing is sent.
  WS_ERR_NOT_OPEN: { closeCode: undefined, meaning: 'The connection closed before the data could be sent.' },
  WS_ERR_CLOSE_SENT: { closeCode: undefined, meaning: 'A frame was sent after our close frame (RFC 6455 §5.5.1).' },
  WS_ERR_INVALID_SEND_SEQUENCE: { closeCode: undefined, meaning: 'A continuation was sent with no fragmented message started, or a new message while one is (RFC 6455 §5.4).' },
  WS_ERR_INVALID_CLOSE_ARGUMENTS: { closeCode: undefined, meaning: 'sendClose got a code not allowed on the wire, a reason without a code, or a reason over 123 bytes (RFC 6455 §5.5, §7.4).' },
  WS_ERR_CONTROL_PAYLOAD_TOO_LONG: { closeCode: undefined, meaning: 'A ping or pong payload over 125 bytes was given to send (RFC 6455 §5.5).' },
} as const satisfies Record<string, { closeCode: number | undefined; meaning: string }>;

export type WebSocketErrorCode = keyof typeof WEBSOCKET_ERRORS;

/** Details a handshake failure carries: what the server answered instead of 101, the cause. */
export interface WebSocketErrorDetails {
  /** The HTTP status of a non-101 answer (WS_ERR_HANDSHAKE_BAD_STATUS), or of the proxy's refusal of CONNECT (WS_ERR_PROXY_*). */
  statusCode?: number | undefined;
  /** The headers of that answer. */
  headers?: Readonly<Record<string, string | string[] | undefined>> | undefined;
  cause?: unknown;
}

export class WebSocketError extends Error {
  readonly code: WebSocketErrorCode;
  /** The close code the connection is failed with; undefined for a caller's mistake. */
  readonly closeCode: number | undefined;
  readonly statusCode: number | undefined;
  readonly headers: WebSocketErrorDetails['headers'];

  constructor(code: WebSocketErrorCode, message: string, details: WebSocketErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'WebSocketError';
    this.code = code;
    this.closeCode = WEBSOCKET_ERRORS[code].closeCode;
    this.statusCode = details.statusCode;
    this.headers = details.headers;
  }
}
