#!/usr/bin/env bash
# The several-nodes benchmark (issue 14): throughput of cached metric answers and of JSON row pages with 1, 2 and 3
# `ladle serve` nodes sharing one PostgreSQL state and one folder of versions, all on this machine with the load
# generator (wrk, on loopback: one wrk per node, the connections split evenly, their req/s summed); then the time
# from a publication on node 1 until every node serves it (p50/p99 over PUBLICATIONS refreshes).
#
#   LADLE_BENCH_PG='Host=127.0.0.1;Port=55501;Username=postgres;Database=postgres' bench/nodes/run.sh
#
# Settings (environment): ROWS (rows of the dataset, 100000), ROUNDS (3), BENCH_SECONDS per run (5), CLIENTS (32, in
# total), THREADS (wrk threads per wrk, 1), PUBLICATIONS (30), PORT (18101: nodes on PORT, PORT+1, PORT+2), LADLE_DLL.
# Every node, wrk and PostgreSQL share this machine's cores (nproc is printed): more nodes add no cores, so the
# figures show what sharing state and versions costs, not how a cluster of machines scales.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${ROWS:-100000}" ROUNDS="${ROUNDS:-3}" SECS="${BENCH_SECONDS:-5}" CLIENTS="${CLIENTS:-32}" THREADS="${THREADS:-1}"
PUBLICATIONS="${PUBLICATIONS:-30}" PORT="${PORT:-18101}"
: "${LADLE_BENCH_PG:?set LADLE_BENCH_PG to a PostgreSQL connection string (a schema of its own is created and dropped)}"
WORK="${TMPDIR:-/tmp}/ladle-bench-nodes"
SCHEMA="bench_nodes_$$"
for tool in wrk curl python3 psql; do command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk curl python3 postgresql-client)"; exit 2; }; done

if [ -n "${LADLE_DLL:-}" ]; then LADLE=(dotnet "$LADLE_DLL"); else  # LADLE_DLL: a ladle.dll built already
  echo "== building ladle"
  dotnet build src/Ladle.Cli -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
  LADLE=(dotnet src/Ladle.Cli/bin/Release/net10.0/ladle.dll)
fi

echo "== a dataset of $ROWS rows with a metric, in three node folders under $WORK (state: schema $SCHEMA; versions: $WORK/shared)"
rm -rf "$WORK" && mkdir -p "$WORK/shared"
export LADLE_BENCH_NODES_PG="$LADLE_BENCH_PG"
for n in 1 2 3; do
  d="$WORK/node$n"; mkdir -p "$d/data" "$d/datasets" "$d/models"
  cat > "$d/ladle.yaml" <<YAML
name: benchnodes
sources:
  files: { kind: files, path: data }
state: { kind: postgres, connection_env: LADLE_BENCH_NODES_PG, schema: $SCHEMA }
storage: { kind: folder, path: $WORK/shared }
YAML
  cat > "$d/datasets/orders.yaml" <<'YAML'
name: orders
source: files
table: orders.csv
materialization: table
primary_key: [order_id]
columns:
  - { name: order_id, type: integer }
  - { name: region, type: string }
  - { name: amount, type: double }
YAML
  cat > "$d/models/orders.yaml" <<'YAML'
dataset: orders
dimensions:
  - { name: region }
measures:
  - { name: revenue_sum, agg: sum, column: amount }
metrics:
  - { name: revenue, measure: revenue_sum }
YAML
done
python3 - "$WORK/node1/data/orders.csv" "$ROWS" <<'PY'
import random, sys
random.seed(14)
with open(sys.argv[1], "w") as out:
    out.write("order_id,region,amount\n")
    for i in range(1, int(sys.argv[2]) + 1):
        out.write(f"{i},{random.choice(['north','south','east','west'])},{random.random() * 100:.2f}\n")
PY
# Only node 1 builds (it has the data); nodes 2 and 3 serve what it publishes, from the shared folder.
cp "$WORK/node1/data/orders.csv" "$WORK/node2/data/" && cp "$WORK/node1/data/orders.csv" "$WORK/node3/data/"

