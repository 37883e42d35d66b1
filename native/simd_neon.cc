// The NEON kernels (part of every AArch64 CPU): 16-byte vectors, no target region needed.
#include "isa_target.h"

#if defined(WSFRAME_ARM64)
#include <arm_neon.h>

#include <cstring>

#include "cpu.h"
#include "utf8.h"

#include "kernels_simd.h"

namespace wsframe {
namespace {

struct Neon : PaddedPartial<Neon> {
  using Vector = uint8x16_t;
  static constexpr size_t kWidth = 16;

  static Vector load(const uint8_t* p) { return vld1q_u8(p); }
  static void store(uint8_t* p, Vector v) { vst1q_u8(p, v); }
  static Vector splat8(uint8_t byte) { return vdupq_n_u8(byte); }
  static Vector splat32(uint32_t word) { return vreinterpretq_u8_u32(vdupq_n_u32(word)); }
  static Vector table16(const uint8_t* table) { return vld1q_u8(table); }
  static Vector bit_and(Vector a, Vector b) { return vandq_u8(a, b); }
  static Vector bit_or(Vector a, Vector b) { return vorrq_u8(a, b); }
  static Vector bit_xor(Vector a, Vector b) { return veorq_u8(a, b); }
  static Vector saturating_sub(Vector a, Vector b) { return vqsubq_u8(a, b); }
  static Vector lookup16(Vector table, Vector index) { return vqtbl1q_u8(table, index); }
  static Vector high_nibble(Vector v) { return vshrq_n_u8(v, 4); }
  // The block seen `k` bytes later: result[i] = current[i - k], or previous[kWidth + i - k].
  template <int k>
  static Vector shift_in(Vector current, Vector previous) {
    return vextq_u8(previous, current, 16 - k);
  }
  static bool any_high_bit(Vector v) { return vmaxvq_u8(v) >= 0x80; }
  static bool any_nonzero(Vector v) { return vmaxvq_u8(v) != 0; }
};

}  // namespace

const IsaKernels kNeonKernels = kLookupKernels<Neon>;

}  // namespace wsframe

#endif  // WSFRAME_ARM64
