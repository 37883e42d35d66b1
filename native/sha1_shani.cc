// SHA-1's compression with the x86 SHA extensions (SHA-NI: Intel since Goldmont and Ice Lake,
// AMD since Zen), chosen at load time where the CPU has them (sha1.cc); checked against the
// scalar compression on every length in native/test/kernel_tests.cc.
#include "isa_target.h"

#if defined(WSFRAME_X86_64)
#include <immintrin.h>

#include "sha1.h"

WSFRAME_TARGET_BEGIN("sha,sse4.1")

namespace wsframe {
namespace {

// Four rounds with function `f` (0: Ch, 1: Parity, 2: Maj, 3: Parity): an immediate operand.
__m128i four_rounds(__m128i abcd, __m128i e, int f) {
  switch (f) {
    case 0: return _mm_sha1rnds4_epu32(abcd, e, 0);
    case 1: return _mm_sha1rnds4_epu32(abcd, e, 1);
    case 2: return _mm_sha1rnds4_epu32(abcd, e, 2);
    default: return _mm_sha1rnds4_epu32(abcd, e, 3);
  }
}

}  // namespace

// The 80 rounds as 20 groups of four. A, B, C, D sit in one register (A in the high lane), E
// in another's high lane; the message schedule is kept as four registers of four words, each
// new group's words made from the four before it (FIPS 180-4 §6.1.2 step 1, four at a time).
void sha1_compress_sha_ni(uint32_t h[5], const uint8_t block[64]) {
  const __m128i big_endian_words = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i abcd_start = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), 0x1B);
  const __m128i e_start = _mm_set_epi32(static_cast<int>(h[4]), 0, 0, 0);
  __m128i w[4];
  for (int i = 0; i < 4; i++) {
    w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i)), big_endian_words);
  }
  __m128i group_start = abcd_start;  // A, B, C, D before the group just done: its A gives the next E
  __m128i abcd = four_rounds(abcd_start, _mm_add_epi32(e_start, w[0]), 0);
  for (int g = 1; g < 20; g++) {
    __m128i& words = w[g & 3];
    if (g >= 4) {
      words = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(words, w[(g + 1) & 3]), w[(g + 2) & 3]), w[(g + 3) & 3]);
    }
    const __m128i e = _mm_sha1nexte_epu32(group_start, words);
    group_start = abcd;
    abcd = four_rounds(abcd, e, g / 5);
  }
  const __m128i e = _mm_sha1nexte_epu32(group_start, e_start);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_shuffle_epi32(_mm_add_epi32(abcd, abcd_start), 0x1B));
  h[4] = static_cast<uint32_t>(_mm_extract_epi32(e, 3));
}

}  // namespace wsframe

WSFRAME_TARGET_END

#endif  // WSFRAME_X86_64
