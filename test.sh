#!/usr/bin/env bash
# Runs every Ladle test: installs and starts what the tests need (PostgreSQL on loopback, from the OS
# packages), builds, runs `dotnet test` on the whole solution and prints one 'N passed, N failed' line.
set -euo pipefail
cd "$(dirname "$0")"

PG_PORT="${LADLE_TEST_PG_PORT:-55432}"
PG_DIR="${TMPDIR:-/tmp}/ladle-test-pg-$PG_PORT"
PG_DATA="$PG_DIR/data"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(find_pg_bin)" ] || [ ! -e "$(find_pg_bin)/initdb" ]; then
  echo "== installing PostgreSQL from the OS packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
fi
PG_BIN="$(find_pg_bin)"

# The real clients the wire-protocol tests drive (tests/clients): Debian's psycopg2, pandas and SQLAlchemy for
# Debian's own python3, pgjdbc with a JDK (`java Client.java` compiles in memory, which a bare JRE cannot), and
# node-postgres from npm. Quiet, and only what is missing: a machine that has them spends no time here.
client_pkgs=""
/usr/bin/python3 -c 'import psycopg2, pandas, sqlalchemy' 2>/dev/null || client_pkgs="$client_pkgs python3-psycopg2 python3-pandas python3-sqlalchemy"
[ -e /usr/share/java/postgresql.jar ] || client_pkgs="$client_pkgs libpostgresql-jdbc-java"
command -v javac >/dev/null || client_pkgs="$client_pkgs default-jdk-headless"
command -v node >/dev/null || client_pkgs="$client_pkgs nodejs npm"
# The web UI's browser tests drive Debian's Chromium through Playwright (never Playwright's own browser download).
[ -x /usr/bin/chromium ] || client_pkgs="$client_pkgs chromium"
# The Redis online feature store's tests start their own redis-server on a free loopback port.
command -v redis-server >/dev/null || client_pkgs="$client_pkgs redis-server"
if [ -n "$client_pkgs" ]; then
  echo "== installing the real clients:$client_pkgs"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $client_pkgs >/dev/null
fi
if [ ! -d tests/clients/node/node_modules/pg ]; then
  echo "== installing node-postgres (tests/clients/node)"
  (cd tests/clients/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# PostgreSQL refuses to run as root: run it as the 'postgres' user the package created.
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_pg() { [ -d "$PG_DATA" ] && run_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; }
trap stop_pg EXIT

echo "== starting PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$PG_PORT"
stop_pg
rm -rf "$PG_DIR"
mkdir -p "$PG_DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
run_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust --no-sync >/dev/null
run_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c fsync=off" \
  start >/dev/null
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
export LADLE_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=false"

echo "== building"
dotnet build Ladle.sln -c Release -nologo -clp:ErrorsOnly -v:q

echo "== testing"
log="$(mktemp)"
status=0
dotnet test Ladle.sln -c Release --no-build -nologo 2>&1 | tee "$log" || status=$?

# One closing line for every test project together.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
