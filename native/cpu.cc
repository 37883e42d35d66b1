#include "cpu.h"

#include <cstring>

#include "isa_target.h"
#include "mask.h"
#include "utf8.h"

#if defined(WSFRAME_X86_64) && defined(_MSC_VER)
#include <intrin.h>
#elif defined(WSFRAME_X86_64)
#include <cpuid.h>
#endif

namespace wsframe {

const IsaKernels kScalarKernels = {xor_mask_scalar, utf8_complete_scalar, unmask_utf8_complete_scalar};

namespace {

#if defined(WSFRAME_X86_64)
struct CpuidRegisters {
  uint32_t eax, ebx, ecx, edx;
};

CpuidRegisters cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidRegisters r{};
#if defined(_MSC_VER)
  int regs[4];
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(subleaf));
  r = {static_cast<uint32_t>(regs[0]), static_cast<uint32_t>(regs[1]), static_cast<uint32_t>(regs[2]),
       static_cast<uint32_t>(regs[3])};
#else
  if (!__get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx)) r = {};
#endif
  return r;
}

// The register state the OS saves on a context switch (XCR0). A CPU may have AVX while the OS
// does not save YMM/ZMM registers; using them then corrupts other threads' state.
uint64_t os_saved_state() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  uint32_t low, high;
  __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  return (static_cast<uint64_t>(high) << 32) | low;
#endif
}

constexpr uint32_t kCpuid1EcxSse41 = 1u << 19;
constexpr uint32_t kCpuid1EcxOsxsave = 1u << 27;
constexpr uint32_t kCpuid7EbxSha = 1u << 29;
constexpr uint32_t kCpuid7EbxAvx2 = 1u << 5;
constexpr uint32_t kCpuid7EbxAvx512f = 1u << 16;
constexpr uint32_t kCpuid7EbxAvx512bw = 1u << 30;
constexpr uint64_t kXcr0Ymm = 0x6;    // SSE and AVX (upper YMM halves) state
constexpr uint64_t kXcr0Zmm = 0xE6;   // plus opmask, upper ZMM halves and ZMM16-31
#endif

// Fills `out` best first; computed once at load time.
size_t detect_isas(Isa* out) {
  size_t count = 0;
#if defined(WSFRAME_X86_64)
  const bool osxsave = (cpuid(1, 0).ecx & kCpuid1EcxOsxsave) != 0;
  const uint64_t saved = osxsave ? os_saved_state() : 0;
  const uint32_t leaf7_ebx = cpuid(0, 0).eax >= 7 ? cpuid(7, 0).ebx : 0;
  const bool avx512 = (leaf7_ebx & kCpuid7EbxAvx512f) && (leaf7_ebx & kCpuid7EbxAvx512bw) &&
                      (saved & kXcr0Zmm) == kXcr0Zmm;
  const bool avx2 = (leaf7_ebx & kCpuid7EbxAvx2) && (saved & kXcr0Ymm) == kXcr0Ymm;
  if (avx512) out[count++] = Isa::kAvx512;
  if (avx2) out[count++] = Isa::kAvx2;
  out[count++] = Isa::kSse2;  // part of x86-64 itself
#elif defined(WSFRAME_ARM64)
  out[count++] = Isa::kNeon;  // part of AArch64 itself
#endif
  out[count++] = Isa::kScalar;
  return count;
}

struct Dispatch {
  Isa available[kIsaCount];
  size_t available_count;
  Isa current;
};

Dispatch make_dispatch() {
  Dispatch d{};
  d.available_count = detect_isas(d.available);
  d.current = d.available[0];
  return d;
}

Dispatch dispatch = make_dispatch();

}  // namespace

const IsaKernels& kernels_for(Isa isa) {
  switch (isa) {
#if defined(WSFRAME_X86_64)
    case Isa::kAvx512: return kAvx512Kernels;
    case Isa::kAvx2: return kAvx2Kernels;
    case Isa::kSse2: return kSse2Kernels;
#endif
#if defined(WSFRAME_ARM64)
    case Isa::kNeon: return kNeonKernels;
#endif
    default: return kScalarKernels;
  }
}

const IsaKernels* current_kernels = &kernels_for(dispatch.current);

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    case Isa::kSse2: return "sse2";
    case Isa::kNeon: return "neon";
    case Isa::kScalar: return "scalar";
  }
  return "scalar";
}

size_t available_isas(Isa* out) {
  std::memcpy(out, dispatch.available, dispatch.available_count * sizeof(Isa));
  return dispatch.available_count;
}

Isa current_isa() { return dispatch.current; }

bool cpu_has_sha_ni() {
#if defined(WSFRAME_X86_64)
  const bool sse41 = (cpuid(1, 0).ecx & kCpuid1EcxSse41) != 0;
  const bool sha = cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & kCpuid7EbxSha) != 0;
  return sse41 && sha;
#else
  return false;
#endif
}

bool use_isa(const char* name) {
  for (size_t i = 0; i < dispatch.available_count; i++) {
    const Isa isa = dispatch.available[i];
    if (std::strcmp(isa_name(isa), name) == 0) {
      dispatch.current = isa;
      current_kernels = &kernels_for(isa);
      return true;
    }
  }
  return false;
}

}  // namespace wsframe
