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

// Payloads up to this size take the plain word loops below instead of the dispatched kernels: a
// vector kernel's setup and partial-block handling cost more than the loop for a few words
// (frames of a chat or a game are mostly this short).
constexpr size_t kShortPayload = 128;

// dst[i] = src[i] ^ key byte (i & 3), eight bytes at a time (dst may equal src), returning the
// OR of the output words: the one masking loop of the scalar reference and of short payloads.
inline uint64_t xor_mask_words(const uint8_t* src, uint8_t* dst, size_t length, uint32_t key) {
  const uint64_t key_word = (uint64_t{key} << 32) | key;  // the key twice, in memory order
  uint64_t seen = 0;
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    std::memcpy(&word, src + i, 8);
    word ^= key_word;
    std::memcpy(dst + i, &word, 8);
    seen |= word;
  }
  if (i + 4 <= length) {  // i is a multiple of 8, so the key is not rotated
    uint32_t word;
    std::memcpy(&word, src + i, 4);
    word ^= key;
    std::memcpy(dst + i, &word, 4);
    seen |= word;
    i += 4;
  }
  uint8_t key_bytes[4];
  std::memcpy(key_bytes, &key, 4);
  for (size_t k = 0; i < length; i++, k++) {
    dst[i] = src[i] ^ key_bytes[k];
    seen |= dst[i];
  }
  return seen;
}

// bytes[i] ^= key byte (i & 3) in place, and whether every unmasked byte is ASCII (below 0x80):
// one pass for the common short text frame.
inline bool unmask_short_is_ascii(uint8_t* bytes, size_t length, uint32_t key) {
  return (xor_mask_words(bytes, bytes, length, key) & 0x8080808080808080ull) == 0;
}

// Whether every byte is ASCII, eight bytes at a time (for short inputs, like the above).
inline bool short_is_ascii(const uint8_t* bytes, size_t length) {
  uint64_t seen = 0;
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    seen |= word;
  }
  for (; i < length; i++) seen |= bytes[i];
  return (seen & 0x8080808080808080ull) == 0;
}

// Frame-level entry points over the dispatched kernels (native/README.md).
// output[i] = source[i] ^ key[i & 3] for i < length.
void mask(const uint8_t* source, const uint8_t* key_bytes, uint8_t* output, size_t length);
// bytes[i] ^= key[i & 3] in place.
void unmask(uint8_t* bytes, size_t length, const uint8_t* key_bytes);

}  // namespace wsframe

#endif  // WSFRAME_MASK_H_
