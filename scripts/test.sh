#!/usr/bin/env bash
# The README's test command (`npm test`): set-up, then the whole vitest suite on the Node on PATH,
# then on Node 22 and 24 (the official binaries, fetched by scripts/fetch-node.sh) every test whose
# outcome can depend on the Node that runs it. One line per run, and last one line
# "N passed, M failed" summing all runs, taken from vitest's JSON reports.
# WSFRAME_OTHER_NODES="22 24" is the default list of the other runs; empty runs the first only.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-build.sh || exit 1
bash scripts/install-test-deps.sh || exit 1

# The set-up above may need the machine's proxy (npm, apt); the tests must not: connect() follows
# HTTP_PROXY/HTTPS_PROXY, and every test talks to 127.0.0.1. Proxy tests set their own.
unset HTTP_PROXY HTTPS_PROXY NO_PROXY ALL_PROXY http_proxy https_proxy no_proxy all_proxy

# Run on the first Node only (README, "Node versions"): the C++ tests, fuzz targets and builds
# (compilers, not Node), the type check (tsc), the arm64 proof (whatever Node runs vitest, it runs the official
# arm64 Node 24 under qemu-user), and the browser tests (Chromium is the peer they prove; the server
# side is proven on every Node against ws and Python's websockets).
once=(test/native/cmake-builds.test.ts test/native/fuzz.test.ts test/typecheck.test.ts test/package/platforms.test.ts 'test/browser/**')
# And two vitest projects that run suites again under a variation the Node version does not change:
# `fallback` (WSFRAME_NO_NATIVE=1) and `parking` (servers that park every 10 ms). The others run on every Node.
every_node_projects=(--project native --project node --project tls --project http2)

results=.vitest-results
rm -rf "$results"
mkdir -p "$results"
reports=()
status=0

# run_suite NODE [vitest arguments...]: one vitest run on NODE (also first on PATH for the child
# processes the tests start), its JSON report in $results/<version>.json.
run_suite() {
  local node=$1
  shift
  local version
  version=$("$node" --version)
  reports+=("$results/$version.json")
  echo "=== vitest on Node $version ==="
  # WSFRAME_TEST_NODE: test/engines.test.ts checks that the tests really ran on this Node.
  WSFRAME_TEST_NODE=$version PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run \
    --reporter=default --reporter=json --outputFile="$results/$version.json" "$@" || status=1
}

run_suite "$(command -v node)" "$@"

first_major=$(node -p 'process.versions.node.split(".")[0]')
excluded=()
for file in "${once[@]}"; do excluded+=(--exclude "$file"); done
for major in ${WSFRAME_OTHER_NODES-22 24}; do
  [ "$major" = "$first_major" ] && continue
  if other=$(bash scripts/fetch-node.sh x64 "$major"); then
    run_suite "$other" --passWithNoTests "${every_node_projects[@]}" "${excluded[@]}" "$@"
  else
    echo "test: Node $major could not be fetched; its run counts as one failure" >&2
    reports+=("$results/v$major-missing.json")
    status=1
  fi
done

node -e '
  const fs = require("fs");
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const file of process.argv.slice(1)) {
    const node = require("path").basename(file, ".json");
    // A run without a report (vitest or the Node binary did not start) counts as one failure.
    if (!fs.existsSync(file)) { console.log(`Node ${node}: no report, counted as 1 failed`); total.failed += 1; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    // A test file that fails to load has no failed test of its own: count it as one failure.
    const brokenFiles = r.testResults.filter(
      (f) => f.status === "failed" && !f.assertionResults.some((t) => t.status === "failed")).length;
    const run = { passed: r.numPassedTests, failed: r.numFailedTests + brokenFiles, skipped: r.numPendingTests + r.numTodoTests };
    console.log(`Node ${node}: ${run.passed} passed, ${run.failed} failed` + (run.skipped ? `, ${run.skipped} skipped` : ""));
    for (const key of Object.keys(total)) total[key] += run[key];
  }
  console.log(`${total.passed} passed, ${total.failed} failed` + (total.skipped ? `, ${total.skipped} skipped` : ""));
' "${reports[@]}"
exit $status
