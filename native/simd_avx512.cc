// The AVX-512 kernels: 64-byte vectors, with masked loads and stores for the last partial
// block. Needs AVX-512F and BW only (Skylake-X and later, Zen 4); cpu.cc runs them only when
// CPUID reports both and the OS saves ZMM and opmask state.
#include "isa_target.h"

#if defined(WSFRAME_X86_64)
#include <immintrin.h>

#include <cstring>

#include "cpu.h"
#include "utf8.h"

WSFRAME_TARGET_BEGIN("avx2,avx512f,avx512bw")

#include "kernels_simd.h"

namespace wsframe {
namespace {

struct Avx512 {
  using Vector = __m512i;
  static constexpr size_t kWidth = 64;

  static __mmask64 first_bytes(size_t count) { return count >= 64 ? ~__mmask64{0} : (__mmask64{1} << count) - 1; }
  static Vector load(const uint8_t* p) { return _mm512_loadu_si512(p); }
  static void store(uint8_t* p, Vector v) { _mm512_storeu_si512(p, v); }
  // Masked-off bytes are not touched in memory (no fault past the end) and read as zero.
  static Vector load_partial(const uint8_t* p, size_t count) { return _mm512_maskz_loadu_epi8(first_bytes(count), p); }
  static void store_partial(uint8_t* p, Vector v, size_t count) { _mm512_mask_storeu_epi8(p, first_bytes(count), v); }
  static Vector splat8(uint8_t byte) { return _mm512_set1_epi8(static_cast<char>(byte)); }
  static Vector splat32(uint32_t word) { return _mm512_set1_epi32(static_cast<int>(word)); }
  static Vector table16(const uint8_t* table) {
    // The maskz_ forms here and in shift_in avoid GCC 12's false -Wmaybe-uninitialized on the
    // unmasked intrinsics (GCC bug 105593); an all-ones mask compiles to the plain instruction.
    return _mm512_maskz_broadcast_i32x4(0xFFFF, _mm_loadu_si128(reinterpret_cast<const __m128i*>(table)));
  }
  static Vector bit_and(Vector a, Vector b) { return _mm512_and_si512(a, b); }
  static Vector bit_or(Vector a, Vector b) { return _mm512_or_si512(a, b); }
  static Vector bit_xor(Vector a, Vector b) { return _mm512_xor_si512(a, b); }
  static Vector saturating_sub(Vector a, Vector b) { return _mm512_subs_epu8(a, b); }
  // vpshufb looks up within each 16-byte lane: the tables are repeated in all four lanes.
  static Vector lookup16(Vector table, Vector index) { return _mm512_shuffle_epi8(table, index); }
  static Vector high_nibble(Vector v) { return _mm512_and_si512(_mm512_srli_epi16(v, 4), splat8(0x0F)); }
  // The block seen `k` bytes later: result[i] = current[i - k], or previous[kWidth + i - k].
  // valignq lines up each 16-byte lane of `current` with the lane before it, then vpalignr
  // shifts within lanes (no VBMI byte permute needed).
  template <int k>
  static Vector shift_in(Vector current, Vector previous) {
    const Vector lanes_before = _mm512_maskz_alignr_epi64(0xFF, current, previous, 6);
    return _mm512_alignr_epi8(current, lanes_before, 16 - k);
  }
  static bool any_high_bit(Vector v) { return _mm512_movepi8_mask(v) != 0; }
  static bool any_nonzero(Vector v) { return _mm512_test_epi8_mask(v, v) != 0; }
};

}  // namespace

const IsaKernels kAvx512Kernels = kLookupKernels<Avx512>;

}  // namespace wsframe

WSFRAME_TARGET_END

#endif  // WSFRAME_X86_64
