# Cross build of native/test/kernel_tests for arm64, run under qemu-user, so the NEON kernels are
# tested against the scalar reference on an x86-64 machine too (npm run test:native:arm64).
# Debian packages: g++-aarch64-linux-gnu, qemu-user (scripts/install-test-deps.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
