#!/usr/bin/env bash
# uWebSockets.js for the benchmarks only (never a dependency, nothing of it committed): the npm
# package @btc-vision/uwebsockets.js (a republish of the upstream binaries) into bench/.work/uws,
# and, because its binaries need glibc >= 2.38, Debian 13's libc6 unpacked into
# bench/.work/glibc (apt-get download with a private apt state; the system's apt is untouched).
# bench/uws-echo-server.mjs is then started as
#   bench/.work/glibc/usr/lib64/ld-linux-x86-64.so.2 --library-path bench/.work/glibc/usr/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu node …
# (bench/lib/uws.mjs). Downloads only from npm and deb.debian.org.
set -euo pipefail
mkdir -p "$(dirname "$0")/.work" && cd "$(dirname "$0")/.work"
version=${UWS_VERSION:-20.57.0}

if [ ! -f uws/node_modules/@btc-vision/uwebsockets.js/package.json ]; then
  mkdir -p uws
  (cd uws && npm init -y >/dev/null && npm install --no-audit --no-fund "@btc-vision/uwebsockets.js@${version}" >/dev/null)
fi

if [ ! -f glibc/usr/lib64/ld-linux-x86-64.so.2 ]; then
  state=$PWD/apt-trixie
  mkdir -p "$state"/{lists/partial,archives/partial,etc} glibc
  echo 'deb http://deb.debian.org/debian trixie main' > "$state/etc/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$state/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$state/lists" -o "Dir::Cache::Archives=$state/archives"
            -o "Dir::State::status=/dev/null" -o "Dir::Cache=$state" -o APT::Architecture=amd64
            -o Debug::NoLocking=1)
  apt-get "${apt_opts[@]}" update >/dev/null
  # apt-get download writes into the current directory (as root, unsandboxed: a private folder).
  (cd "$state/archives" && apt-get "${apt_opts[@]}" -o APT::Sandbox::User=root download libc6 >/dev/null)
  dpkg-deb -x "$state"/archives/libc6_*.deb glibc
fi
ls glibc/usr/lib64/ld-linux-x86-64.so.2 >/dev/null
echo "uWebSockets.js ${version} in bench/.work/uws, Debian 13 glibc in bench/.work/glibc"
