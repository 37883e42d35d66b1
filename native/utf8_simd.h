// UTF-8 validation written once for every vector instruction set, after the lookup-table idea
// of Keiser & Lemire ("Validating UTF-8 in less than one instruction per byte", 2021): every
// error of RFC 3629 §4 shows in a pair of adjacent bytes (lead, next), except a missing or an
// extra third/fourth byte, which shows in the bytes 2 and 3 places back. Three 16-entry tables,
// indexed by the high nibble of the first byte, its low nibble and the high nibble of the second,
// hold one bit per error kind; a pair is in error when a bit survives the AND of its three
// lookups. `S` is a vector traits struct of a simd_*.cc file; like mask_simd.h this header is
// included inside that file's target region (by kernels_simd.h).
#ifndef WSFRAME_UTF8_SIMD_H_
#define WSFRAME_UTF8_SIMD_H_

#include "mask_simd.h"

namespace wsframe {
namespace {

// Error kinds, one bit each. A bit may stand for several kinds when their byte patterns are a
// product of nibble sets (kOverlong4 and kTooLarge1000 both need second byte 8x).
constexpr uint8_t kTooShort = 1 << 0;       // lead byte, then no continuation byte
constexpr uint8_t kTooLong = 1 << 1;        // ASCII, then a continuation byte
constexpr uint8_t kOverlong3 = 1 << 2;      // E0 80..9F
constexpr uint8_t kTooLarge = 1 << 3;       // F4 90..BF, F5..FF 90..BF (above U+10FFFF)
constexpr uint8_t kSurrogate = 1 << 4;      // ED A0..BF (U+D800..U+DFFF)
constexpr uint8_t kOverlong2 = 1 << 5;      // C0, C1 then a continuation byte
constexpr uint8_t kTooLarge1000 = 1 << 6;   // F5..FF 80..8F
constexpr uint8_t kOverlong4 = 1 << 6;      // F0 80..8F
constexpr uint8_t kTwoContinuations = 1 << 7;  // an error unless it is byte 3 or 4 of a sequence
constexpr uint8_t kAnyPair = kTooShort | kTooLong | kTwoContinuations;  // decided by high nibbles alone

// Indexed by the high nibble of the first byte of a pair.
alignas(16) constexpr uint8_t kFirstHigh[16] = {
    kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong,  // 0x: ASCII
    kTwoContinuations, kTwoContinuations, kTwoContinuations, kTwoContinuations,      // 8x..Bx
    kTooShort | kOverlong2,                                                          // Cx
    kTooShort,                                                                       // Dx
    kTooShort | kOverlong3 | kSurrogate,                                             // Ex
    kTooShort | kTooLarge | kTooLarge1000 | kOverlong4,                              // Fx
};

// Indexed by the low nibble of the first byte.
alignas(16) constexpr uint8_t kFirstLow[16] = {
    kAnyPair | kOverlong3 | kOverlong2 | kOverlong4,                  // x0: E0, C0, F0
    kAnyPair | kOverlong2,                                            // x1: C1
    kAnyPair,
    kAnyPair,
    kAnyPair | kTooLarge,                                             // x4: F4
    kAnyPair | kTooLarge | kTooLarge1000,                             // x5..xF: F5..FF
    kAnyPair | kTooLarge | kTooLarge1000,
    kAnyPair | kTooLarge | kTooLarge1000,
    kAnyPair | kTooLarge | kTooLarge1000,
    kAnyPair | kTooLarge | kTooLarge1000,
    kAnyPair | kTooLarge | kTooLarge1000,
    kAnyPair | kTooLarge | kTooLarge1000,
    kAnyPair | kTooLarge | kTooLarge1000,
    kAnyPair | kTooLarge | kTooLarge1000 | kSurrogate,                // xD: ED
    kAnyPair | kTooLarge | kTooLarge1000,
    kAnyPair | kTooLarge | kTooLarge1000,
};

// Indexed by the high nibble of the second byte.
constexpr uint8_t kContinuation8 = kTooLong | kOverlong2 | kTwoContinuations | kOverlong3 | kTooLarge1000 | kOverlong4;
constexpr uint8_t kContinuation9 = kTooLong | kOverlong2 | kTwoContinuations | kOverlong3 | kTooLarge;
constexpr uint8_t kContinuationAB = kTooLong | kOverlong2 | kTwoContinuations | kSurrogate | kTooLarge;
alignas(16) constexpr uint8_t kSecondHigh[16] = {
    kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,  // 0x..7x
    kContinuation8, kContinuation9, kContinuationAB, kContinuationAB,                          // 8x..Bx
    kTooShort, kTooShort, kTooShort, kTooShort,                                                // Cx..Fx
};

// A block ends inside a sequence when one of its last three bytes is a lead byte whose
// sequence needs more bytes than are left: byte -3 >= F0, byte -2 >= E0, byte -1 >= C0.
// The last S::kWidth entries, subtracted with saturation, leave a non-zero byte exactly there.
alignas(64) constexpr uint8_t kUnfinishedBelow[64] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0xDF, 0xBF,
};

template <class S>
struct Utf8Checker {
  using Vector = typename S::Vector;
  const Vector first_high;
  const Vector first_low;
  const Vector second_high;
  const Vector low_nibble;
  const Vector third_byte_floor;   // byte - this >= 0x80 iff byte >= E0
  const Vector fourth_byte_floor;  // byte - this >= 0x80 iff byte >= F0
  const Vector high_bit;
  const Vector unfinished_below;

  Vector error;
  Vector previous;  // the block before, as if ASCII came before the input

