#!/usr/bin/env bash
# Builds the libFuzzer targets of native/fuzz (clang, ASan, UBSan; CMake option WSFRAME_FUZZ) and
# runs each for SECONDS (default 10), one after the other. The seeds in native/fuzz/corpus/<target>
# are read, never written: what a run finds goes to build-native/fuzz/corpus/<target> (kept for
# the next run) and a failing input to build-native/fuzz/artifacts/<target>/. Exits non-zero on
# the first target that finds something; prints "fuzz_<target>: N runs in S s (C CPU s)" for each
# (on a loaded machine a nice'd run gets less CPU than its wall time: C is what it had).
#   scripts/fuzz.sh [SECONDS] [TARGET…]      TARGET: mask utf8_stream unmask_validate scan_frames plain_upgrade
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-10}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(mask utf8_stream unmask_validate scan_frames plain_upgrade)

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing (scripts/install-test-deps.sh installs it)" >&2; exit 1; }
build=build-native/fuzz
CXX=clang++ cmake -S . -B "$build" -DWSFRAME_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 $(printf -- '--target fuzz_%s ' "${targets[@]}") >/dev/null

for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  log="$build/fuzz_$target.log"
  TIMEFORMAT='%U %S' # bash's `time`: user and system CPU seconds, to $build/fuzz_$target.cpu
  if ! { time "$build/fuzz_$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$corpus" "native/fuzz/corpus/$target" >"$log" 2>&1; } 2>"$build/fuzz_$target.cpu"; then
    echo "fuzz_$target: FOUND a failing input (log: $log, input: $(ls -t "$artifacts" | head -1))" >&2
    grep -E 'FUZZ_CHECK|runtime error|ERROR: ' "$log" | head -5 >&2 || true
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cpu=$(awk '{ printf "%.0f", $1 + $2 }' "$build/fuzz_$target.cpu")
  echo "fuzz_$target: $runs runs in $seconds s ($cpu CPU s), nothing found"
done
