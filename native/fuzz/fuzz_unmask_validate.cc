// libFuzzer target: fused unmask + UTF-8 validation, under every instruction set, against the
// scalar reference (xor_mask_scalar, then the streaming reference): the kernel's
// unmask_utf8_complete and the entry point unmask_and_validate_utf8 with any key rotation and a
// state carried from an earlier piece. Input: 4 key bytes, 1 byte of key offset and flags,
// up to 3 bytes of an earlier piece, then the masked payload.
#include <cstring>

#include "fuzz_common.h"
#include "mask.h"

using namespace wsframe;
using namespace wsframe::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input input(data, size);
  uint8_t key_bytes[4];
  input.bytes(key_bytes, 4);
  const uint8_t flags = input.byte();
  const size_t key_offset = flags & 3;
  const bool final = (flags & 4) != 0;
  // A state as a text message that ended inside a character leaves it (invalid ones: start at 0).
  uint8_t earlier[3];
  const size_t earlier_length = (flags >> 3) & 3;
  input.bytes(earlier, earlier_length);
  int32_t state = utf8_validate_scalar(earlier, earlier_length);
  if (state == kUtf8Invalid) state = 0;
  const Bytes masked = input.rest();
  const size_t length = masked.size();
  const uint32_t key = rotate_key(load_key(key_bytes), key_offset);

  Bytes plain(length);
  xor_mask_scalar(masked.data(), plain.data(), length, key);
  const bool complete = utf8_complete_scalar(plain.data(), length);
  const int32_t expected = reference_continue(state, plain.data(), length, final);

  for_each_isa([&](Isa isa) {
    Bytes buffer = masked;
    FUZZ_CHECK(kernels_for(isa).unmask_utf8_complete(buffer.data(), length, key) == complete, "unmask_utf8_complete, length %zu", length);
    FUZZ_CHECK(buffer == plain, "unmask_utf8_complete left bytes masked, length %zu", length);

    buffer = masked;
    const int32_t verdict = unmask_and_validate_utf8(buffer.data(), length, key, state, final);
    FUZZ_CHECK(verdict == expected, "unmask_and_validate_utf8: %d, reference %d (length %zu, state %d)", verdict, expected, length, state);
    // Every byte is unmasked, even when the text is invalid (README).
    FUZZ_CHECK(buffer == plain, "unmask_and_validate_utf8 left bytes masked, length %zu", length);
  });
  return 0;
}
