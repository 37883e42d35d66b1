// The AVX2 kernels: 32-byte vectors. Compiled for AVX2 in a target region; cpu.cc runs them only
// when CPUID reports AVX2 and the OS saves YMM state.
#include "isa_target.h"

#if defined(WSFRAME_X86_64)
#include <immintrin.h>

#include <cstring>

#include "cpu.h"
#include "utf8.h"

WSFRAME_TARGET_BEGIN("avx2")

#include "kernels_simd.h"

namespace wsframe {
namespace {

struct Avx2 : PaddedPartial<Avx2> {
  using Vector = __m256i;
  static constexpr size_t kWidth = 32;

  static Vector load(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store(uint8_t* p, Vector v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static Vector splat8(uint8_t byte) { return _mm256_set1_epi8(static_cast<char>(byte)); }
  static Vector splat32(uint32_t word) { return _mm256_set1_epi32(static_cast<int>(word)); }
  static Vector table16(const uint8_t* table) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table)));
  }
  static Vector bit_and(Vector a, Vector b) { return _mm256_and_si256(a, b); }
  static Vector bit_or(Vector a, Vector b) { return _mm256_or_si256(a, b); }
  static Vector bit_xor(Vector a, Vector b) { return _mm256_xor_si256(a, b); }
  static Vector saturating_sub(Vector a, Vector b) { return _mm256_subs_epu8(a, b); }
  // vpshufb looks up within each 16-byte lane: the tables are repeated in both lanes.
  static Vector lookup16(Vector table, Vector index) { return _mm256_shuffle_epi8(table, index); }
  static Vector high_nibble(Vector v) { return _mm256_and_si256(_mm256_srli_epi16(v, 4), splat8(0x0F)); }
  // The block seen `k` bytes later: result[i] = current[i - k], or previous[kWidth + i - k].
  template <int k>
  static Vector shift_in(Vector current, Vector previous) {
    const Vector straddle = _mm256_permute2x128_si256(previous, current, 0x21);  // previous high, current low
    return _mm256_alignr_epi8(current, straddle, 16 - k);
  }
  static bool any_high_bit(Vector v) { return _mm256_movemask_epi8(v) != 0; }
  static bool any_nonzero(Vector v) { return !_mm256_testz_si256(v, v); }
};

}  // namespace

const IsaKernels kAvx2Kernels = kLookupKernels<Avx2>;

}  // namespace wsframe

WSFRAME_TARGET_END

#endif  // WSFRAME_X86_64
