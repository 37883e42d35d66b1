#!/usr/bin/env bash
# The README's test command (`npm test`): set-up, then the whole vitest suite, ending with one
# line "N passed, M failed" taken from vitest's JSON report.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-build.sh || exit 1
bash scripts/install-test-deps.sh || exit 1

results=.vitest-results.json
rm -f "$results"
npx --no-install vitest run --reporter=default --reporter=json --outputFile="$results" "$@"
status=$?

node -e '
  const fs = require("fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  // A test file that fails to load has no failed test of its own: count it as one failure.
  const brokenFiles = r.testResults.filter(
    (f) => f.status === "failed" && !f.assertionResults.some((t) => t.status === "failed")).length;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results"
exit $status
