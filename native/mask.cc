#include "mask.h"

#include "cpu.h"

namespace wsframe {

void xor_mask_scalar(const uint8_t* src, uint8_t* dst, size_t length, uint32_t key) {
  // Eight bytes at a time: the key repeats every four bytes, so a word holds it twice.
  uint8_t pattern[8];
  std::memcpy(pattern, &key, 4);
  std::memcpy(pattern + 4, &key, 4);
  uint64_t key_word;
  std::memcpy(&key_word, pattern, 8);
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    std::memcpy(&word, src + i, 8);
    word ^= key_word;
    std::memcpy(dst + i, &word, 8);
  }
  for (; i < length; i++) dst[i] = src[i] ^ pattern[i & 3];
}

void mask(const uint8_t* source, const uint8_t* key_bytes, uint8_t* output, size_t length) {
  if (length <= kShortPayload) return xor_mask_scalar(source, output, length, load_key(key_bytes));
  current_kernels->xor_mask(source, output, length, load_key(key_bytes));
}

void unmask(uint8_t* bytes, size_t length, const uint8_t* key_bytes) {
  if (length <= kShortPayload) return xor_mask_scalar(bytes, bytes, length, load_key(key_bytes));
  current_kernels->xor_mask(bytes, bytes, length, load_key(key_bytes));
}

}  // namespace wsframe
