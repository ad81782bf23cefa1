#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL server for the tests.
#
#   eval "$(tests/pg.sh start)"   # sets PG_DIR and PG_URL (admin URL, database "postgres")
#   tests/pg.sh createdb NAME     # prints the URL of a new empty database NAME
#   tests/pg.sh stop "$PG_DIR"
#
# PostgreSQL refuses to run as root, so the server runs as the "postgres" user when we are
# root. It listens on 127.0.0.1 on a free port with trust authentication, in a temporary
# directory that stop removes.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -n "$bindir" ]] || { echo "pg.sh: PostgreSQL server binaries not found" >&2; exit 1; }

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A random high port; start retries with another if it turns out to be taken.
free_port() { shuf -i 20000-60000 -n 1; }

case "${1:-}" in
start)
  dir=$(mktemp -d /tmp/llmops-pg-XXXXXX)
  chmod 755 "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
  as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null 2>&1; then
      echo "PG_DIR=$dir"
      echo "PG_URL=postgresql://postgres@127.0.0.1:$port/postgres"
      exit 0
    fi
  done
  cat "$dir/server.log" >&2
  exit 1
  ;;
createdb)
  name=$2
  url=${PG_URL:?PG_URL must be set}
  PGOPTIONS="-c client_min_messages=warning" psql "$url" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\"" >/dev/null
  echo "${url%/*}/$name"
  ;;
stop)
  dir=${2:?usage: pg.sh stop DIR}
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: pg.sh start | createdb NAME | stop DIR" >&2
  exit 2
  ;;
esac
