#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, on loopback only, in a folder of its own.
#   postgres-tmp.sh start DIR   prints the connection URL
#   postgres-tmp.sh stop DIR
# On a test host of its own (e2e/media/hosts.ts), PG_LISTEN=<its address> and
# PG_ALLOW=<the test network's CIDR> make it listen there and trust that network.
set -euo pipefail
dir=${2:?usage: $0 start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "postgres-tmp.sh: PostgreSQL is not installed (scripts/install.sh system test)" >&2; exit 1; }

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $1 in
  start)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(( 20000 + RANDOM % 20000 ))
    listen=${PG_LISTEN:-127.0.0.1}
    as_pg "$bin/initdb" -D "$dir/data" -U loupe -A trust --no-sync >"$dir/initdb.log" 2>&1
    [ -n "${PG_ALLOW:-}" ] && echo "host all all $PG_ALLOW trust" >> "$dir/data/pg_hba.conf"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-c listen_addresses=$listen -p $port -k $dir -c fsync=off" start >/dev/null
    echo "postgres://loupe@$listen:$port/postgres" ;;
  stop)
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    rm -rf "$dir" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
