#!/usr/bin/env bash
# Runs the whole test suite against the binaries in $BUILD (default build/):
#   1. unit tests (cmocka), with a throwaway PostgreSQL so store tests cover both backends;
#   2. integration tests over HTTP against the real server, once on SQLite and once on
#      PostgreSQL (a fresh database per run), plus the multi-server tests on PostgreSQL.
# Every cmocka test reports in TAP; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export LLMOPS_BIN=$BUILD/llmops
export CMOCKA_MESSAGE_OUTPUT=TAP
log_dir=$(mktemp -d /tmp/llmops-tests-XXXXXX)
passed=0
failed=0
failures=()

pg_dir=""
cleanup() {
  [[ -n "$pg_dir" ]] && tests/pg.sh stop "$pg_dir"
  rm -rf "$log_dir"
}
trap cleanup EXIT

# run LABEL COMMAND...: run one test binary, echo its TAP, count ok / not ok lines.
run() {
  local label=$1
  shift
  local out="$log_dir/$(echo "$label" | tr ' /:' '___').log"
  echo "== $label"
  "$@" >"$out" 2>&1
  local rc=$?
  local ok bad
  ok=$(grep -c '^ok ' "$out")
  bad=$(grep -c '^not ok ' "$out")
  sed 's/^/   /' "$out" | grep -E '^   (ok|not ok|#)' || true
  if [[ $rc -ne 0 && $bad -eq 0 ]]; then # crashed or failed outside a test
    bad=1
    echo "   not ok - $label exited with status $rc"
  fi
  if [[ $bad -gt 0 ]]; then
    failures+=("$label")
    sed 's/^/   | /' "$out" | tail -n 60
  fi
  passed=$((passed + ok))
  failed=$((failed + bad))
}

if out=$(tests/pg.sh start); then
  eval "$out"
  pg_dir=$PG_DIR
else
  echo "could not start PostgreSQL" >&2
  failed=$((failed + 1))
  failures+=("postgresql start")
fi

for t in $BUILD/tests/test_*; do
  name=$(basename "$t")
  [[ -f tests/unit/$name.c ]] || continue
  run "unit $name" env LLMOPS_TEST_PG_URL="${PG_URL:-}" "$t"
done

for t in $BUILD/tests/test_*; do
  name=$(basename "$t")
  [[ -f tests/integration/$name.c ]] || continue
  case $name in
  test_multi_*) ;; # needs a shared database: PostgreSQL only
  *) run "integration $name sqlite" env -u LLMOPS_TEST_STORE "$t" ;;
  esac
  if [[ -n "$pg_dir" ]]; then
    db="it_${name}_$$"
    # An empty URL would quietly run the "postgresql" pass on SQLite: count it as a failure.
    if ! url=$(PG_URL=$PG_URL tests/pg.sh createdb "$db") || [[ -z "$url" ]]; then
      echo "   not ok - could not create database $db"
      failed=$((failed + 1))
      failures+=("createdb $db")
      continue
    fi
    run "integration $name postgresql" env LLMOPS_TEST_STORE="$url" LLMOPS_TEST_PG_URL="$PG_URL" "$t"
  fi
done

echo
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
