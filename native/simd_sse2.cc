// The SSE2 kernels (part of every x86-64 CPU): 16-byte vectors. SSE2 has no byte shuffle for
// the UTF-8 lookup tables, so UTF-8 skips ASCII with vectors and walks the rest scalar-ly.
#include "isa_target.h"

#if defined(WSFRAME_X86_64)
#include <emmintrin.h>

#include <cstring>

#include "cpu.h"
#include "utf8.h"

WSFRAME_TARGET_BEGIN("sse2")

namespace wsframe {
namespace {

struct Sse2 {
  using Vector = __m128i;
  static constexpr size_t kWidth = 16;

  static Vector load(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
  static void store(uint8_t* p, Vector v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
  static Vector load_partial(const uint8_t* p, size_t count) {
    uint8_t padded[kWidth] = {};
    std::memcpy(padded, p, count);
    return load(padded);
  }
  static void store_partial(uint8_t* p, Vector v, size_t count) {
    uint8_t whole[kWidth];
    store(whole, v);
    std::memcpy(p, whole, count);
  }
  static Vector splat32(uint32_t word) { return _mm_set1_epi32(static_cast<int>(word)); }
  static Vector bit_or(Vector a, Vector b) { return _mm_or_si128(a, b); }
  static Vector bit_xor(Vector a, Vector b) { return _mm_xor_si128(a, b); }
  static bool any_high_bit(Vector v) { return _mm_movemask_epi8(v) != 0; }
};

}  // namespace
}  // namespace wsframe

#include "mask_simd.h"
#include "utf8_simd.h"

namespace wsframe {
namespace {

bool unmask_utf8_complete_sse2(uint8_t* bytes, size_t length, uint32_t key) {
  xor_mask_simd<Sse2>(bytes, bytes, length, key);
  return utf8_complete_ascii_skip<Sse2>(bytes, length);
}

}  // namespace

const IsaKernels kSse2Kernels = {xor_mask_simd<Sse2>, utf8_complete_ascii_skip<Sse2>, unmask_utf8_complete_sse2};

}  // namespace wsframe

WSFRAME_TARGET_END

#endif  // WSFRAME_X86_64
