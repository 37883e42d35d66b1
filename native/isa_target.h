// Compiles a region of a file for one instruction set, so every file is built with the same
// portable flags (no -march, no per-file -m options) and the CPU is asked at run time which
// region may run (cpu.cc). GCC and Clang need the region marked; MSVC emits any intrinsic as is.
#ifndef WSFRAME_ISA_TARGET_H_
#define WSFRAME_ISA_TARGET_H_

#if defined(__clang__)
#define WSFRAME_PRAGMA(text) _Pragma(#text)
#define WSFRAME_TARGET_BEGIN(isa) \
  WSFRAME_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define WSFRAME_TARGET_END WSFRAME_PRAGMA(clang attribute pop)
#elif defined(__GNUC__)
#define WSFRAME_PRAGMA(text) _Pragma(#text)
#define WSFRAME_TARGET_BEGIN(isa) WSFRAME_PRAGMA(GCC push_options) WSFRAME_PRAGMA(GCC target(isa))
#define WSFRAME_TARGET_END WSFRAME_PRAGMA(GCC pop_options)
#else
#define WSFRAME_TARGET_BEGIN(isa)
#define WSFRAME_TARGET_END
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define WSFRAME_X86_64 1
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
#define WSFRAME_ARM64 1
#endif

#endif  // WSFRAME_ISA_TARGET_H_
