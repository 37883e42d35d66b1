/**
 * Frame opcodes (RFC 6455 §5.2, registry in §11.8). 0x3-0x7 and 0xB-0xF are reserved: a frame
 * that uses one is a protocol error (§5.2: "If an unknown opcode is received, the receiving
 * endpoint MUST _Fail the WebSocket Connection_").
 */

export const OPCODE_CONTINUATION = 0x0;
export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;
export const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

/** RFC 6455 §5.5: control frames are those whose opcode has its most significant bit set. */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** True for the six opcodes RFC 6455 defines; false for the reserved ones. */
export function isKnownOpcode(opcode: number): boolean {
  return opcode <= OPCODE_BINARY || (opcode >= OPCODE_CLOSE && opcode <= OPCODE_PONG);
}
