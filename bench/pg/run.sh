#!/usr/bin/env bash
# The wire benchmark (issue 9): the same workloads against Ladle's PostgreSQL listener and against PostgreSQL 15
# holding the same demo data, timed alternately, several rounds; prints tps, p50/p99 latency and the ratios.
#   (a) SELECT 1 with pgbench (wire overhead), beside SELECT 1 run in-process on DuckDB (the floor)
#   (b) a point lookup by order_id on orders with pgbench (extended protocol, a random key per transaction)
#   (c) a bulk read of orders: COPY (SELECT * FROM orders) TO STDOUT, and a plain SELECT read whole by psql
#
#   bench/pg/run.sh                       # Ladle's listener (ladle serve --pg --dev) against PostgreSQL
#   LADLE_BENCH_TARGET=postgres bench/pg/run.sh   # a second PostgreSQL database as the candidate: proves the driver
#
# Settings (environment): ORDERS (1000000), ROUNDS (3), BENCH_SECONDS per pgbench run (10), CLIENTS (1);
# the reference PostgreSQL: PGHOST/PGPORT/PGUSER[/PGPASSWORD] (127.0.0.1:55432, postgres: ./test.sh's server).
set -euo pipefail
cd "$(dirname "$0")/../.."
ORDERS="${ORDERS:-1000000}" ROUNDS="${ROUNDS:-3}" SECONDS_PER_RUN="${BENCH_SECONDS:-10}" CLIENTS="${CLIENTS:-1}"
TARGET="${LADLE_BENCH_TARGET:-ladle}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-55432}" PGUSER="${PGUSER:-postgres}" PGSSLMODE="${PGSSLMODE:-disable}"
WORK="${TMPDIR:-/tmp}/ladle-bench-pg"
REF_DB=ladle_bench_pg

echo "== building ladle and the DuckDB reference"
dotnet build src/Ladle.Cli -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
dotnet build bench/pg/duckdb-reference -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
LADLE=(dotnet src/Ladle.Cli/bin/Release/net10.0/ladle.dll)

if [ ! -f "$WORK/orders.csv" ] || [ "$(cat "$WORK/orders.count" 2>/dev/null)" != "$ORDERS" ]; then
  echo "== generating the demo with $ORDERS orders in $WORK"
  rm -rf "$WORK"
  "${LADLE[@]}" demo --dir "$WORK" --orders "$ORDERS" --no-serve >/dev/null
  "${LADLE[@]}" query --project "$WORK" --format csv \
    "SELECT order_id, customer_id, product_id, merchant_id, region, channel, status, quantity, amount, discount_pct, ordered_at FROM orders" > "$WORK/orders.csv"
  echo "$ORDERS" > "$WORK/orders.count"
fi

echo "== loading the same orders into PostgreSQL ($PGHOST:$PGPORT, database $REF_DB)"
psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $REF_DB WITH (FORCE)" -c "CREATE DATABASE $REF_DB"
PGDATABASE=$REF_DB psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE orders (order_id bigint PRIMARY KEY, customer_id bigint, product_id bigint, merchant_id bigint, region text,
  channel text, status text, quantity bigint, amount numeric, discount_pct bigint, ordered_at timestamp);
\copy orders FROM '$WORK/orders.csv' WITH (FORMAT csv, HEADER true)
VACUUM ANALYZE orders;
SQL
read -r LO HI < <(PGDATABASE=$REF_DB psql -X -At -F ' ' -c "SELECT min(order_id), max(order_id) FROM orders")

