/**
 * Every error code the handshake layer reports, with its one-line meaning (this table goes into
 * the README). Server refusals carry one of the `WS_ERR_HANDSHAKE_*` codes next to their HTTP
 * status; the client's response check reports them too; the `WS_ERR_INVALID_*` codes are thrown
 * at a caller that passed something unusable, before any byte is sent.
 */
export const HANDSHAKE_ERROR_CODES = {
  WS_ERR_HANDSHAKE_BAD_METHOD: 'The upgrade request method is not GET (HTTP 405).',
  WS_ERR_HANDSHAKE_BAD_HTTP_VERSION: 'The upgrade request is older than HTTP/1.1 (HTTP 400).',
  WS_ERR_HANDSHAKE_BAD_HOST: 'The upgrade request has no Host header, or more than one (HTTP 400).',
  WS_ERR_HANDSHAKE_BAD_UPGRADE: 'The Upgrade header does not name websocket.',
  WS_ERR_HANDSHAKE_BAD_CONNECTION: 'The Connection header does not contain the upgrade option.',
  WS_ERR_HANDSHAKE_BAD_KEY: 'Sec-WebSocket-Key is missing, repeated, or not the base64 of 16 bytes (HTTP 400).',
  WS_ERR_HANDSHAKE_BAD_VERSION: 'Sec-WebSocket-Version is missing or not 13 (HTTP 426), or repeated (HTTP 400).',
  WS_ERR_HANDSHAKE_BAD_ORIGIN: 'Origin is missing or not in the allowed origins (HTTP 403), or repeated (HTTP 400).',
  WS_ERR_HANDSHAKE_BAD_PROTOCOL: 'Sec-WebSocket-Protocol is malformed, repeats a name, or names a subprotocol the client did not offer.',
  WS_ERR_HANDSHAKE_BAD_EXTENSIONS: 'Sec-WebSocket-Extensions is malformed, or names an extension the client did not offer or names one twice.',
  WS_ERR_HANDSHAKE_BAD_STATUS: 'The server answered the upgrade request with a status other than 101.',
  WS_ERR_HANDSHAKE_BAD_ACCEPT: 'Sec-WebSocket-Accept is missing or does not match the key that was sent.',
  WS_ERR_INVALID_URL: 'The URL is not a ws:, wss:, http: or https: URL, or it has a fragment.',
  WS_ERR_INVALID_HEADER: 'A header given to the library has an invalid name, a value with CR, LF or other control characters, or a name the handshake sets itself.',
  WS_ERR_INVALID_SUBPROTOCOL: 'A subprotocol given to the library is not a token, or is listed twice.',
  WS_ERR_INVALID_EXTENSION: 'An extension given to the library has a name, parameter or value that is not a token.',
  WS_ERR_INVALID_STATUS: 'A refusal status is not an integer from 400 to 599.',
} as const;

export type HandshakeErrorCode = keyof typeof HANDSHAKE_ERROR_CODES;

/**
 * Thrown for the `WS_ERR_INVALID_*` codes. Same shape as the protocol layer's error (a stable
 * `code` plus a message) so the two can be merged into one class.
 */
export class HandshakeError extends Error {
  readonly code: HandshakeErrorCode;

  constructor(code: HandshakeErrorCode, message: string) {
    super(message);
    this.name = 'HandshakeError';
    this.code = code;
  }
}
