// What the libFuzzer targets share (native/fuzz/README.md): reading the fuzzer's bytes as
// parameters, running a check under every instruction set this CPU has, and the reference
// verdicts every kernel is compared with. A mismatch aborts, so libFuzzer saves the input.
#ifndef WSFRAME_FUZZ_COMMON_H_
#define WSFRAME_FUZZ_COMMON_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "cpu.h"
#include "utf8.h"

namespace wsframe::fuzz {

using Bytes = std::vector<uint8_t>;

#define FUZZ_CHECK(condition, ...)                                                \
  do {                                                                            \
    if (!(condition)) {                                                           \
      std::fprintf(stderr, "FUZZ_CHECK failed %s:%d (%s) [isa %s]: ", __FILE__, __LINE__, #condition, \
                   ::wsframe::isa_name(::wsframe::current_isa()));                 \
      std::fprintf(stderr, __VA_ARGS__);                                          \
      std::fprintf(stderr, "\n");                                                 \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

// The fuzzer's input read front to back: parameters first, the rest is data.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return size_ > 0 ? (size_--, *data_++) : 0; }
  void bytes(uint8_t* out, size_t count) {
    for (size_t i = 0; i < count; i++) out[i] = byte();
  }
  Bytes rest() {
    Bytes out(data_, data_ + size_);
    data_ += size_;
    size_ = 0;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

// Runs `check` once per instruction set this CPU runs, with the dispatched entry points
// (validate_utf8, unmask, scan_frames, …) switched to it; the best one is selected again after.
template <typename Check>
void for_each_isa(Check check) {
  Isa isas[kIsaCount];
  const size_t count = available_isas(isas);
  const Isa best = isas[0];
  for (size_t i = 0; i < count; i++) {
    use_isa(isa_name(isas[i]));
    check(isas[i]);
  }
  use_isa(isa_name(best));
}

// The streaming verdict the README specifies, from the scalar reference alone: the pending bytes
// a state carries, then `bytes`, validated from a character boundary by utf8_validate_scalar;
// with `final`, ending inside a character is invalid.
inline int32_t reference_continue(int32_t state, const uint8_t* bytes, size_t length, bool final) {
  Bytes whole;
  for (int32_t i = 0; i < (state & 3); i++) whole.push_back(static_cast<uint8_t>(state >> (2 + 8 * i)));
  whole.insert(whole.end(), bytes, bytes + length);
  const int32_t verdict = utf8_validate_scalar(whole.data(), whole.size());
  return final && verdict != 0 ? kUtf8Invalid : verdict;
}

// The bytes cut into pieces at the split points the input chooses: each piece's length is one
// input byte (0 allowed, so empty pieces are tried too).
inline std::vector<size_t> piece_lengths(Input& input, size_t total, size_t max_pieces) {
  std::vector<size_t> lengths;
  size_t used = 0;
  while (used < total && lengths.size() + 1 < max_pieces) {
    const size_t length = std::min<size_t>(input.byte(), total - used);
    lengths.push_back(length);
    used += length;
  }
  lengths.push_back(total - used);
  return lengths;
}

}  // namespace wsframe::fuzz

#endif  // WSFRAME_FUZZ_COMMON_H_
