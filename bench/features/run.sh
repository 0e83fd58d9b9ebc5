#!/usr/bin/env bash
# The online feature benchmark (issue 11): POST /api/v1/features/online over HTTP with wrk at 32 concurrent clients,
# 1 entity x 50 features and 100 entities x 50 features, against the floor: Redis itself answering the same values
# (HMGET of 50 fields of one entity's hash; MGET of 100 entities' encoded entries), measured alternately in the same
# run, several rounds. Prints p50/p99 of each run, then the medians and the ratios.
#
#   bench/features/run.sh                    # in-memory online store (the default)
#   BACKEND=redis bench/features/run.sh      # Ladle's online store in Redis (the same redis-server as the floor)
#
# Settings (environment): KEYS (entities in the view, 10000), ROUNDS (3), BENCH_SECONDS per run (10), CLIENTS (32),
# THREADS (wrk threads, 2), PORT (18091), REDIS_PORT (16391).
set -euo pipefail
cd "$(dirname "$0")/../.."
KEYS="${KEYS:-10000}" ROUNDS="${ROUNDS:-3}" SECS="${BENCH_SECONDS:-10}" CLIENTS="${CLIENTS:-32}" THREADS="${THREADS:-2}"
PORT="${PORT:-18091}" REDIS_PORT="${REDIS_PORT:-16391}" BACKEND="${BACKEND:-memory}"
WORK="${TMPDIR:-/tmp}/ladle-bench-features"
for tool in wrk redis-server redis-benchmark redis-cli python3; do command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk redis-server python3)"; exit 2; }; done

echo "== building ladle"
dotnet build src/Ladle.Cli -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
LADLE=(dotnet src/Ladle.Cli/bin/Release/net10.0/ladle.dll)

echo "== a view of $KEYS entities x 50 double features in $WORK ($BACKEND online store)"
rm -rf "$WORK" && mkdir -p "$WORK/data" "$WORK/datasets" "$WORK/features"
python3 - "$WORK" "$KEYS" <<'PY'
import random, sys
work, keys = sys.argv[1], int(sys.argv[2])
random.seed(11)
cols = [f"f{i:02d}" for i in range(50)]
with open(f"{work}/data/bench.csv", "w") as out:
    out.write("entity_id,event_at," + ",".join(cols) + "\n")
    for e in range(1, keys + 1):
        out.write(f"{e},2026-03-01 10:00:00," + ",".join(f"{random.random():.6f}" for _ in cols) + "\n")
with open(f"{work}/datasets/bench.yaml", "w") as out:
    out.write("name: bench\nsource: files\ntable: bench.csv\nmaterialization: table\nprimary_key: [entity_id]\ncolumns:\n")
    out.write("  - { name: entity_id, type: integer }\n  - { name: event_at, type: timestamp }\n")
    for c in cols: out.write(f"  - {{ name: {c}, type: double }}\n")
with open(f"{work}/features/bench.yaml", "w") as out:
    out.write("feature_views:\n  - name: bench\n    dataset: bench\n    entities: [entity_id]\n    event_timestamp: event_at\n    features: [" + ", ".join(cols) + "]\n")
PY
{
  printf 'name: bench\nsources:\n  files:\n    kind: files\n    path: data\n'
  if [ "$BACKEND" = redis ]; then printf 'features:\n  online: { kind: redis, connection_env: LADLE_BENCH_REDIS, key_prefix: "bench:" }\n'; fi
} > "$WORK/ladle.yaml"

