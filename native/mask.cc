#include "mask.h"

#include "cpu.h"

namespace wsframe {

void xor_mask_scalar(const uint8_t* src, uint8_t* dst, size_t length, uint32_t key) {
  xor_mask_words(src, dst, length, key);
}

void mask(const uint8_t* source, const uint8_t* key_bytes, uint8_t* output, size_t length) {
  if (length <= kShortPayload) return xor_mask_scalar(source, output, length, load_key(key_bytes));
  current_kernels->xor_mask(source, output, length, load_key(key_bytes));
}

void unmask(uint8_t* bytes, size_t length, const uint8_t* key_bytes) { mask(bytes, key_bytes, bytes, length); }

}  // namespace wsframe
