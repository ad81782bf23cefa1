#!/usr/bin/env bash
# run.sh - gateway benchmark: the same wrk load (a chat completion POST; non-streaming and
# streaming) against
#   direct   the fake provider (tests/fake_provider), the fast fixed upstream
#   nginx    Debian nginx as a plain keep-alive reverse proxy to it
#   llmops   `llmops server` with an endpoint "bench" whose target is the fake
#   portkey  the Portkey AI gateway (npm @portkey-ai/gateway) with the fake as custom host
# and prints requests/s, latency p50/p99, the latency each gateway adds over direct, and the
# ratios llmops/nginx and llmops/portkey. A leg that cannot start, or whose probe request does
# not answer 200 (with [DONE] for streams), is skipped with the reason printed.
#
# Pinning (when the machine has >= 2 cores): the servers (fake + the gateway under test) on
# core BENCH_SERVER_CPU (default 1), wrk on core BENCH_CLIENT_CPU (default 0), so the load
# generator does not compete with what it measures; the gateway legs share their core with
# the upstream, the direct leg has it alone.
#
# Settings (environment): BUILD (build dir, default build), LLMOPS_BIN (default
# $BUILD/llmops), BENCH_DURATION (seconds per run, default 10), BENCH_WARMUP (seconds, default
# 2), BENCH_CONNECTIONS (64), BENCH_THREADS (wrk threads, 2), BENCH_LEGS ("direct nginx llmops
# portkey"), BENCH_MODES ("nonstream stream"), PORTKEY_NODE (node binary for Portkey, default
# node). Installs wrk and nginx with apt-get when missing, and Portkey with npm ci.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
LLMOPS_BIN=${LLMOPS_BIN:-$BUILD/llmops}
FAKE_BIN=${FAKE_PROVIDER_BIN:-$BUILD/fake_provider}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
LEGS=${BENCH_LEGS:-direct nginx llmops portkey}
MODES=${BENCH_MODES:-nonstream stream}
PORTKEY_NODE=${PORTKEY_NODE:-node}
SERVER_CPU=${BENCH_SERVER_CPU:-1}
CLIENT_CPU=${BENCH_CLIENT_CPU:-0}
here=bench/gateway

die() {
  echo "bench-gateway: $*" >&2
  exit 1
}

# --- prerequisites -----------------------------------------------------------------------
[[ -x $FAKE_BIN ]] || die "$FAKE_BIN missing: run make $FAKE_BIN"
if ! command -v wrk >/dev/null || ! { command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; }; then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  echo "bench-gateway: installing wrk and nginx"
  "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq wrk nginx >/dev/null ||
    die "could not install wrk and nginx"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if ! cmp -s $here/package-lock.json $here/node_modules/.llmops-installed-lock 2>/dev/null; then
  echo "bench-gateway: npm ci in $here"
  if npm ci --prefix $here --no-audit --no-fund --loglevel=error >/dev/null; then
    cp $here/package-lock.json $here/node_modules/.llmops-installed-lock
  else
    echo "bench-gateway: npm ci failed: the portkey leg will be skipped" >&2
  fi
fi

cores=$(nproc)
pin_server=()
pin_client=()
if [[ $cores -ge 2 ]] && command -v taskset >/dev/null; then
  pin_server=(taskset -c "$SERVER_CPU")
  pin_client=(taskset -c "$CLIENT_CPU")
fi

