#!/usr/bin/env bash
# Installs every Debian package llmops needs to build, test and run. Idempotent: when all of
# them are present it only checks and exits. Run as root, or as a user with sudo.
set -euo pipefail

packages=(
  # build
  gcc make pkg-config
  # libraries (see DESIGN.md)
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libssl-dev libcurl4-openssl-dev
  libyaml-dev libhiredis-dev zlib1g-dev libprotobuf-c-dev protobuf-c-compiler libcsv-dev
  libpcre2-dev
  # tests: unit-test library, a real PostgreSQL, an HTTP client, libFuzzer
  libcmocka-dev postgresql curl clang libclang-rt-14-dev
  # tests: a real Redis for the gateway's shared rate-limit and cache state
  redis-server
  # tests: promtool (`promtool check metrics` on the /metrics exposition)
  prometheus
  # tests: the headless browser the web UI tests drive (playwright-core, tests/web)
  chromium
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# The conformance tests drive the server with real clients from npm: node and npm are needed
# (Debian's nodejs and npm when node is not on the PATH at all).
if ! command -v node >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

# npm packages of the conformance and web UI tests, from their lock file. A copy of the lock file in
# node_modules marks an install as current, so this is skipped until the lock file changes.
cd "$(dirname "$0")/.."
for dir in tests/conformance tests/web; do
  [[ -f "$dir/package-lock.json" ]] || continue
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.llmops-installed-lock" 2>/dev/null; then
    echo "install-deps: npm ci in $dir"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
    cp "$dir/package-lock.json" "$dir/node_modules/.llmops-installed-lock"
  fi
done
