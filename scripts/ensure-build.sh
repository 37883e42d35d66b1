#!/usr/bin/env bash
# Brings a clone to a runnable state: npm packages, the native addon, the TypeScript build.
# Used by both README commands (npm start, npm test), so a fresh machine needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # --ignore-scripts: our own install script would build the addon; we build it just below.
  npm ci --ignore-scripts --no-audit --no-fund
fi

# The addon: a local node-gyp build (offline: npm's nodedir points at the installed headers).
# Incremental when build/ exists. A failed build is not fatal: wsframe falls back to TypeScript.
if [ ! -f build/config.gypi ] || [ native/sources.json -nt build/config.gypi ]; then
  npx --no-install node-gyp configure >/dev/null || echo "ensure-build: node-gyp configure failed; the TypeScript fallback will be used" >&2
fi
if [ -f build/config.gypi ]; then
  npx --no-install node-gyp build >/dev/null || echo "ensure-build: native build failed; the TypeScript fallback will be used" >&2
fi

npx --no-install tsc -p tsconfig.build.json
