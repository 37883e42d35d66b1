#!/usr/bin/env bash
# Installs what the tests need from Debian's packages, when missing: the real peers the interop
# tests talk to — Python's `websockets` (for Debian's /usr/bin/python3), Chromium (/usr/bin/chromium,
# driven by playwright-core in test/browser/), redis-server (started on a free loopback port by
# test/helpers/redis-server.ts for the Redis backplane tests), tinyproxy (the client's HTTP proxy,
# test/helpers/tinyproxy.ts), Hypercorn (python3-hypercorn: WebSockets over HTTP/2) and openssl
# (the tests' self-signed certificates) — and an arm64 cross compiler with qemu-user, which run the NEON
# kernel tests on x86-64 and build the linux-arm64 prebuild and prove it on an arm64 Node
# (test/package/platforms.test.ts), and clang with libFuzzer for the fuzz targets. One apt step
# for everything missing.
# With --bench, instead what the benchmarks build with: zlib's headers (bench/loadgen.c speaks
# permessage-deflate).
set -euo pipefail

need=()
if [ "${1:-}" = "--bench" ]; then
  [ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
else
  /usr/bin/python3 -c 'import websockets' 2>/dev/null || need+=(python3-websockets)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -x /usr/bin/redis-server ] || need+=(redis-server)
  # HTTP/2 peers: Hypercorn serves WebSockets over HTTP/2 (RFC 8441) to the wsframe client
  # (test/interop/h2_echo_app.py); openssl makes the tests' self-signed certificates.
  /usr/bin/python3 -c 'import hypercorn' 2>/dev/null || need+=(python3-hypercorn)
  [ -x /usr/bin/openssl ] || need+=(openssl)
  # A real HTTP proxy for connect()'s CONNECT tunnels (test/helpers/tinyproxy.ts).
  [ -x /usr/bin/tinyproxy ] || need+=(tinyproxy)
  # The NEON kernels, cross-built and run under qemu-user (test/native/arm64.test.ts).
  command -v aarch64-linux-gnu-g++ >/dev/null || need+=(g++-aarch64-linux-gnu)
  command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
  # The libFuzzer targets of the native kernels (test/native/fuzz.test.ts, scripts/fuzz.sh):
  # clang, and its runtime with libFuzzer and the sanitizers (a Recommends of clang, so named).
  command -v clang++ >/dev/null || need+=(clang)
  compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a' >/dev/null || need+=(libclang-rt-14-dev)
fi

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-test-deps: missing ${need[*]} and not root; install them with apt-get" >&2
    exit 1
  fi
  echo "install-test-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