# The Npgsql connection string as libpq keywords, for psql's cleanup.
CONNINFO=$(python3 -c 'import sys
m = {"host": "host", "server": "host", "port": "port", "username": "user", "user id": "user", "database": "dbname", "password": "password"}
parts = [p.split("=", 1) for p in sys.argv[1].split(";") if "=" in p]
print(" ".join(f"{m[k.strip().lower()]}={v}" for k, v in parts if k.strip().lower() in m))' "$LADLE_BENCH_PG")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  psql "$CONNINFO" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for n in 1 2 3; do
  "${LADLE[@]}" serve --project "$WORK/node$n" --dev --http "127.0.0.1:$((PORT + n - 1))" >"$WORK/node$n.log" 2>&1 & PIDS+=($!)
  until curl -sf "http://127.0.0.1:$((PORT + n - 1))/api/v1/datasets/orders/rows?limit=1" >/dev/null 2>&1; do sleep 0.2; done
done
echo "   $(nproc) cores shared by 3 nodes, wrk and PostgreSQL; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

METRIC="/api/v1/metrics/query?metrics=revenue&dimensions=region"
PAGE="/api/v1/datasets/orders/rows?limit=100"
for n in 1 2 3; do for path in "$METRIC" "$PAGE"; do  # warm each node (JIT, metric cache)
  wrk -t1 -c4 -d1s "http://127.0.0.1:$((PORT + n - 1))$path" >/dev/null 2>&1 || true
done; done

ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print v }'; }
run() { # nodes path → "rps p99max"
  local nodes=$1 path=$2 per=$(( CLIENTS / $1 )) outs=()
  for n in $(seq 1 "$nodes"); do
    wrk -t"$THREADS" -c"$per" -d"${SECS}s" --latency "http://127.0.0.1:$((PORT + n - 1))$path" >"$WORK/wrk$n.out" 2>&1 &
    outs+=($!)
  done
  wait "${outs[@]}"
  local rps=0 p99=0
  for n in $(seq 1 "$nodes"); do
    if grep -q "Non-2xx" "$WORK/wrk$n.out"; then echo "node $n answered errors:" >&2; grep Non-2xx "$WORK/wrk$n.out" >&2; fi
    rps=$(awk -v a="$rps" -v b="$(awk '/Requests\/sec/{print $2}' "$WORK/wrk$n.out")" 'BEGIN { print a + b }')
    p99=$(awk -v a="$p99" -v b="$(ms "$(awk '$1=="99%"{print $2}' "$WORK/wrk$n.out")")" 'BEGIN { print (b > a) ? b : a }')
  done
  echo "$rps $p99"
}
declare -A RPS P99
record() { RPS[$1]+="$2 "; P99[$1]+="$3 "; printf '  %-22s %9.0f req/s  p99 %7.2f ms\n' "$1" "$2" "$3"; }
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round ($CLIENTS connections in total, split over the nodes; load average $(cut -d' ' -f1 /proc/loadavg))"
  # Alternate the order of node counts per round, so a drift in the machine's load does not favour one count.
  if (( round % 2 )); then order="1 2 3"; else order="3 2 1"; fi
  for nodes in $order; do
    record "metric, $nodes node(s)" $(run "$nodes" "$METRIC")
    record "rows page, $nodes node(s)" $(run "$nodes" "$PAGE")
  done
done

echo "== publish to served everywhere: $PUBLICATIONS refreshes of 'orders' on node 1; each node polled every ~2 ms"
python3 - "$PORT" "$PUBLICATIONS" <<'PY'
import http.client, json, sys, threading, time
port, count = int(sys.argv[1]), int(sys.argv[2])
def version(p):
    c = http.client.HTTPConnection("127.0.0.1", p, timeout=30)
    c.request("GET", "/api/v1/datasets/orders/rows?limit=0"); r = c.getresponse(); r.read(); c.close()
    return int(r.getheader("Ladle-Dataset-Version"))
lat_all, lat_each = [], []
for i in range(count):
    start = version(port)
    seen = {}
    def watch(p):
        conn = http.client.HTTPConnection("127.0.0.1", p, timeout=30)
        while True:
            conn.request("GET", "/api/v1/datasets/orders/rows?limit=0"); r = conn.getresponse(); r.read()
            if int(r.getheader("Ladle-Dataset-Version")) > start:
                seen[p] = time.time(); return
            time.sleep(0.002)
    watchers = [threading.Thread(target=watch, args=(port + n,)) for n in (1, 2)]
    for w in watchers: w.start()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("POST", "/api/v1/datasets/orders/refresh?wait=true"); r = c.getresponse(); r.read()
    published = time.time()  # node 1 serves it when its refresh answers
    if r.status != 200: sys.exit(f"refresh answered {r.status}")
    for w in watchers: w.join()
    each = [max(0.0, seen[p] - published) * 1000 for p in seen]
    lat_each += each; lat_all.append(max(each))
def pct(xs, q):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]
print(f"  every node serves it after: p50 {pct(lat_all, 50):.0f} ms, p99 {pct(lat_all, 99):.0f} ms (min {min(lat_all):.0f}, max {max(lat_all):.0f}; n={len(lat_all)})")
print(f"  each other node:            p50 {pct(lat_each, 50):.0f} ms, p99 {pct(lat_each, 99):.0f} ms (n={len(lat_each)})")
PY

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END { print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }'; }
range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR==1{lo=$1} {hi=$1} END { printf "%.0f-%.0f", lo, hi }'; }
echo "== medians of $ROUNDS rounds (range in brackets; $ROWS rows; $(nproc) cores shared by everything)"
for what in metric "rows page"; do
  base=$(echo "${RPS["$what, 1 node(s)"]}" | median)
  for nodes in 1 2 3; do
    name="$what, $nodes node(s)"
    printf '  %-22s %9.0f req/s [%s]  %.2fx one node  p99 %.2f ms\n' "$name" "$(echo "${RPS[$name]}" | median)" "$(echo "${RPS[$name]}" | range)" \
      "$(awk -v a="$(echo "${RPS[$name]}" | median)" -v b="$base" 'BEGIN { print a / b }')" "$(echo "${P99[$name]}" | median)"
  done
done
