#!/usr/bin/env bash
# The README's main job (`npm start`): set-up, then the echo server on 127.0.0.1:9001.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-build.sh
exec node bin/wsframe.js echo --host 127.0.0.1 --port "${PORT:-9001}" "$@"
