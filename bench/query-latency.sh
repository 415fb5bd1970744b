#!/usr/bin/env bash
# Query latency: p50/p99 of GET /load/{key} and GET /load with 2 counter-streams instances and 10,000 keys.
#   bench/query-latency.sh [--keys N] [--duration SECONDS]
# Starts its own stack on a fresh data dir and non-default ports (loopback only), loads N keys with durable POSTs,
# waits until every event is counted, then measures with wrk (installed from Debian when missing). Stops the stack
# on exit.
set -euo pipefail
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEYS=10000
DURATION=10
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    *) echo "usage: $0 [--keys N] [--duration SECONDS]" >&2; exit 2 ;;
  esac
done
API=38080; COUNTER=38081; BROKER=39092
DATA="$(mktemp -d /tmp/surge-query-bench.XXXXXX)"

command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq curl >/dev/null; }

cleanup() {
  [ -n "${UP_PID:-}" ] && kill -TERM "$UP_PID" 2>/dev/null && timeout 60 tail --pid="$UP_PID" -f /dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

"$HOME_DIR/surge" up --data-dir "$DATA" --port $API --counter-port $COUNTER --broker-port $BROKER \
  --counter-instances 2 > "$DATA/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null 2>&1 && break
  kill -0 "$UP_PID" 2>/dev/null || { cat "$DATA/up.log"; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null || { echo "stack not ready" >&2; cat "$DATA/up.log"; exit 1; }

cat > "$DATA/load.lua" <<LUA
local counter = 0
local threads = 0
local base = tonumber(os.getenv("KEY_BASE") or "0")
setup = function(thread) thread:set("offset", threads); threads = threads + 1 end
init = function() counter = base + offset end
request = function()
  local key = "q-" .. (counter % $KEYS)
  counter = counter + 4
  return wrk.format("POST", "/simulate?ack=durable", {["Content-Type"] = "application/json"}, '{"key":"' .. key .. '"}')
end
LUA
cat > "$DATA/key.lua" <<LUA
math.randomseed(42)
request = function() return wrk.format("GET", "/load/q-" .. math.random(0, $KEYS - 1)) end
LUA

echo "Loading $KEYS keys ..."
# Rounds of 10 s, four threads each posting every fourth key from where the last round got to, until every key
# has at least one event (at most 20 rounds).
keys=0
for _ in $(seq 1 20); do
  KEY_BASE=$(( keys > 200 ? keys - 200 : 0 )) wrk -t4 -c32 -d10s -s "$DATA/load.lua" "http://127.0.0.1:$API" \
    > "$DATA/load.txt"
  for _ in $(seq 1 10); do
    keys=$(curl -sf "http://127.0.0.1:$COUNTER/load" | sed -n 's/.*"keys":\([0-9]*\).*/\1/p')
    [ "${keys:-0}" -ge "$KEYS" ] && break
    sleep 1
  done
  [ "${keys:-0}" -ge "$KEYS" ] && break
done
[ "${keys:-0}" -ge "$KEYS" ] || { echo "only ${keys:-0} of $KEYS keys were counted" >&2; exit 1; }
total=$(curl -sf "http://127.0.0.1:$COUNTER/load" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
echo "Counted: $keys keys, $total events"

report() {
  local name="$1"; shift
  local out; out=$(wrk --latency "$@")
  printf '%-44s %8s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$name" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(echo "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0)"
}
echo
echo "wrk -t1 -c4 -d${DURATION}s, machine: $(nproc) cores; 2 counter-streams instances, $KEYS keys"
report "GET /load/{key} on counter-streams #1" -t1 -c4 -d"${DURATION}"s -s "$DATA/key.lua" "http://127.0.0.1:$COUNTER"
report "GET /load/{key} through ingest-api" -t1 -c4 -d"${DURATION}"s -s "$DATA/key.lua" "http://127.0.0.1:$API"
report "GET /load on counter-streams #1" -t1 -c4 -d"${DURATION}"s "http://127.0.0.1:$COUNTER/load"
report "GET /load through ingest-api" -t1 -c4 -d"${DURATION}"s "http://127.0.0.1:$API/load"
