#!/usr/bin/env bash
# What an Idempotency-Key costs counter-streams: bytes per retained key in the RocksDB store and in its changelog.
#   bench/idempotency-cost.sh [--events N]
# Starts its own stack (fresh data dir, loopback, non-default ports), sends N durable POSTs each with a new
# Idempotency-Key, waits until all are counted, stops the stack (RocksDB flushes on close) and measures on disk.
set -euo pipefail
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVENTS=100000
[ "${1:-}" = "--events" ] && EVENTS="$2"
API=48080; COUNTER=48081; BROKER=49092
DATA="$(mktemp -d /tmp/surge-idem-cost.XXXXXX)"
command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
cleanup() {
  [ -n "${UP_PID:-}" ] && kill -TERM "$UP_PID" 2>/dev/null && timeout 60 tail --pid="$UP_PID" -f /dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

"$HOME_DIR/surge" up --data-dir "$DATA" --port $API --counter-port $COUNTER --broker-port $BROKER > "$DATA/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done

cat > "$DATA/idem.lua" <<LUA
local n = 0
local threads = 0
setup = function(thread) thread:set("offset", threads); threads = threads + 1 end
init = function() n = offset end
request = function()
  if n >= $EVENTS then wrk.thread:stop() end
  local key = "retry-" .. n
  n = n + 2
  return wrk.format("POST", "/simulate?ack=durable", {["Idempotency-Key"] = key, ["Content-Type"] = "application/json"},
    '{"key":"k' .. (n % 100) .. '"}')
end
LUA
wrk -t2 -c16 -d120s -s "$DATA/idem.lua" "http://127.0.0.1:$API" > "$DATA/wrk.txt"
for _ in $(seq 1 120); do
  total=$(curl -sf "http://127.0.0.1:$COUNTER/load" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
  [ "${total:-0}" -ge "$EVENTS" ] && break
  sleep 1
done
echo "counted: ${total:-?} events, each with its own Idempotency-Key"
kill -TERM "$UP_PID"; timeout 60 tail --pid="$UP_PID" -f /dev/null || true; UP_PID=

store=$(find "$DATA/counter-streams-1" -type d -name 'idempotency-keys*' -exec du -sb {} + | awk '{s+=$1} END {print s+0}')
changelog=$(find "$DATA/kafka" -maxdepth 1 -type d -name '*idempotency-keys-changelog-*' -exec du -sb {} + | awk '{s+=$1} END {print s+0}')
counts=$(find "$DATA/counter-streams-1" -type d -name 'running-counts' -exec du -sb {} + | awk '{s+=$1} END {print s+0}')
echo "RocksDB idempotency-keys store: $store bytes = $(( store / total )) B per retained key"
echo "its changelog topic on the broker: $changelog bytes = $(( changelog / total )) B per retained key"
echo "(for scale: running-counts store for 100 keys: $counts bytes)"
