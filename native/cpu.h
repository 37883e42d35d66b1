// Instruction-set dispatch: the kernels that have one implementation per instruction set, and
// which of them run. The best set is chosen once when the addon loads; tests switch with use_isa.
#ifndef WSFRAME_CPU_H_
#define WSFRAME_CPU_H_

#include <cstddef>
#include <cstdint>

namespace wsframe {

enum class Isa { kAvx512, kAvx2, kSse2, kNeon, kScalar };
constexpr size_t kIsaCount = 5;

// Everything above these three functions (streaming UTF-8 state, frame scanning) is written once.
struct IsaKernels {
  // dst[i] = src[i] ^ byte (i & 3) of `key` (the four key bytes in memory order, loaded by
  // load_key). dst may equal src (unmasking in place).
  void (*xor_mask)(const uint8_t* src, uint8_t* dst, size_t length, uint32_t key);
  // Whether the bytes are well-formed UTF-8 (RFC 3629 §4) ending at a character boundary.
  bool (*utf8_complete)(const uint8_t* bytes, size_t length);
  // xor_mask in place over all the bytes, then utf8_complete of the result, in one pass.
  bool (*unmask_utf8_complete)(uint8_t* bytes, size_t length, uint32_t key);
};

// One table per instruction set, each defined in its own file (simd_*.cc, cpu.cc for scalar).
extern const IsaKernels kScalarKernels;
#if defined(__x86_64__) || defined(_M_X64)
extern const IsaKernels kSse2Kernels;
extern const IsaKernels kAvx2Kernels;
extern const IsaKernels kAvx512Kernels;
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
extern const IsaKernels kNeonKernels;
#endif

// The kernels of the dispatched instruction set.
extern const IsaKernels* current_kernels;

const char* isa_name(Isa isa);
// Writes the instruction sets this CPU and OS can run into `out` (room for kIsaCount), best
// first, the last always kScalar, and returns how many.
size_t available_isas(Isa* out);
Isa current_isa();
// Looks up an instruction set by name; false when the name is unknown or this CPU cannot run it.
bool use_isa(const char* name);
// The kernel table of an available instruction set (tests compare every one against scalar).
const IsaKernels& kernels_for(Isa isa);

// Whether this x86-64 CPU has the SHA extensions and SSE4.1 (sha1_shani.cc); false elsewhere.
// Apart from the ISA levels above: a CPU may have them with or without AVX2 or AVX-512.
bool cpu_has_sha_ni();

}  // namespace wsframe

#endif  // WSFRAME_CPU_H_
