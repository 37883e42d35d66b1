// libFuzzer target: mask and unmask (RFC 6455 §5.3) under every instruction set against the
// scalar reference, at any length, alignment and key. Input: 4 key bytes, 1 alignment byte, data.
#include <algorithm>

#include "fuzz_common.h"
#include "mask.h"

using namespace wsframe;
using namespace wsframe::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input input(data, size);
  uint8_t key_bytes[4];
  input.bytes(key_bytes, 4);
  const size_t alignment = input.byte() & 63;
  const Bytes source = input.rest();
  const size_t length = source.size();
  const uint32_t key = load_key(key_bytes);

  Bytes expected(length);
  for (size_t i = 0; i < length; i++) expected[i] = source[i] ^ key_bytes[i & 3];
  Bytes reference(length);
  xor_mask_scalar(source.data(), reference.data(), length, key);
  FUZZ_CHECK(reference == expected, "xor_mask_scalar differs from the definition at length %zu", length);

  for_each_isa([&](Isa isa) {
    // Buffers exactly as long as the data (ASan sees any overrun), placed at an odd alignment.
    Bytes room(length + alignment);
    uint8_t* buffer = room.data() + alignment;
    std::copy(source.begin(), source.end(), buffer);
    kernels_for(isa).xor_mask(buffer, buffer, length, key);
    FUZZ_CHECK(std::equal(expected.begin(), expected.end(), buffer), "xor_mask in place, length %zu", length);

    Bytes output(length + alignment);
    mask(source.data(), key_bytes, output.data() + alignment, length);
    FUZZ_CHECK(std::equal(expected.begin(), expected.end(), output.data() + alignment), "mask, length %zu", length);

    std::copy(source.begin(), source.end(), buffer);
    unmask(buffer, length, key_bytes);
    FUZZ_CHECK(std::equal(expected.begin(), expected.end(), buffer), "unmask, length %zu", length);
    unmask(buffer, length, key_bytes);
    FUZZ_CHECK(std::equal(source.begin(), source.end(), buffer), "unmask twice is not the identity, length %zu", length);
  });
  return 0;
}
