#!/usr/bin/env bash
# README's test command: every test. Biome's lint and format check, the type
# checks (tsc, svelte-check), route and verb tests on embedded PGlite
# (and the web app's own unit tests), the same server tests again on a
# throwaway PostgreSQL server, then the e2e tests in
# Chromium, the live media ones inside a private network namespace, then every
# benchmark in quick mode. Ends with
# "N passed, N failed" alone on a line; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh system test || exit 1
[ -x node_modules/.bin/bun ] || scripts/install.sh packages || exit 1
BUN=node_modules/.bin/bun
passed=0 failed=0

# Runs one step; bun test prints " N pass" / " N fail"; a step that fails
# without a count (build, typecheck, crash) counts as one failure.
step() {
  local label=$1; shift
  echo "== $label"
  local log; log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -E '^ *[0-9]+ pass$' "$log" | tail -n 1 | tr -dc 0-9)
  f=$(grep -E '^ *[0-9]+ fail$' "$log" | tail -n 1 | tr -dc 0-9)
  rm -f "$log"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); echo "== $label failed (exit $rc)"; fi
}

step "lint and format (Biome)" npm run --silent lint
step "typecheck (server, e2e, bench; web app with svelte-check)" npm run --silent typecheck
step "build the web app" scripts/install.sh build
# A generous per-test limit: these hash real passwords (argon2id) and run real databases, slow on a busy 2-core machine.
step "server tests on PGlite" "$BUN" test --timeout 30000 src
step "web app unit tests" "$BUN" test web/src

# The database tests once more on a real PostgreSQL server.
pg_pid_dir=""
if [ -z "${LOUPE_TEST_DATABASE_URL:-}" ]; then
  pg_pid_dir=$(mktemp -d)
  if url=$(scripts/postgres-tmp.sh start "$pg_pid_dir"); then
    export LOUPE_TEST_DATABASE_URL=$url
  else
    failed=$((failed + 1)); echo "== could not start a PostgreSQL server for the tests"
  fi
fi
if [ -n "${LOUPE_TEST_DATABASE_URL:-}" ]; then
  step "server tests on PostgreSQL" "$BUN" test --timeout 30000 src
fi
[ -n "$pg_pid_dir" ] && scripts/postgres-tmp.sh stop "$pg_pid_dir"
unset LOUPE_TEST_DATABASE_URL

step "end-to-end tests in Chromium" "$BUN" test e2e/*.test.ts
# Live media needs a non-loopback interface (Janus gathers no ICE candidates on
# lo): these run in a private network namespace that exists only for them.
step "live media end-to-end in a network namespace" scripts/netns.sh "$BUN" test e2e/media
# Every benchmark, briefly, so bench/ keeps working (figures go to bench/results/quick.*;
# a missed target is reported, not failed; full runs are `npm run bench`).
step "benchmarks (quick)" "$BUN" bench/run.ts --quick

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
