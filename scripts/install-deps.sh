#!/usr/bin/env bash
# Installs every Debian package llmops needs to build, test and run. Idempotent: when all of
# them are present it only checks and exits. Run as root, or as a user with sudo.
set -euo pipefail

packages=(
  # build
  gcc make pkg-config
  # libraries (see DESIGN.md)
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libssl-dev libcurl4-openssl-dev
  libyaml-dev
  # tests: unit-test library, a real PostgreSQL, an HTTP client, libFuzzer
  libcmocka-dev postgresql curl clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