tmp=$(mktemp -d /tmp/llmops-bench-gateway-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL: up to 15 s for any HTTP answer
wait_http() {
  for _ in $(seq 150); do
    curl -s -o /dev/null -m 1 "$1" && return 0
    sleep 0.1
  done
  return 1
}

# stop_pid PID: stop one server this script started
stop_pid() {
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# --- the upstream ------------------------------------------------------------------------
"${pin_server[@]}" "$FAKE_BIN" --port 0 --threads 1 >"$tmp/fake.out" 2>&1 &
fake_pid=$!
pids+=("$fake_pid")
for _ in $(seq 100); do
  grep -q '^listening' "$tmp/fake.out" && break
  sleep 0.05
done
FAKE_PORT=$(awk '/^listening/ {print $2}' "$tmp/fake.out")
[[ -n $FAKE_PORT ]] || die "fake provider did not start: $(cat "$tmp/fake.out")"
FAKE_URL=http://127.0.0.1:$FAKE_PORT

# --- the load ----------------------------------------------------------------------------
# The Lua script takes the model, the stream flag and extra headers from the environment.
cat >"$tmp/chat.lua" <<'EOF'
local model = os.getenv("BENCH_MODEL")
local stream = os.getenv("BENCH_STREAM") == "1"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-key"
for h in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^|]+") do
  local k, v = string.match(h, "^([^:]+):%s*(.*)$")
  if k then wrk.headers[k] = v end
end
wrk.body = '{"model":"' .. model .. '","messages":[' ..
  '{"role":"system","content":"You are a helpful assistant."},' ..
  '{"role":"user","content":"Say hello to the benchmark in a few words"}]' ..
  (stream and ',"stream":true' or '') .. '}'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %d %d %d %d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
EOF

# probe URL MODEL STREAM HEADERS: one request with curl; prints why it failed, if it did
probe() {
  local url=$1 model=$2 stream=$3 headers=$4 args=() body
  local IFS='|'
  for h in $headers; do args+=(-H "$h"); done
  unset IFS
  body="{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":\"probe\"}]$([[ $stream == 1 ]] && echo ',"stream":true')}"
  local code
  code=$(curl -s -m 10 -o "$tmp/probe.out" -w '%{http_code}' "${args[@]}" \
    -H 'Content-Type: application/json' -H 'Authorization: Bearer bench-key' \
    -d "$body" "$url/v1/chat/completions")
  if [[ $code != 200 ]]; then
    echo "HTTP $code: $(head -c 200 "$tmp/probe.out" | tr '\n' ' ')"
    return 1
  fi
  if [[ $stream == 1 ]] && ! grep -q 'data: \[DONE\]' "$tmp/probe.out"; then
    echo "stream without [DONE]: $(head -c 200 "$tmp/probe.out" | tr '\n' ' ')"
    return 1
  fi
  # a stream carries the answer in pieces: "echo:" then " probe"
  if ! grep -q "$([[ $stream == 1 ]] && echo '" probe"' || echo 'echo: probe')" "$tmp/probe.out"; then
    echo "answer did not come from the fake: $(head -c 200 "$tmp/probe.out" | tr '\n' ' ')"
    return 1
  fi
  return 0
}

declare -A RPS P50 P99 NOTE RSS
# record_rss LEG PID: the resident memory of the server under test after its runs
record_rss() {
  RSS[$1]=$(ps -o rss= -p "$2" 2>/dev/null | awk '{ printf "%.0f", $1 / 1024 }')
}
# measure LEG MODE URL MODEL HEADERS
measure() {
  local leg=$1 mode=$2 url=$3 model=$4 headers=$5 stream=0 why
  [[ $mode == stream ]] && stream=1
  if ! why=$(probe "$url" "$model" "$stream" "$headers"); then
    # the server's own first error line, when it logged one (Portkey does, on Node 20 streams)
    local log=$tmp/$leg.log err
    [[ -f $log ]] && err=$(grep -m1 -E 'Error' "$log" | head -c 160) && [[ -n $err ]] && why="$why; server log: $err"
    NOTE[$leg.$mode]="skipped: $why"
    echo "  $leg $mode: skipped: $why"
    return
  fi
  export BENCH_MODEL=$model BENCH_STREAM=$stream BENCH_HEADERS=$headers
  if [[ $WARMUP -gt 0 ]]; then
    "${pin_client[@]}" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$tmp/chat.lua" "$url/v1/chat/completions" >/dev/null 2>&1
  fi
  local out line
  out=$("${pin_client[@]}" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s \
    -s "$tmp/chat.lua" "$url/v1/chat/completions" 2>&1)
  line=$(echo "$out" | grep '^RESULT')
  if [[ -z $line ]]; then
    NOTE[$leg.$mode]="wrk failed: $(echo "$out" | tail -3 | tr '\n' ' ')"
    echo "  $leg $mode: ${NOTE[$leg.$mode]}"
    return
  fi
  read -r _ n rps p50 p99 bad errs <<<"$line"
  RPS[$leg.$mode]=$rps
  P50[$leg.$mode]=$p50
  P99[$leg.$mode]=$p99
  if [[ $bad -gt 0 || $errs -gt 0 ]]; then
    NOTE[$leg.$mode]="$bad non-2xx, $errs socket errors of $n"
  fi
  printf '  %-8s %-9s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  %s\n' "$leg" "$mode" "$rps" \
    "$(awk -v u="$p50" 'BEGIN{print u/1000}')" "$(awk -v u="$p99" 'BEGIN{print u/1000}')" \
    "${NOTE[$leg.$mode]:-}"
}

# --- the legs ----------------------------------------------------------------------------
leg_direct() {
  for mode in $MODES; do measure direct "$mode" "$FAKE_URL" fake ""; done
  record_rss direct "$fake_pid"
}

leg_nginx() {
  local port
  port=$(free_port)
  mkdir -p "$tmp/nginx"
  cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  upstream fake {
    server 127.0.0.1:$FAKE_PORT;
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
  "${pin_server[@]}" "$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
    >"$tmp/nginx/out.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  if ! wait_http "http://127.0.0.1:$port/"; then
    for mode in $MODES; do NOTE[nginx.$mode]="skipped: nginx did not start: $(tail -2 "$tmp/nginx/error.log" "$tmp/nginx/out.log" 2>/dev/null | tr '\n' ' ')"; done
    echo "  nginx: ${NOTE[nginx.nonstream]:-did not start}"
    stop_pid "$pid"
    return
  fi
  for mode in $MODES; do measure nginx "$mode" "http://127.0.0.1:$port" fake ""; done
  # nginx: the master and its worker
  RSS[nginx]=$(ps -o rss= --ppid "$pid" -p "$pid" 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s / 1024 }')
  stop_pid "$pid"
}

leg_llmops() {
  local port why=""
  port=$(free_port)
  if [[ ! -x $LLMOPS_BIN ]]; then
    why="$LLMOPS_BIN missing"
  else
    "${pin_server[@]}" "$LLMOPS_BIN" server --port "$port" --data "$tmp/llmops-data" \
      >"$tmp/llmops.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    if ! wait_http "http://127.0.0.1:$port/healthz"; then
      why="llmops did not start: $(tail -3 "$tmp/llmops.log" | tr '\n' ' ')"
    else
      local code
      code=$(curl -s -o "$tmp/endpoint.out" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' "http://127.0.0.1:$port/api/v1/endpoints" \
        -d "{\"name\":\"bench\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"$FAKE_URL/v1\",\"model\":\"fake\"}]}")
      [[ $code == 200 || $code == 201 ]] ||
        why="creating the endpoint gave HTTP $code: $(head -c 200 "$tmp/endpoint.out")"
    fi
  fi
  if [[ -n $why ]]; then
    for mode in $MODES; do NOTE[llmops.$mode]="skipped: $why"; done
    echo "  llmops: skipped: $why"
  else
    for mode in $MODES; do measure llmops "$mode" "http://127.0.0.1:$port" bench ""; done
    record_rss llmops "$pid"
  fi
  [[ -n ${pid:-} ]] && stop_pid "$pid"
}

leg_portkey() {
  local port start=$here/node_modules/@portkey-ai/gateway/build/start-server.js
  port=$(free_port)
  if [[ ! -f $start ]]; then
    for mode in $MODES; do NOTE[portkey.$mode]="skipped: $start missing (npm ci failed?)"; done
    echo "  portkey: skipped: $start missing"
    return
  fi
  "${pin_server[@]}" "$PORTKEY_NODE" "$start" --port="$port" --headless >"$tmp/portkey.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  if ! wait_http "http://127.0.0.1:$port/"; then
    for mode in $MODES; do NOTE[portkey.$mode]="skipped: portkey did not start: $(tail -3 "$tmp/portkey.log" | tr '\n' ' ')"; done
    echo "  portkey: ${NOTE[portkey.nonstream]:-did not start}"
    stop_pid "$pid"
    return
  fi
  local headers="x-portkey-provider: openai|x-portkey-custom-host: $FAKE_URL/v1"
  for mode in $MODES; do measure portkey "$mode" "http://127.0.0.1:$port" fake "$headers"; done
  record_rss portkey "$pid"
  stop_pid "$pid"
}

pinning="not pinned"
[[ ${#pin_server[@]} -gt 0 ]] && pinning="servers on core $SERVER_CPU, wrk on core $CLIENT_CPU"
echo "bench-gateway: $cores cores, $pinning; wrk $THREADS threads, $CONNS connections, ${DURATION}s per run"
echo "node for portkey: $("$PORTKEY_NODE" --version 2>/dev/null || echo missing); nginx $("$NGINX" -v 2>&1 | sed 's/.*\///')"
for leg in $LEGS; do
  case $leg in
  direct) leg_direct ;;
  nginx) leg_nginx ;;
  llmops) leg_llmops ;;
  portkey) leg_portkey ;;
  *) die "unknown leg $leg" ;;
  esac
done

# --- the table ---------------------------------------------------------------------------
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
echo
printf '%-8s %-9s %10s %9s %9s %12s %12s %7s  %s\n' leg mode "req/s" "p50 ms" "p99 ms" "+p50 ms" "+p99 ms" "RSS MB" note
for mode in $MODES; do
  for leg in $LEGS; do
    k=$leg.$mode
    if [[ -z ${RPS[$k]:-} ]]; then
      printf '%-8s %-9s %10s %9s %9s %12s %12s %7s  %s\n' "$leg" "$mode" - - - - - - "${NOTE[$k]:-not run}"
      continue
    fi
    add50=- add99=-
    if [[ -n ${RPS[direct.$mode]:-} && $leg != direct ]]; then
      add50=$(ms $((P50[$k] - P50[direct.$mode])))
      add99=$(ms $((P99[$k] - P99[direct.$mode])))
    fi
    printf '%-8s %-9s %10.0f %9s %9s %12s %12s %7s  %s\n' "$leg" "$mode" "${RPS[$k]}" "$(ms "${P50[$k]}")" \
      "$(ms "${P99[$k]}")" "$add50" "$add99" "${RSS[$leg]:--}" "${NOTE[$k]:-}"
  done
done
echo
for mode in $MODES; do
  for peer in nginx portkey; do
    a=${RPS[llmops.$mode]:-} b=${RPS[$peer.$mode]:-}
    if [[ -n $a && -n $b ]]; then
      awk -v a="$a" -v b="$b" -v p="$peer" -v m="$mode" -v a50="${P50[llmops.$mode]}" \
        -v b50="${P50[$peer.$mode]}" 'BEGIN { printf "llmops/%s %s: throughput %.2fx, p50 latency %.2fx\n", p, m, a / b, a50 / b50 }'
    else
      echo "llmops/$peer $mode: n/a (a leg was skipped)"
    fi
  done
done
