// xor_mask written once for every vector instruction set. `S` is a vector traits struct of a
// simd_*.cc file (load, store, load_partial, store_partial, splat32, bit_xor, kWidth). This
// header is included inside that file's target region (by kernels_simd.h), so each instantiation is compiled for
// its own instruction set; the anonymous namespace keeps those instantiations apart.
#ifndef WSFRAME_MASK_SIMD_H_
#define WSFRAME_MASK_SIMD_H_

namespace wsframe {
namespace {

// RFC 6455 §5.3. A vector is a whole number of key periods, so the key never rotates in the loop.
template <class S>
void xor_mask_simd(const uint8_t* src, uint8_t* dst, size_t length, uint32_t key) {
  const auto key_vector = S::splat32(key);
  constexpr size_t kWidth = S::kWidth;
  size_t i = 0;
  for (; i + 4 * kWidth <= length; i += 4 * kWidth) {
    const auto a = S::load(src + i);
    const auto b = S::load(src + i + kWidth);
    const auto c = S::load(src + i + 2 * kWidth);
    const auto d = S::load(src + i + 3 * kWidth);
    S::store(dst + i, S::bit_xor(a, key_vector));
    S::store(dst + i + kWidth, S::bit_xor(b, key_vector));
    S::store(dst + i + 2 * kWidth, S::bit_xor(c, key_vector));
    S::store(dst + i + 3 * kWidth, S::bit_xor(d, key_vector));
  }
  for (; i + kWidth <= length; i += kWidth) S::store(dst + i, S::bit_xor(S::load(src + i), key_vector));
  if (i < length) S::store_partial(dst + i, S::bit_xor(S::load_partial(src + i, length - i), key_vector), length - i);
}

}  // namespace
}  // namespace wsframe

#endif  // WSFRAME_MASK_SIMD_H_