  // Written out (not defaulted) so that it is compiled in the target region like the rest.
  Utf8Checker()
      : first_high(S::table16(kFirstHigh)),
        first_low(S::table16(kFirstLow)),
        second_high(S::table16(kSecondHigh)),
        low_nibble(S::splat8(0x0F)),
        third_byte_floor(S::splat8(0xE0 - 0x80)),
        fourth_byte_floor(S::splat8(0xF0 - 0x80)),
        high_bit(S::splat8(0x80)),
        unfinished_below(S::load(kUnfinishedBelow + 64 - S::kWidth)),
        error(S::splat8(0)),
        previous(S::splat8(0)) {}

  // Non-zero when `previous` ends inside a sequence. Only needed before an ASCII block and at the
  // end: a checked block after it finds the same error through its pairs.
  Vector unfinished() const { return S::saturating_sub(previous, unfinished_below); }

  void check(Vector block) {
    const Vector previous1 = S::template shift_in<1>(block, previous);
    const Vector pair_errors = S::bit_and(
        S::bit_and(S::lookup16(first_high, S::high_nibble(previous1)),
                   S::lookup16(first_low, S::bit_and(previous1, low_nibble))),
        S::lookup16(second_high, S::high_nibble(block)));
    // Bytes that must be a third or fourth byte (a lead E0+ two back, F0+ three back). There,
    // and only there, two continuation bytes in a row are right: the XOR flags both mistakes.
    const Vector must_continue =
        S::bit_and(S::bit_or(S::saturating_sub(S::template shift_in<2>(block, previous), third_byte_floor),
                             S::saturating_sub(S::template shift_in<3>(block, previous), fourth_byte_floor)),
                   high_bit);
    error = S::bit_or(error, S::bit_xor(pair_errors, must_continue));
    previous = block;
  }

  // An ASCII block has no pair errors of its own; it only shows that the block before was finished.
  void skip_ascii(Vector block) {
    error = S::bit_or(error, unfinished());
    previous = block;
  }

  bool valid() const { return !S::any_nonzero(S::bit_or(error, unfinished())); }
};

// utf8_complete and, with kUnmask, unmask_utf8_complete (then each block is unmasked with `key`
// and stored back before it is checked, so the bytes are read once).
template <class S, bool kUnmask>
bool utf8_lookup(uint8_t* bytes, size_t length, uint32_t key) {
  using Vector = typename S::Vector;
  constexpr size_t kWidth = S::kWidth;
  const Vector key_vector = S::splat32(key);
  const auto load = [&](size_t at) {
    if (!kUnmask) return S::load(bytes + at);
    const Vector plain = S::bit_xor(S::load(bytes + at), key_vector);
    S::store(bytes + at, plain);
    return plain;
  };
  Utf8Checker<S> checker;
  size_t i = 0;
  // Four blocks at a time, so that ASCII text costs one test per 4 * kWidth bytes.
  for (; i + 4 * kWidth <= length; i += 4 * kWidth) {
    const Vector a = load(i), b = load(i + kWidth), c = load(i + 2 * kWidth), d = load(i + 3 * kWidth);
    if (!S::any_high_bit(S::bit_or(S::bit_or(a, b), S::bit_or(c, d)))) {
      checker.skip_ascii(d);
      continue;
    }
    checker.check(a);
    checker.check(b);
    checker.check(c);
    checker.check(d);
  }
  for (; i + kWidth <= length; i += kWidth) checker.check(load(i));
  if (i < length) {
    // Zeros after the end act as ASCII: an unfinished last sequence shows as too short.
    if (kUnmask) {
      const size_t rest = length - i;
      S::store_partial(bytes + i, S::bit_xor(S::load_partial(bytes + i, rest), key_vector), rest);
    }
    checker.check(S::load_partial(bytes + i, length - i));  // read back: the padding must stay zero
  }
  return checker.valid();
}

template <class S>
bool utf8_complete_lookup(const uint8_t* bytes, size_t length) {
  return utf8_lookup<S, false>(const_cast<uint8_t*>(bytes), length, 0);  // read only
}

// For vector sets without a byte shuffle (SSE2): ASCII is skipped 4 * kWidth bytes at a time,
// other blocks are walked sequence by sequence with the scalar rules.
template <class S>
bool utf8_complete_ascii_skip(const uint8_t* bytes, size_t length) {
  constexpr size_t kStep = 4 * S::kWidth;
  size_t i = 0;
  while (i < length) {
    if (i + kStep <= length) {
      const auto any = S::bit_or(S::bit_or(S::load(bytes + i), S::load(bytes + i + S::kWidth)),
                                 S::bit_or(S::load(bytes + i + 2 * S::kWidth), S::load(bytes + i + 3 * S::kWidth)));
      if (!S::any_high_bit(any)) {
        i += kStep;
        continue;
      }
    }
    const size_t block_end = i + kStep < length ? i + kStep : length;
    while (i < block_end) {
      const int sequence = utf8_sequence_length(bytes + i, length - i);
      if (sequence <= 0) return false;
      i += static_cast<size_t>(sequence);
    }
  }
  return true;
}

// Two passes: the scalar walk of ascii_skip is far slower than the unmasking anyway.
template <class S>
bool unmask_utf8_complete_ascii_skip(uint8_t* bytes, size_t length, uint32_t key) {
  xor_mask_simd<S>(bytes, bytes, length, key);
  return utf8_complete_ascii_skip<S>(bytes, length);
}

}  // namespace
}  // namespace wsframe

#endif  // WSFRAME_UTF8_SIMD_H_
