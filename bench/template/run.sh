#!/usr/bin/env bash
# run.sh - runs the template benchmark: bench_template (llmops, C) and nunjucks.js (the peer)
# render the same chat prompt with the same variables; their outputs must be identical; prints
# both rates and the ratio llmops / nunjucks. usage: run.sh BENCH_BINARY [renders]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$1
n=${2:-200000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
c_out=$("$bin" "$n" bench/template/chat_prompt.jinja bench/template/vars.json "$tmp/llmops.txt")
js_out=$(node bench/template/nunjucks.js "$n" bench/template/chat_prompt.jinja \
  bench/template/vars.json "$tmp/nunjucks.txt")
if ! cmp -s "$tmp/llmops.txt" "$tmp/nunjucks.txt"; then
  echo "bench-template: llmops and nunjucks rendered different text:" >&2
  diff "$tmp/llmops.txt" "$tmp/nunjucks.txt" >&2 || true
  exit 1
fi
echo "$c_out" | grep -v '^RATE'
echo "$js_out" | grep -v '^RATE'
c_rate=$(echo "$c_out" | awk '/^RATE/ {print $2}')
js_rate=$(echo "$js_out" | awk '/^RATE/ {print $2}')
awk -v c="$c_rate" -v j="$js_rate" 'BEGIN { printf "ratio llmops/nunjucks: %.2f\n", c / j }'
