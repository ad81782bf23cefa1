#!/usr/bin/env bash
# bench/vectors/run.sh - llmops' HNSW index against hnswlib on the same data, the same core and
# the same parameters (the `bench-vectors` make target runs this).
#
#   1. builds bench_vectors (C, against the library) and hnswlib_bench (C++, against Debian's
#      header-only libhnswlib-dev, installed with apt-get when missing), both with the same
#      optimisation flags: -O2, plus BENCH_MARCH (e.g. -march=native) on both sides if set;
#   2. generates the data once (clustered Gaussian, fixed seed; ground truth by exact search)
#      into $BUILD/bench/vectors/data-N-DIM.bin, which both programs read;
#   3. runs each program BENCH_ROUNDS times, alternating, pinned to one core (taskset), and
#      prints the comparison table (best QPS per ef across rounds; CPU time of the thread, so
#      time spent descheduled on a shared machine does not count).
#
#   4. with BENCH_CONCURRENT_SECONDS > 0, measures searches beside a writer on two cores
#      (bench_vectors concurrent: lock-free searches against an index-wide rwlock).
#
# Settings (environment): BENCH_N (100000), BENCH_DIM (128), BENCH_QUERIES (1000),
# BENCH_M (16), BENCH_EFC (200), BENCH_EFS (ef list), BENCH_MARCH (""), BENCH_CPU (1),
# BENCH_ROUNDS (2), BENCH_CONCURRENT_SECONDS (0), BENCH_CONCURRENT_CPUS (0,1).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_N:-100000}
DIM=${BENCH_DIM:-128}
NQ=${BENCH_QUERIES:-1000}
M=${BENCH_M:-16}
EFC=${BENCH_EFC:-200}
EFS=${BENCH_EFS:-10,12,14,16,20,24,28,32,40,48,64,80,96,128,160,192,256,320,400,512}
MARCH=${BENCH_MARCH:-}
CPU=${BENCH_CPU:-1}
ROUNDS=${BENCH_ROUNDS:-2}
CONC_SECONDS=${BENCH_CONCURRENT_SECONDS:-0}
CONC_CPUS=${BENCH_CONCURRENT_CPUS:-0,1}
out=$BUILD/bench/vectors
mkdir -p "$out"

if [[ ! -f /usr/include/hnswlib/hnswlib.h ]] || ! command -v g++ >/dev/null; then
  echo "bench-vectors: installing libhnswlib-dev and g++ (the peer's harness is C++)"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    libhnswlib-dev g++ >/dev/null
fi

# The library with the same flags as the peer: the normal build, or a separate one with MARCH.
libdir=$BUILD
if [[ -n "$MARCH" ]]; then
  libdir=$BUILD/bench-march
  make -s BUILD="$libdir" EXTRA_CFLAGS="$MARCH" "$libdir/libllmops.a"
else
  make -s "$libdir/libllmops.a"
fi
cc -std=c11 -D_GNU_SOURCE -O2 $MARCH -Isrc -o "$out/bench_vectors" bench/vectors/bench_vectors.c \
  "$libdir/libllmops.a" -lcrypto -lpthread -lm
g++ -O2 $MARCH -o "$out/hnswlib_bench" bench/vectors/hnswlib_bench.cpp

data=$out/data-$N-$DIM.bin
if [[ ! -f "$data" ]]; then
  echo "bench-vectors: generating $N x $DIM vectors and $NQ queries"
  "$out/bench_vectors" gen "$data" "$N" "$DIM" "$NQ"
fi

echo "bench-vectors: n=$N dim=$DIM queries=$NQ m=$M ef_construction=$EFC flags=-O2 $MARCH" \
  "cpu=$CPU rounds=$ROUNDS"
ours=()
theirs=()
for r in $(seq 1 "$ROUNDS"); do
  taskset -c "$CPU" "$out/bench_vectors" run "$data" "$M" "$EFC" "$EFS" >"$out/llmops-$r.txt"
  taskset -c "$CPU" "$out/hnswlib_bench" "$data" "$M" "$EFC" "$EFS" >"$out/hnswlib-$r.txt"
  ours+=("$out/llmops-$r.txt")
  theirs+=("$out/hnswlib-$r.txt")
done
"$out/bench_vectors" compare "$(IFS=,; echo "${ours[*]}")" "$(IFS=,; echo "${theirs[*]}")"

if [[ "$CONC_SECONDS" != 0 ]]; then
  echo
  echo "bench-vectors: searches (ef 64) beside a writer, cpus $CONC_CPUS, ${CONC_SECONDS}s each"
  taskset -c "$CONC_CPUS" "$out/bench_vectors" concurrent "$data" 64 "$CONC_SECONDS"
fi
