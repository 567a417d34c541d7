#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1:${PGPORT:-55432} (trust auth, data in a temp dir), as CI does.
# Usage: scripts/start-postgres.sh [datadir]   — prints the DATABASE_URL. Stop: pg_ctl -D <datadir> stop
set -euo pipefail
PGPORT=${PGPORT:-55432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$BIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
DATA=${1:-$(mktemp -d /tmp/gleaner-pg.XXXXXX)}
mkdir -p "$DATA"
RUNAS=()
if [ "$(id -u)" = 0 ]; then
  chown -R postgres:postgres "$DATA"
  RUNAS=(runuser -u postgres --)
fi
if [ ! -f "$DATA/PG_VERSION" ]; then
  "${RUNAS[@]}" "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
fi
"${RUNAS[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" -w start >/dev/null
echo "postgres://postgres@127.0.0.1:$PGPORT/postgres"
