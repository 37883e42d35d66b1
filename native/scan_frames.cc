#include "scan_frames.h"

#include "mask.h"
#include "utf8.h"

namespace wsframe {

namespace {

// RFC 6455 §5.2 opcodes and message kinds of state[kScanMessage].
constexpr int kOpContinuation = 0;
constexpr int kOpText = 1;
constexpr int kOpBinary = 2;
constexpr int kOpClose = 8;
constexpr int32_t kMessageNone = 0;
constexpr int32_t kMessageText = 1;

bool is_reserved_opcode(int opcode) { return (opcode >= 3 && opcode <= 7) || opcode >= 11; }

uint64_t read_big_endian(const uint8_t* bytes, size_t count) {
  uint64_t value = 0;
  for (size_t i = 0; i < count; i++) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

size_t scan_frames(uint8_t* chunk, size_t chunk_length, size_t start, int32_t* out, size_t out_length,
                   int32_t* state) {
  int32_t message = state[kScanMessage];
  int32_t utf8_state = state[kScanUtf8];
  const int32_t config = state[kScanConfig];
  const int32_t max_payload = state[kScanMaxPayload];
  const size_t max_records = out_length / kScanRecordSize;

  size_t records = 0;
  size_t position = start;
  // Every `break` below is a stop rule of native/README.md; the TypeScript parser takes over there.
  while (records < max_records && chunk_length - position >= 2) {
    const uint8_t* header = chunk + position;
    const size_t available = chunk_length - position;
    const bool fin = (header[0] & 0x80) != 0;
    const int opcode = header[0] & 0x0F;
    const bool masked = (header[1] & 0x80) != 0;
    const unsigned length_code = header[1] & 0x7F;

    if ((header[0] & 0x70) != 0 || is_reserved_opcode(opcode)) break;
    if (opcode >= kOpClose && (!fin || length_code > 125)) break;  // §5.5: control frames
    if (opcode < kOpClose && (opcode == kOpContinuation) != (message != kMessageNone)) break;  // §5.4
    if (masked ? (config & kScanConfigForbidMask) != 0 : (config & kScanConfigRequireMask) != 0) break;

    const size_t length_bytes = length_code == 126 ? 2 : length_code == 127 ? 8 : 0;
    const size_t header_length = 2 + length_bytes + (masked ? 4 : 0);
    if (available < header_length) break;
    const uint64_t payload_length = length_bytes == 0 ? length_code : read_big_endian(header + 2, length_bytes);
    if (max_payload < 0 || payload_length > static_cast<uint64_t>(max_payload)) break;
    if (available - header_length < payload_length) break;

    const size_t payload_start = position + header_length;
    uint8_t* payload = chunk + payload_start;
    const size_t payload_size = static_cast<size_t>(payload_length);
    const uint32_t key = masked ? load_key(header + header_length - 4) : 0;
    const bool text = opcode == kOpText || (opcode == kOpContinuation && message == kMessageText);
    int32_t verdict = 0;
    if (masked && payload_size <= kShortPayload) {
      // The common short frame, inline: unmasked and checked for ASCII in one pass. Only text that
      // is not plain ASCII starting at a character boundary needs the validator.
      const bool ascii = unmask_short_is_ascii(payload, payload_size, key);
      if (text && !(ascii && utf8_state == 0)) verdict = validate_utf8(payload, payload_size, utf8_state, fin);
    } else if (text) {
      verdict = masked ? unmask_and_validate_utf8(payload, payload_size, key, utf8_state, fin)
                       : validate_utf8(payload, payload_size, utf8_state, fin);
    } else if (masked) {
      unmask(payload, payload_size, header + header_length - 4);
    }
    if (text) utf8_state = verdict;

    int32_t* record = out + records * kScanRecordSize;
    record[0] = header[0];
    record[1] = static_cast<int32_t>(payload_start);
    record[2] = static_cast<int32_t>(payload_length);
    record[3] = verdict;
    records++;
    position = payload_start + payload_size;

    if (opcode == kOpText || opcode == kOpBinary) {
      if (!fin) message = opcode;
    } else if (opcode == kOpContinuation && fin) {
      message = kMessageNone;
      // A text message's final verdict is its state (0, or invalid). The state of a transformed
      // message is the caller's (of its output): it ends here, not carried into the next message.
      if (!text) utf8_state = 0;
    }
    if (verdict == kUtf8Invalid || opcode == kOpClose) break;
  }
  state[kScanMessage] = message;
  state[kScanUtf8] = utf8_state;
  return records;
}

}  // namespace wsframe
