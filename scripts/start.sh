#!/usr/bin/env bash
# The README's main job (`npm start`): set-up, then the broadcast chat on 127.0.0.1:8080 (the
# PORT environment variable overrides the port); open the address it prints in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-build.sh
exec node bin/wsframe.js chat --host 127.0.0.1 --port "${PORT:-8080}" "$@"
