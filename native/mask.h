// Masking (RFC 6455 §5.3): payload byte i is XORed with byte (i & 3) of the 4-byte masking key.
#ifndef WSFRAME_MASK_H_
#define WSFRAME_MASK_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace wsframe {

// The four key bytes as they lie in memory, in one word: SIMD code splats it into a vector
// and the bytes stay in memory order.
inline uint32_t load_key(const uint8_t* key_bytes) {
  uint32_t key;
  std::memcpy(&key, key_bytes, 4);
  return key;
}

// The key as seen from `offset` bytes into the payload: byte i of the result is byte
// (offset + i) & 3 of `key`.
inline uint32_t rotate_key(uint32_t key, uint64_t offset) {
  uint8_t bytes[4];
  uint8_t rotated[4];
  std::memcpy(bytes, &key, 4);
  for (unsigned i = 0; i < 4; i++) rotated[i] = bytes[(offset + i) & 3];
  return load_key(rotated);
}

void xor_mask_scalar(const uint8_t* src, uint8_t* dst, size_t length, uint32_t key);

// Frame-level entry points over the dispatched kernels (native/README.md).
// output[i] = source[i] ^ key[i & 3] for i < length.
void mask(const uint8_t* source, const uint8_t* key_bytes, uint8_t* output, size_t length);
// bytes[i] ^= key[i & 3] in place.
void unmask(uint8_t* bytes, size_t length, const uint8_t* key_bytes);

}  // namespace wsframe

#endif  // WSFRAME_MASK_H_
