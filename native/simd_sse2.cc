// The SSE2 kernels (part of every x86-64 CPU): 16-byte vectors. SSE2 has no byte shuffle for
// the UTF-8 lookup tables, so UTF-8 skips ASCII with vectors and walks the rest scalar-ly.
#include "isa_target.h"

#if defined(WSFRAME_X86_64)
#include <emmintrin.h>

#include <cstring>

#include "cpu.h"
#include "utf8.h"

WSFRAME_TARGET_BEGIN("sse2")

#include "kernels_simd.h"

namespace wsframe {
namespace {

struct Sse2 : PaddedPartial<Sse2> {
  using Vector = __m128i;
  static constexpr size_t kWidth = 16;

  static Vector load(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
  static void store(uint8_t* p, Vector v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
  static Vector splat32(uint32_t word) { return _mm_set1_epi32(static_cast<int>(word)); }
  static Vector bit_or(Vector a, Vector b) { return _mm_or_si128(a, b); }
  static Vector bit_xor(Vector a, Vector b) { return _mm_xor_si128(a, b); }
  static bool any_high_bit(Vector v) { return _mm_movemask_epi8(v) != 0; }
};

}  // namespace

const IsaKernels kSse2Kernels = kAsciiSkipKernels<Sse2>;

}  // namespace wsframe

WSFRAME_TARGET_END

#endif  // WSFRAME_X86_64
