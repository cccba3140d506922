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
failures=$(mktemp) flaky=$(mktemp)

# Runs one step; bun test prints " N pass" / " N fail"; a step that fails
# without a count (build, typecheck, crash) counts as one failure.
step() {
  local label=$1; shift
  echo "== $label"
  local log; log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  count "$log"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); echo "== $label failed (exit $rc)"; fi
  rm -f "$log"
}

# Sets p and f from a bun test log, and appends "file: test" for each failed
# test to $failures (or to the second argument).
count() {
  p=$(grep -E '^ *[0-9]+ pass$' "$1" | tail -n 1 | tr -dc 0-9)
  f=$(grep -E '^ *[0-9]+ fail$' "$1" | tail -n 1 | tr -dc 0-9)
  # bun repeats the failed tests in a summary after the last file ("N tests failed:"): skipped there.
  awk '/^[0-9]+ tests? failed:$/ { summary = 1 }
       /^[^ ].*\.test\.(ts|js):$/ { file = substr($0, 1, length($0) - 1) }
       /^\(fail\) / && !summary { sub(/ \[[0-9.]+m?s\]$/, ""); print file ": " substr($0, 8) }' "$1" >> "${2:-$failures}"
}

# A bun test step: the runner's words, "--", then the paths. A file with a
# failed test runs once more on its own (at most three files, so a broken
# change does not double the run): a test that then passes is listed as
# flaky above the summary and counted as passed, never hidden.
tests() {
  local label=$1; shift
  local runner=() paths=()
  while [ "$1" != "--" ]; do runner+=("$1"); shift; done; shift
  paths=("$@")
  echo "== $label"
  local log; log=$(mktemp)
  local before; before=$(wc -l < "$failures")
  "${runner[@]}" "${paths[@]}" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  count "$log"
  local first_p=${p:-0} first_f=${f:-0}
  mapfile -t files < <(tail -n +"$((before + 1))" "$failures" | sed 's/: .*//' | sort -u)
  if [ "$first_f" -gt 0 ] && [ "${#files[@]}" -le 3 ]; then
    local file failed_here n
    for file in "${files[@]}"; do
      failed_here=$(tail -n +"$((before + 1))" "$failures" | grep -F "$file: ")
      echo "== $label: running $file once more"
      "${runner[@]}" "./$file" 2>&1 | tee "$log"
      rc=${PIPESTATUS[0]}
      count "$log" /dev/null
      if [ "$rc" -eq 0 ] && [ "${f:-0}" -eq 0 ]; then
        echo "$failed_here" >> "$flaky"
        grep -vF "$file: " "$failures" > "$failures.keep"; mv "$failures.keep" "$failures"
        n=$(printf '%s\n' "$failed_here" | grep -c .)
        first_p=$((first_p + n)); first_f=$((first_f > n ? first_f - n : 0))
      fi
    done
    rc=$((first_f > 0))
  fi
  passed=$((passed + first_p))
  failed=$((failed + first_f))
  if [ "$rc" -ne 0 ] && [ "$first_f" -eq 0 ]; then failed=$((failed + 1)); echo "== $label failed (exit $rc)"; fi
  rm -f "$log"
}

step "lint and format (Biome)" npm run --silent lint
step "typecheck (server, e2e, bench; web app with svelte-check)" npm run --silent typecheck
step "build the web app" scripts/install.sh build
# A generous per-test limit: these hash real passwords (argon2id) and run real databases, slow on a busy 2-core machine.
tests "server tests on PGlite" "$BUN" test --timeout 30000 -- src
tests "web app unit tests" "$BUN" test -- web/src

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
  tests "server tests on PostgreSQL" "$BUN" test --timeout 30000 -- src
fi
[ -n "$pg_pid_dir" ] && scripts/postgres-tmp.sh stop "$pg_pid_dir"
unset LOUPE_TEST_DATABASE_URL

# The per-test limit is also the limit of every beforeAll/afterAll hook that
# names none: 60 s, not bun's 5 s, because closing real browsers and servers
# on a busy 2-core machine can take several seconds.
tests "end-to-end tests in Chromium" "$BUN" test --timeout 60000 -- e2e/*.test.ts
# Live media needs a non-loopback interface (Janus gathers no ICE candidates on
# lo): these run in a private network namespace that exists only for them.
tests "live media end-to-end in a network namespace" scripts/netns.sh "$BUN" test --timeout 60000 -- e2e/media
# Every benchmark, briefly, so bench/ keeps working (figures go to bench/results/quick.*;
# a missed target is reported, not failed; full runs are `npm run bench`).
step "benchmarks (quick)" "$BUN" bench/run.ts --quick

# Last, where the tail of CI's log shows them: what failed, what was flaky.
if [ -s "$flaky" ]; then echo "== flaky (failed, then passed when their file ran again):"; sed 's/^/  /' "$flaky"; fi
if [ -s "$failures" ]; then echo "== failed:"; sed 's/^/  /' "$failures"; fi
rm -f "$failures" "$flaky"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
