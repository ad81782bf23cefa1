#!/usr/bin/env bash
# bench/eval/run.sh - an evaluation of BENCH_ROWS rows (1,000) at concurrency BENCH_CONCURRENCY
# (32) against the fake provider answering after BENCH_LATENCY_MS (20 ms), run by
# `llmops eval run` and by promptfoo (tests/promptfoo/, pinned) on the same work: the same rows,
# the same prompt, one equals assertion, both through the llmops gateway of one server, neither
# using a cache. Prints each tool's wall time (best of BENCH_REPEAT), its overhead per row
# beyond the ideal (rows x latency / concurrency) and the ratio.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
LLMOPS_BIN=${LLMOPS_BIN:-$BUILD/llmops}
FAKE_BIN=${FAKE_PROVIDER_BIN:-$BUILD/fake_provider}
ROWS=${BENCH_ROWS:-1000}
CONCURRENCY=${BENCH_CONCURRENCY:-32}
LATENCY_MS=${BENCH_LATENCY_MS:-20}
REPEAT=${BENCH_REPEAT:-3}
PROMPTFOO=tests/promptfoo/node_modules/.bin/promptfoo

die() {
  echo "bench-eval: $*" >&2
  exit 1
}
[[ -x $LLMOPS_BIN && -x $FAKE_BIN ]] || die "build first: make $LLMOPS_BIN $FAKE_BIN"
[[ -x $PROMPTFOO ]] || die "$PROMPTFOO missing: run scripts/install-deps.sh"

tmp=$(mktemp -d /tmp/llmops-bench-eval-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

"$FAKE_BIN" --port 0 >"$tmp/fake.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^listening' "$tmp/fake.out" && break; sleep 0.05; done
FAKE_PORT=$(awk '/^listening/ {print $2}' "$tmp/fake.out")
[[ -n $FAKE_PORT ]] || die "the fake provider did not start: $(cat "$tmp/fake.out")"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
"$LLMOPS_BIN" server --port "$PORT" --data "$tmp/data" >"$tmp/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do curl -sf -o /dev/null "$BASE/healthz" && break; sleep 0.1; done
curl -sf -o /dev/null "$BASE/healthz" || die "the server did not start: $(tail -5 "$tmp/server.log")"

api() { curl -sf -X "$1" "$BASE$2" -H "Content-Type: ${4:-application/json}" --data-binary "$3" >/dev/null ||
  die "$1 $2 failed"; }
api POST /api/v1/endpoints "{\"name\":\"bench\",\"targets\":[{\"provider\":\"openai\",
  \"base_url\":\"http://127.0.0.1:$FAKE_PORT/v1\",\"model\":\"fake?latency_ms=$LATENCY_MS\"}]}"
api POST /api/v1/datasets '{"name":"bench"}'
for i in $(seq "$ROWS"); do
  echo "{\"input\":\"question number $i\",\"expected\":\"echo: question number $i\"}"
done >"$tmp/rows.jsonl"
api POST /api/v1/datasets/bench/versions "@$tmp/rows.jsonl" application/x-ndjson

# promptfoo's config: the same rows as tests, the prompt is the input as the user message.
node -e '
const fs = require("fs");
const rows = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
fs.writeFileSync(process.argv[2], JSON.stringify({
  prompts: ["{{input}}"],
  providers: [{ id: "openai:chat:bench", config: { apiBaseUrl: process.argv[3] + "/v1", apiKey: "unused" } }],
  tests: rows.map((r) => ({ vars: { input: r.input }, assert: [{ type: "equals", value: r.expected }] })),
}));' "$tmp/rows.jsonl" "$tmp/promptfoo.json" "$BASE"

now_ms() { date +%s%3N; }
best() { sort -n | head -1; }

llmops_times=()
for r in $(seq "$REPEAT"); do
  t0=$(now_ms)
  LLMOPS_SERVER=$BASE "$LLMOPS_BIN" eval run --dataset bench@latest --endpoint bench \
    --scorer exact_match --concurrency "$CONCURRENCY" --no-cache --quiet --output json >"$tmp/llmops.json" ||
    die "llmops eval run failed"
  llmops_times+=($(($(now_ms) - t0)))
  grep -q '"status": *"finished"' "$tmp/llmops.json" || die "the llmops evaluation did not finish"
done

pf_times=()
for r in $(seq "$REPEAT"); do
  t0=$(now_ms)
  PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_DISABLE_SHARING=1 \
    PROMPTFOO_CONFIG_DIR="$tmp/promptfoo-home" \
    "$PROMPTFOO" eval -c "$tmp/promptfoo.json" --no-cache --no-progress-bar --no-table \
    -j "$CONCURRENCY" -o "$tmp/promptfoo-out.json" >"$tmp/promptfoo.log" 2>&1
  rc=$?
  [[ $rc -eq 0 ]] || die "promptfoo failed ($rc): $(tail -5 "$tmp/promptfoo.log")"
  pf_times+=($(($(now_ms) - t0)))
done

l=$(printf '%s\n' "${llmops_times[@]}" | best)
p=$(printf '%s\n' "${pf_times[@]}" | best)
ideal=$((ROWS * LATENCY_MS / CONCURRENCY))
echo "bench-eval: $ROWS rows, concurrency $CONCURRENCY, upstream latency ${LATENCY_MS} ms, best of $REPEAT"
echo "bench-eval: ideal wall time (rows x latency / concurrency): $ideal ms"
awk -v l="$l" -v p="$p" -v i="$ideal" -v n="$ROWS" 'BEGIN {
  printf "| tool | wall ms | overhead per row ms |\n| --- | ---: | ---: |\n";
  printf "| llmops eval run | %d | %.3f |\n", l, (l - i) / n;
  printf "| promptfoo eval | %d | %.3f |\n", p, (p - i) / n;
  printf "promptfoo / llmops wall time: %.2fx\n", p / l }'
