#!/usr/bin/env bash
# A throwaway PostgreSQL server for the collector's tests and benchmark: a fresh data directory
# under /tmp, loopback only, a random free port, trust authentication, no fsync shortcuts (the
# crash test relies on real commits).
#   eval "$(bash scripts/throwaway-postgres.sh start)"   # exports COLLECTOR_PG_URL, CW_PG_DIR
#   bash scripts/throwaway-postgres.sh stop "$CW_PG_DIR"
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (runuser).
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL server not installed (apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/cw-pg-XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
    echo "export COLLECTOR_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres CW_PG_DIR=$dir"
    ;;
  stop)
    dir=${2:?usage: stop DIR}
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
