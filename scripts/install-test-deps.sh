#!/usr/bin/env bash
# Installs the real peers the interop tests talk to, from Debian's packages, when missing:
# Python's `websockets` (for Debian's /usr/bin/python3) and Chromium (/usr/bin/chromium, driven by
# playwright-core in test/browser/) and redis-server (/usr/bin/redis-server, started on a free
# loopback port by test/helpers/redis-server.ts for the Redis backplane tests). One apt step for
# everything missing. With --bench, instead what the benchmarks build with: zlib's headers
# (bench/loadgen.c speaks permessage-deflate).
set -euo pipefail

need=()
if [ "${1:-}" = "--bench" ]; then
  [ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
else
  /usr/bin/python3 -c 'import websockets' 2>/dev/null || need+=(python3-websockets)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -x /usr/bin/redis-server ] || need+=(redis-server)
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
