#!/usr/bin/env bash
# Query latency: answers/s, p50 and p99 of GET /load/{key} and GET /load, on a counter-streams instance and through
# ingest-api, and of each service's trivial GET /health/live (the HTTP ceiling at that moment).
#   bench/query-latency.sh [--keys N] [--counter-instances M] [--connections C] [--threads T] [--duration SECONDS]
#                          [--warmup SECONDS]
# Defaults: 10,000 keys, 1 counter-streams instance, wrk -t1 -c16, 10 s per query, each query path warmed up first
# with the same load for 20 s (the JITs of three JVMs on this 2-core machine: with 3 s of warm-up, GET /load/{key}
# through ingest-api measured 2,199-2,944/s here, against 6,600-8,000/s a minute later on the same stack).
# Starts its own stack on a fresh data dir and non-default ports (loopback only), writes one event per key straight to
# load-events (bench/LoadKeys.java: a Kafka producer, as ingest-api writes them; POSTs took minutes per 100,000 keys
# here), waits until counter-streams has counted every key, then measures with wrk (installed from Debian when
# missing). Every phase is bounded in time; the stack is stopped on exit.
set -euo pipefail
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEYS=10000
DURATION=10
INSTANCES=1
WARMUP=20
CONNECTIONS=16
THREADS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --counter-instances) INSTANCES="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    *) echo "usage: $0 [--keys N] [--counter-instances M] [--connections C] [--threads T] [--duration SECONDS] [--warmup SECONDS]" >&2
       exit 2 ;;
  esac
done
# Ports (127.0.0.1): override with QUERY_BENCH_API_PORT, QUERY_BENCH_COUNTER_PORT, QUERY_BENCH_BROKER_PORT.
API=${QUERY_BENCH_API_PORT:-38080}; COUNTER=${QUERY_BENCH_COUNTER_PORT:-38081}; BROKER=${QUERY_BENCH_BROKER_PORT:-39092}
DATA="$(mktemp -d /tmp/surge-query-bench.XXXXXX)"

command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq curl >/dev/null; }

cleanup() {
  [ -n "${UP_PID:-}" ] && kill -TERM "$UP_PID" 2>/dev/null && timeout 60 tail --pid="$UP_PID" -f /dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

"$HOME_DIR/surge" up --data-dir "$DATA" --port $API --counter-port $COUNTER --broker-port $BROKER \
  --counter-instances "$INSTANCES" > "$DATA/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null 2>&1 && break
  kill -0 "$UP_PID" 2>/dev/null || { cat "$DATA/up.log"; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null || { echo "stack not ready" >&2; cat "$DATA/up.log"; exit 1; }

cat > "$DATA/key.lua" <<LUA
math.randomseed(42)
request = function() return wrk.format("GET", "/load/q-" .. math.random(0, $KEYS - 1)) end
LUA

field() { curl -sf --max-time 60 "http://127.0.0.1:$COUNTER/load" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

echo "Loading $KEYS keys ..."
started=$(date +%s)
timeout 900 java -cp "$HOME_DIR/counter-streams/target/lib/*" "$HOME_DIR/bench/LoadKeys.java" "127.0.0.1:$BROKER" \
  "$KEYS" q-
# Wait until counter-streams has counted every key and the total stops moving (at most 15 min).
last=-1
for _ in $(seq 1 450); do
  total=$(field total); keys=$(field keys)
  [ "${keys:-0}" -ge "$KEYS" ] && [ "${total:-0}" = "$last" ] && break
  last=${total:-0}
  sleep 2
done
[ "${keys:-0}" -ge "$KEYS" ] || { echo "only ${keys:-0} of $KEYS keys were counted" >&2; exit 1; }
echo "Counted: $keys keys, $(field total) events, loaded in $(( $(date +%s) - started )) s"

report() {
  local name="$1"; shift
  local out; out=$(wrk --latency --timeout 10s "$@")
  printf '%-44s %8s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$name" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(echo "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0)"
}
# Each path under the measured load first, for the JITs; not measured.
if [ "$WARMUP" -gt 0 ]; then
  for url in "http://127.0.0.1:$COUNTER" "http://127.0.0.1:$API"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}"s -s "$DATA/key.lua" "$url" > /dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}"s "$url/load" > /dev/null
  done
fi
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s after ${WARMUP} s of warm-up per path, machine: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg); $INSTANCES counter-streams instance(s), $KEYS keys"
report "GET /load/{key} on counter-streams #1" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}"s -s "$DATA/key.lua" \
  "http://127.0.0.1:$COUNTER"
report "GET /load/{key} through ingest-api" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}"s -s "$DATA/key.lua" \
  "http://127.0.0.1:$API"
report "GET /load on counter-streams #1" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}"s "http://127.0.0.1:$COUNTER/load"
report "GET /load through ingest-api" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}"s "http://127.0.0.1:$API/load"
# The HTTP ceiling of each service at the same moment (a trivial endpoint): this machine's cores are shared.
report "GET /health/live on counter-streams #1" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}"s \
  "http://127.0.0.1:$COUNTER/health/live"
report "GET /health/live on ingest-api" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}"s \
  "http://127.0.0.1:$API/health/live"
