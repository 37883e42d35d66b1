#include "utf8.h"

#include <algorithm>
#include <cstring>

#include "cpu.h"
#include "mask.h"

namespace wsframe {

namespace {

// RFC 3629 §4 (the table of well-formed byte sequences): the lead byte fixes the length, and
// the range of the second byte excludes overlong forms (E0, F0), surrogates (ED) and code
// points above U+10FFFF (F4). Later bytes are always 80..BF.
struct LeadRule {
  int length;  // -1: the byte cannot start a character
  uint8_t second_min;
  uint8_t second_max;
};

LeadRule lead_rule(uint8_t lead) {
  if (lead < 0x80) return {1, 0, 0};
  if (lead < 0xC2) return {-1, 0, 0};  // a continuation byte, or C0/C1 (overlong 2-byte forms)
  if (lead < 0xE0) return {2, 0x80, 0xBF};
  if (lead == 0xE0) return {3, 0xA0, 0xBF};
  if (lead == 0xED) return {3, 0x80, 0x9F};
  if (lead < 0xF0) return {3, 0x80, 0xBF};
  if (lead == 0xF0) return {4, 0x90, 0xBF};
  if (lead < 0xF4) return {4, 0x80, 0xBF};
  if (lead == 0xF4) return {4, 0x80, 0x8F};
  return {-1, 0, 0};  // F5..FF
}

int32_t pending_state(const uint8_t* bytes, size_t count) {
  int32_t state = static_cast<int32_t>(count);
  for (size_t i = 0; i < count; i++) state |= static_cast<int32_t>(bytes[i]) << (2 + 8 * i);
  return state;
}

int32_t final_verdict(int32_t state, bool final) { return final && state != 0 ? kUtf8Invalid : state; }

// Length of the unfinished sequence that the `count` (<= 3) bytes at `last` end with, or 0 when
// the last sequence is complete as far as its lead byte tells. Whether it is well formed is
// checked afterwards, by the scalar code for an unfinished sequence and by the kernel otherwise.
size_t unfinished_tail_length(const uint8_t* last, size_t count) {
  for (size_t back = 1; back <= count; back++) {
    const uint8_t byte = last[count - back];
    if ((byte & 0xC0) != 0x80) {
      const size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
      return length > back ? back : 0;
    }
  }
  return 0;
}

// validate_utf8 and, with kUnmask, unmask_and_validate_utf8 (then `bytes` is written, otherwise
// only read). The character pending in `state` is finished and an unfinished last character is
// checked by the scalar reference; the kernel gets the middle, which starts and must end at a
// character boundary, so every split of a message gives the verdict of the whole.
template <bool kUnmask>
int32_t continue_utf8(uint8_t* bytes, size_t length, uint32_t key, int32_t state, bool final) {
  if (length == 0) return final_verdict(state, final);
  const auto plaintext = [&](size_t from, size_t count, uint8_t* out) {
    for (size_t i = 0; i < count; i++) out[i] = bytes[from + i];
    if (kUnmask) xor_mask_scalar(out, out, count, rotate_key(key, from));
  };
  const auto unmask_range = [&](size_t from, size_t to) {
    if (kUnmask && to > from) current_kernels->xor_mask(bytes + from, bytes + from, to - from, rotate_key(key, from));
  };

  size_t start = 0;
  if (state != 0) {
    uint8_t sequence[4];
    const size_t pending = static_cast<size_t>(state & 3);
    for (size_t i = 0; i < pending; i++) sequence[i] = static_cast<uint8_t>(state >> (2 + 8 * i));
    const int lead_length = pending == 0 ? 0 : lead_rule(sequence[0]).length;
    const size_t needed = lead_length > static_cast<int>(pending) ? lead_length - pending : 0;
    const size_t taken = std::min(needed, length);
    plaintext(0, taken, sequence + pending);
    const int32_t verdict = utf8_validate_scalar(sequence, pending + taken);
    if (verdict != 0 || taken < needed) {
      unmask_range(0, length);
      return final_verdict(verdict, final);
    }
    unmask_range(0, taken);
    start = taken;
  }

  uint8_t last[3];
  const size_t last_count = std::min<size_t>(3, length - start);
  plaintext(length - last_count, last_count, last);
  const size_t middle_end = length - unfinished_tail_length(last, last_count);
  const bool middle_valid =
      kUnmask ? current_kernels->unmask_utf8_complete(bytes + start, middle_end - start, rotate_key(key, start))
              : current_kernels->utf8_complete(bytes + start, middle_end - start);
  unmask_range(middle_end, length);
  if (!middle_valid) return kUtf8Invalid;
  return final_verdict(utf8_validate_scalar(bytes + middle_end, length - middle_end), final);
}

}  // namespace

int utf8_sequence_length(const uint8_t* bytes, size_t available) {
  const LeadRule rule = lead_rule(bytes[0]);
  for (int i = 1; i < rule.length; i++) {
    if (static_cast<size_t>(i) == available) return 0;
    const uint8_t min = i == 1 ? rule.second_min : 0x80;
    const uint8_t max = i == 1 ? rule.second_max : 0xBF;
    if (bytes[i] < min || bytes[i] > max) return -1;
  }
  return rule.length;
}

int32_t utf8_validate_scalar(const uint8_t* bytes, size_t length) {
  size_t i = 0;
  while (i < length) {
    if (i + 8 <= length) {  // skip ASCII eight bytes at a time
      uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    const int sequence = utf8_sequence_length(bytes + i, length - i);
    if (sequence < 0) return kUtf8Invalid;
    if (sequence == 0) return pending_state(bytes + i, length - i);
    i += static_cast<size_t>(sequence);
  }
  return 0;
}

bool utf8_complete_scalar(const uint8_t* bytes, size_t length) { return utf8_validate_scalar(bytes, length) == 0; }

bool unmask_utf8_complete_scalar(uint8_t* bytes, size_t length, uint32_t key) {
  xor_mask_scalar(bytes, bytes, length, key);
  return utf8_complete_scalar(bytes, length);
}

int32_t validate_utf8(const uint8_t* bytes, size_t length, int32_t state, bool final) {
  if (state == 0 && length <= kShortPayload && short_is_ascii(bytes, length)) return 0;
  // continue_utf8<false> only reads the bytes.
  return continue_utf8<false>(const_cast<uint8_t*>(bytes), length, 0, state, final);
}

int32_t unmask_and_validate_utf8(uint8_t* bytes, size_t length, uint32_t key, int32_t state, bool final) {
  if (length <= kShortPayload) {
    // Unmasked here in one pass; only text that is not plain ASCII is then validated as such.
    if (unmask_short_is_ascii(bytes, length, key) && state == 0) return 0;
    return continue_utf8<false>(bytes, length, 0, state, final);
  }
  return continue_utf8<true>(bytes, length, key, state, final);
}

}  // namespace wsframe
