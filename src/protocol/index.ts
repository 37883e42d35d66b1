/** The sans-I/O protocol layer: what other layers and the package entry use from src/protocol/. */

export { Protocol, DEFAULT_MAX_MESSAGE_SIZE } from './protocol.js';
export type { MessageCompressor, ProtocolListener, ProtocolOptions, ProtocolState } from './protocol.js';
export { WebSocketError, WEBSOCKET_ERRORS } from './errors.js';
export type { WebSocketErrorCode } from './errors.js';
export {
  CLOSE_NORMAL,
  CLOSE_GOING_AWAY,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_UNSUPPORTED_DATA,
  CLOSE_NO_STATUS,
  CLOSE_ABNORMAL,
  CLOSE_INVALID_PAYLOAD,
  CLOSE_POLICY_VIOLATION,
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_INTERNAL_ERROR,
  MAX_CLOSE_REASON_BYTES,
  isValidWireCloseCode,
} from './close-codes.js';
export type { CloseStatus } from './close-codes.js';
export { fragmentAllowance } from './frame-parser.js';
export type { MessageMemory, MessageTransform } from './frame-parser.js';
export { frameHead, serializeFrame } from './frame-serializer.js';
export {
  OPCODE_CONTINUATION,
  OPCODE_TEXT,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_PING,
  OPCODE_PONG,
} from './opcodes.js';
