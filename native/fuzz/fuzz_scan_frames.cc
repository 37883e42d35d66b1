// libFuzzer target: scan_frames (native/README.md, "scanFrames") under every instruction set,
// against a reference walk written from the README's contract alone, one frame at a time with
// the scalar reference for unmasking and UTF-8: the same records, the same state, the same bytes
// (payloads unmasked in place). Input: 1 byte config, 1 byte message kind, 1 byte choosing the
// largest payload, 1 byte the room for records, 1 byte the start offset, up to 3 bytes of an
// earlier text piece (the UTF-8 state), then the chunk.
#include <algorithm>
#include <cstring>

#include "fuzz_common.h"
#include "mask.h"
#include "scan_frames.h"

using namespace wsframe;
using namespace wsframe::fuzz;

namespace {

uint64_t big_endian(const uint8_t* bytes, size_t count) {
  uint64_t value = 0;
  for (size_t i = 0; i < count; i++) value = (value << 8) | bytes[i];
  return value;
}

// The README's contract, rule by rule.
size_t reference_scan(uint8_t* chunk, size_t length, size_t start, int32_t* out, size_t out_length, int32_t* state) {
  size_t records = 0;
  size_t at = start;
  for (;;) {
    if ((records + 1) * kScanRecordSize > out_length) break;  // 8. no room for a record
    if (length < at + 2) break;                                 // 1. header incomplete
    const uint8_t head = chunk[at];
    const uint8_t second = chunk[at + 1];
    const bool fin = head & 0x80;
    const int opcode = head & 0x0F;
    if (head & 0x70) break;                                            // 2. RSV bits
    if ((opcode >= 3 && opcode <= 7) || opcode >= 11) break;           // 3. reserved opcode
    const bool control = opcode >= 8;
    if (control && (!fin || (second & 0x7F) > 125)) break;            // 4. control frame rules
    if (opcode == 0 && state[kScanMessage] == 0) break;                // 5. nothing to continue
    if ((opcode == 1 || opcode == 2) && state[kScanMessage] != 0) break;  //  … or a message inside one
    const bool masked = second & 0x80;
    if ((state[kScanConfig] & kScanConfigRequireMask) && !masked) break;  // 6. MASK bit
    if ((state[kScanConfig] & kScanConfigForbidMask) && masked) break;
    size_t header = 2;
    uint64_t payload_length = second & 0x7F;
    if (payload_length == 126) {
      header = 4;
      if (length < at + header) break;
      payload_length = big_endian(chunk + at + 2, 2);
    } else if (payload_length == 127) {
      header = 10;
      if (length < at + header) break;
      payload_length = big_endian(chunk + at + 2, 8);
    }
    if (masked) header += 4;
    if (length < at + header) break;
    if (state[kScanMaxPayload] < 0 || payload_length > static_cast<uint64_t>(state[kScanMaxPayload])) break;  // 7.
    if (length - at - header < payload_length) break;  // 1. payload incomplete

    uint8_t* payload = chunk + at + header;
    const size_t size = static_cast<size_t>(payload_length);
    if (masked) xor_mask_scalar(payload, payload, size, load_key(chunk + at + header - 4));
    const bool text = opcode == 1 || (opcode == 0 && state[kScanMessage] == 1);
    const int32_t verdict = text ? reference_continue(state[kScanUtf8], payload, size, fin) : 0;
    int32_t* record = out + records * kScanRecordSize;
    record[0] = head;
    record[1] = static_cast<int32_t>(at + header);
    record[2] = static_cast<int32_t>(size);
    record[3] = verdict;
    records++;
    at += header + size;
    if (text) state[kScanUtf8] = verdict;
    if ((opcode == 1 || opcode == 2) && !fin) state[kScanMessage] = opcode;
    if (opcode == 0 && fin) {
      state[kScanMessage] = 0;
      if (!text) state[kScanUtf8] = 0;  // a transformed message's state ends with it; a text one is its verdict
    }
    if (verdict == kUtf8Invalid || opcode == 8) break;  // stops after an invalid text frame or a close
  }
  return records;
}

constexpr int32_t kMaxPayloads[] = {-1, 0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 0x7FFFFFFF};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input input(data, size);
  int32_t initial[kScanStateSize];
  initial[kScanConfig] = input.byte() % 3;  // neither, require, or forbid the MASK bit
  initial[kScanMessage] = input.byte() & 3;
  initial[kScanMaxPayload] = kMaxPayloads[input.byte() % (sizeof kMaxPayloads / sizeof kMaxPayloads[0])];
  const size_t out_length = (1 + input.byte() % 64) * kScanRecordSize + input.byte() % kScanRecordSize;
  const size_t start_choice = input.byte();
  uint8_t earlier[3];
  const size_t earlier_length = start_choice >> 6;
  input.bytes(earlier, earlier_length);
  int32_t utf8_state = initial[kScanMessage] == 1 ? utf8_validate_scalar(earlier, earlier_length) : 0;
  initial[kScanUtf8] = utf8_state == kUtf8Invalid ? 0 : utf8_state;
  const Bytes chunk = input.rest();
  const size_t start = chunk.empty() ? 0 : (start_choice & 63) % (chunk.size() + 1);

  Bytes expected_chunk = chunk;
  std::vector<int32_t> expected_out(out_length, 0x5A5A5A5A);
  int32_t expected_state[kScanStateSize];
  std::memcpy(expected_state, initial, sizeof initial);
  const size_t expected_records = reference_scan(expected_chunk.data(), expected_chunk.size(), start, expected_out.data(), out_length, expected_state);

  for_each_isa([&](Isa) {
    Bytes scanned = chunk;  // exactly the chunk's size: ASan sees any read past it
    std::vector<int32_t> out(out_length, 0x5A5A5A5A);
    int32_t state[kScanStateSize];
    std::memcpy(state, initial, sizeof initial);
    const size_t records = scan_frames(scanned.data(), scanned.size(), start, out.data(), out_length, state);
    FUZZ_CHECK(records == expected_records, "%zu records, reference %zu", records, expected_records);
    FUZZ_CHECK(out == expected_out, "records differ (%zu of them)", records);
    FUZZ_CHECK(std::equal(state, state + kScanStateSize, expected_state), "state [%d %d], reference [%d %d]", state[0], state[1],
               expected_state[0], expected_state[1]);
    FUZZ_CHECK(scanned == expected_chunk, "the chunk's bytes differ after the scan");
  });
  return 0;
}
