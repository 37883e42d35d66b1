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
  WS_ERR_PONG_TIMEOUT: { closeCode: 1001, meaning: 'The peer did not answer a heartbeat ping within pingInterval.' },
  // Mistakes of the API caller: thrown at the call, nothing is sent.
  WS_ERR_NOT_OPEN: { closeCode: undefined, meaning: 'The connection closed before the data could be sent.' },
  WS_ERR_CLOSE_SENT: { closeCode: undefined, meaning: 'A frame was sent after our close frame (RFC 6455 §5.5.1).' },
  WS_ERR_INVALID_SEND_SEQUENCE: { closeCode: undefined, meaning: 'A continuation was sent with no fragmented message started, or a new message while one is (RFC 6455 §5.4).' },
  WS_ERR_INVALID_CLOSE_ARGUMENTS: { closeCode: undefined, meaning: 'sendClose got a code not allowed on the wire, a reason without a code, or a reason over 123 bytes (RFC 6455 §5.5, §7.4).' },
  WS_ERR_CONTROL_PAYLOAD_TOO_LONG: { closeCode: undefined, meaning: 'A ping or pong payload over 125 bytes was given to send (RFC 6455 §5.5).' },
} as const satisfies Record<string, { closeCode: number | undefined; meaning: string }>;

export type WebSocketErrorCode = keyof typeof WEBSOCKET_ERRORS;

export class WebSocketError extends Error {
  readonly code: WebSocketErrorCode;
  /** The close code the connection is failed with; undefined for a caller's mistake. */
  readonly closeCode: number | undefined;

  constructor(code: WebSocketErrorCode, message: string) {
    super(message);
    this.name = 'WebSocketError';
    this.code = code;
    this.closeCode = WEBSOCKET_ERRORS[code].closeCode;
  }
}
