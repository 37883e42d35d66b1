// What every vector instruction set shares, written once: the partial-block loads and stores of
// the sets without masked memory access, and the IsaKernels table built from a vector traits
// struct. Each simd_*.cc file includes this header (once, inside its target region, before its
// traits struct), so every template here is compiled for that file's instruction set. Included
// before the region, these templates are compiled without the wide registers (tried: Clang stops
// with "AVX vector return without 'avx' enabled changes the ABI", GCC warns -Wpsabi). The anonymous
// namespace keeps each file's instantiations apart. The file includes cpu.h and utf8.h, with
// the <cstring> this header uses, before the region.
#ifndef WSFRAME_KERNELS_SIMD_H_
#define WSFRAME_KERNELS_SIMD_H_

#include "mask_simd.h"
#include "utf8_simd.h"

namespace wsframe {
namespace {

// Base of the traits struct `S` (CRTP) of a vector set whose loads and stores cannot be masked:
// the last partial block goes through a zero-padded copy on the stack. `S` supplies Vector,
// kWidth, load and store. (The member templates, T always S, put off naming S::Vector until S is
// complete; a vector type as a template argument would lose its attributes.)
template <class S>
struct PaddedPartial {
  template <class T = S>
  static typename T::Vector load_partial(const uint8_t* p, size_t count) {
    uint8_t padded[T::kWidth] = {};
    std::memcpy(padded, p, count);
    return T::load(padded);
  }
  template <class T = S>
  static void store_partial(uint8_t* p, typename T::Vector v, size_t count) {
    uint8_t whole[T::kWidth];
    T::store(whole, v);
    std::memcpy(p, whole, count);
  }
};

// The kernels of a vector set with a 16-entry byte shuffle (lookup16): UTF-8 by lookup tables.
template <class S>
constexpr IsaKernels kLookupKernels = {xor_mask_simd<S>, utf8_complete_lookup<S>, utf8_lookup<S, true>};

// The kernels of a vector set without one: UTF-8 skips ASCII by vector, walks the rest scalar-ly.
template <class S>
constexpr IsaKernels kAsciiSkipKernels = {xor_mask_simd<S>, utf8_complete_ascii_skip<S>,
                                          unmask_utf8_complete_ascii_skip<S>};

}  // namespace
}  // namespace wsframe

#endif  // WSFRAME_KERNELS_SIMD_H_