serve_pid=""
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true; }
trap cleanup EXIT
if [ "$TARGET" = ladle ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  http=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  echo "== starting ladle serve --pg 127.0.0.1:$port --dev"
  "${LADLE[@]}" serve --project "$WORK" --http "127.0.0.1:$http" --pg "127.0.0.1:$port" --dev > "$WORK/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  CAND=(env PGHOST=127.0.0.1 PGPORT="$port" PGUSER="${LADLE_BENCH_USER:-ladle}" PGDATABASE="${LADLE_BENCH_DB:-demo}" PGPASSWORD=)
else
  echo "== candidate: PostgreSQL itself (a stand-in until Ladle's listener is merged)"
  CAND=(env PGDATABASE=$REF_DB)
fi
REF=(env PGDATABASE=$REF_DB)

# pgbench: one line "tps p50_us p99_us". The latency of a transaction is the time from the previous transaction's
# end to its own on the same client (from the per-transaction log's end times): pgbench's own latency field reads 0
# for a share of sub-100 µs transactions, which would drag p50 to 0.
pgbench_run() {
  local script="$1"; shift
  local logs; logs="$(mktemp -d)"
  "$@" pgbench -n -M extended -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_PER_RUN" -D lo="$LO" -D hi="$HI" \
    -f "bench/pg/$script" -l --log-prefix="$logs/tx" >"$logs/out" 2>&1 || { cat "$logs/out" >&2; return 1; }
  local tps; tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$logs/out" | head -1)
  cat "$logs"/tx* | awk '{t = $5 * 1000000 + $6; if ($1 in last) print t - last[$1]; last[$1] = t}' | sort -n |
    awk -v tps="$tps" '{a[NR]=$1} END {printf "%.0f %.1f %.1f\n", tps, a[int(NR*0.5)+1], a[int(NR*0.99)+1]}'
  rm -rf "$logs"
}

# A bulk read: rows/s of the whole command (the client discards the rows).
bulk_run() {
  local sql="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$@" psql -X -q -At -c "$sql" > /dev/null
  end=$(date +%s.%N)
  awk -v n="$ORDERS" -v s="$start" -v e="$end" 'BEGIN {printf "%.0f\n", n / (e - s)}'
}

declare -A results
for round in $(seq "$ROUNDS"); do
  echo "== round $round of $ROUNDS"
  results[duckdb,$round]=$(dotnet bench/pg/duckdb-reference/bin/Release/net10.0/DuckDbReference.dll "$SECONDS_PER_RUN")
  for side in ref cand; do
    if [ $side = ref ]; then who=("${REF[@]}"); else who=("${CAND[@]}"); fi
    results[select1,$side,$round]=$(pgbench_run select1.sql "${who[@]}")
    results[point,$side,$round]=$(pgbench_run point.sql "${who[@]}")
    results[copy,$side,$round]=$(bulk_run "COPY (SELECT * FROM orders) TO STDOUT" "${who[@]}")
    results[select,$side,$round]=$(bulk_run "SELECT * FROM orders" "${who[@]}")
  done
done

# Median and min–max of field $2 of results[$1,side,*].
spread() {
  for r in $(seq "$ROUNDS"); do echo "${results[$1,$r]}" | awk -v f="$2" '{print $f}'; done | sort -g |
    awk '{a[NR]=$1} END {printf "%s %s %s\n", a[int((NR+1)/2)], a[1], a[NR]}'
}

echo
echo "candidate: $TARGET; reference: PostgreSQL $(PGDATABASE=$REF_DB psql -X -At -c 'SHOW server_version'); $ORDERS orders; $ROUNDS rounds of ${SECONDS_PER_RUN}s, $CLIENTS client(s)"
printf '%-34s %22s %22s %8s\n' "workload (median, min–max)" "PostgreSQL" "$TARGET" "ratio"
line() { # label key field unit higher_is_better
  read -r rm rlo rhi < <(spread "$2,ref" "$3"); read -r cm clo chi < <(spread "$2,cand" "$3")
  local ratio; ratio=$(awk -v r="$rm" -v c="$cm" -v h="$5" 'BEGIN {printf "%.2fx", h ? r / c : c / r}')
  printf '%-34s %22s %22s %8s\n' "$1" "$rm ($rlo–$rhi)" "$cm ($clo–$chi)" "$ratio"
}
line "(a) SELECT 1 tps" select1 1 tps 1
line "(a) SELECT 1 p50 µs" select1 2 us 0
line "(a) SELECT 1 p99 µs" select1 3 us 0
line "(b) point lookup tps" point 1 tps 1
line "(b) point lookup p50 µs" point 2 us 0
line "(b) point lookup p99 µs" point 3 us 0
line "(c) COPY TO STDOUT rows/s" copy 1 rows 1
line "(c) SELECT * via psql rows/s" select 1 rows 1
read -r dm dlo dhi < <(for r in $(seq "$ROUNDS"); do echo "${results[duckdb,$r]}" | awk '{print $2}'; done | sort -g | awk '{a[NR]=$1} END {printf "%s %s %s\n", a[int((NR+1)/2)], a[1], a[NR]}')
echo "DuckDB in-process SELECT 1 p50: $dm µs ($dlo–$dhi); wire overhead (candidate p50 − DuckDB p50): $(awk -v c="$(spread select1,cand 2 | cut -d' ' -f1)" -v d="$dm" 'BEGIN {printf "%.1f", c - d}') µs (goal ≤ 30 µs)"
echo "ratios: time-like figures candidate/PostgreSQL, rate-like PostgreSQL/candidate: above 1.00x the candidate is slower"
