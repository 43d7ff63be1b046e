#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on 127.0.0.1 only.
#
#   scripts/postgres.sh start   starts it (initialising its data directory if needed) and
#                               prints its URL; does nothing but print the URL if it runs
#   scripts/postgres.sh stop    stops it
#
# PROVER_PG_PORT (55432) and PROVER_PG_DATA (/tmp/prover-test-pg) choose where. As root
# the server runs as the `postgres` user, which PostgreSQL requires.
set -euo pipefail
port=${PROVER_PG_PORT:-55432}
data=${PROVER_PG_DATA:-/tmp/prover-test-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres.sh: PostgreSQL is not installed (make deps)" >&2; exit 1; }
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi
url="postgres://postgres@127.0.0.1:$port/postgres"

case "${1:-start}" in
  start)
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then echo "$url"; exit 0; fi
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      [ ${#as_owner[@]} -eq 0 ] || chown postgres "$data"
      "${as_owner[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
    fi
    "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp -c max_connections=300 -c fsync=off" \
      start >/dev/null
    echo "$url"
    ;;
  stop)
    if [ -f "$data/postmaster.pid" ]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -w -m fast stop >/dev/null
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
