#!/usr/bin/env bash
# The test command (README): type check, unit tests, integration tests on SQLite and PostgreSQL, browser
# tests. PostgreSQL comes from DATABASE_URL / TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:55432/postgres);
# when it is unreachable its suites are skipped with a visible line locally and fail under CI=true.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
step() { echo; echo "=== $*"; }
run_tests() {
  local files
  files=$(find "$@" -name '*.test.ts' 2>/dev/null | sort)
  [ -n "$files" ] || return 0
  # shellcheck disable=SC2086
  node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" $files || status=1
}

step "type check"
npx tsc -p tsconfig.json --noEmit || status=1

step "unit tests"
run_tests test/unit src

step "integration tests (SQLite)"
DB_DIALECT=sqlite run_tests test/int

step "integration tests (PostgreSQL)"
DB_DIALECT=postgres run_tests test/int

step "browser and end-to-end tests"
TEST_CONCURRENCY=1 run_tests test/e2e

echo
[ $status -eq 0 ] && echo "ALL TEST GROUPS PASSED" || echo "SOME TEST GROUPS FAILED"
exit $status