cleanup() { [ -n "${LADLE_PID:-}" ] && kill "$LADLE_PID" 2>/dev/null || true; [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null || true; }
trap cleanup EXIT
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 & REDIS_PID=$!
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
export LADLE_BENCH_REDIS="127.0.0.1:$REDIS_PORT"

"${LADLE[@]}" materialize --project "$WORK" >/dev/null
"${LADLE[@]}" serve --project "$WORK" --dev --http "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 & LADLE_PID=$!
until curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1; do sleep 0.2; done
# The first lookup builds the view's online entries; warm the JIT too.
curl -sf -X POST -H 'Content-Type: application/json' -d '{"features":["bench.*"],"entities":{"entity_id":[1]}}' "http://127.0.0.1:$PORT/api/v1/features/online" >/dev/null
wrk -t"$THREADS" -c"$CLIENTS" -d3s -s bench/features/lookup.lua "http://127.0.0.1:$PORT" >/dev/null 2>&1 || true

echo "== the floor's data in Redis: one hash of 50 fields and one ~450-byte string per entity"
python3 - "$KEYS" <<'PY' | redis-cli -p "$REDIS_PORT" --pipe >/dev/null
import random, sys
random.seed(11)
keys = int(sys.argv[1])
def cmd(*args):
    out = f"*{len(args)}\r\n"
    for a in args:
        a = str(a); out += f"${len(a.encode())}\r\n{a}\r\n"
    return out
buf = []
for e in range(1, keys + 1):
    values = [f"{random.random():.6f}" for _ in range(50)]
    fields = []
    for i, v in enumerate(values): fields += [f"f{i:02d}", v]
    buf.append(cmd("HSET", f"floor:h:{e}", *fields))
    buf.append(cmd("SET", f"floor:s:{e}", "x" * 450))
    if len(buf) > 2000: sys.stdout.write("".join(buf)); buf = []
sys.stdout.write("".join(buf))
PY
FIELDS=$(for i in $(seq 0 49); do printf 'f%02d ' "$i"; done)
MGET_KEYS=$(for i in $(seq 1 100); do printf 'floor:s:%d ' $(( (i * 97) % KEYS + 1 )); done)

# wrk --latency prints "50%  1.23ms"; redis-benchmark -q? no: its summary "latency summary (msec)" line has avg min p50 p95 p99 max.
ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print v }'; }
ladle_run() { # entities → "p50 p99 rps"
  local out; out=$(ENTITIES="$1" KEYS="$KEYS" wrk -t"$THREADS" -c"$CLIENTS" -d"${SECS}s" --latency -s bench/features/lookup.lua "http://127.0.0.1:$PORT" 2>"$WORK/wrk.err")
  if [ -s "$WORK/wrk.err" ]; then echo "wrk saw errors:" >&2; head -3 "$WORK/wrk.err" >&2; fi
  echo "$(ms "$(echo "$out" | awk '$1=="50%"{print $2}')") $(ms "$(echo "$out" | awk '$1=="99%"{print $2}')") $(echo "$out" | awk '/Requests\/sec/{print $2}')"
}
redis_run() { # command... → "p50 p99 rps"
  local out; out=$(redis-benchmark -p "$REDIS_PORT" -c "$CLIENTS" -n 200000 --threads "$THREADS" "$@" 2>/dev/null | tr '\r' '\n')
  local summary; summary=$(echo "$out" | awk '/latency summary/{getline; getline; print; exit}')
  echo "$(echo "$summary" | awk '{print $3, $5}') $(echo "$out" | awk '/throughput summary/{print $3; exit}')"
}

declare -A P50 P99 RPS
record() { P50[$1]+="$2 "; P99[$1]+="$3 "; RPS[$1]+="$4 "; printf '  %-28s p50 %7.3f ms  p99 %7.3f ms  %9.0f req/s\n' "$1" "$2" "$3" "$4"; }
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round"
  record "ladle 1x50"       $(ladle_run 1)
  record "redis HMGET 1x50"  $(redis_run HMGET floor:h:1 $FIELDS)
  record "ladle 100x50"     $(ladle_run 100)
  record "redis MGET 100"    $(redis_run MGET $MGET_KEYS)
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END { print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }'; }
range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR==1{lo=$1} {hi=$1} END { printf "%s-%s", lo, hi }'; }
echo "== medians of $ROUNDS rounds ($CLIENTS clients, $KEYS entities, $BACKEND online store; range in brackets)"
for name in "ladle 1x50" "redis HMGET 1x50" "ladle 100x50" "redis MGET 100"; do
  printf '  %-28s p50 %7.3f ms [%s]  p99 %7.3f ms [%s]  %9.0f req/s\n' "$name" \
    "$(echo "${P50[$name]}" | median)" "$(echo "${P50[$name]}" | range)" "$(echo "${P99[$name]}" | median)" "$(echo "${P99[$name]}" | range)" "$(echo "${RPS[$name]}" | median)"
done
r1=$(awk -v a="$(echo "${P99["ladle 1x50"]}" | median)" -v b="$(echo "${P99["redis HMGET 1x50"]}" | median)" 'BEGIN { printf "%.1f", a / b }')
r2=$(awk -v a="$(echo "${P99["ladle 100x50"]}" | median)" -v b="$(echo "${P99["redis MGET 100"]}" | median)" 'BEGIN { printf "%.1f", a / b }')
echo "  p99 ladle / redis floor: 1x50 ${r1}x, 100x50 ${r2}x   (goals: p99 <= 2 ms and <= 15 ms)"
