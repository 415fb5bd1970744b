#!/usr/bin/env bash
# Warm-up curve: counted answers per second from the moment a fresh stack reports ready.
#   bench/warmup-curve.sh [--seconds N] [--connections C] [--keys K] [--warm-from S] [-- UP-OPTIONS...]
# Starts `./surge up` on a fresh data dir and non-default ports (loopback only), waits for ingest-api's
# /health/ready, starts wrk (count mode, C connections, K keys) at once and reads ingest-api's
# surge_events_total{outcome="counted"} every second for N seconds. Prints the curve, the mean over the first 10 s,
# the mean from second S on ("warm"), their ratio (issue 11 asks >= 70 %), and the integrity of the run (each key's
# count from GET /load/{key} against wrk's acknowledged and sent requests). Stops the stack on exit.
# SURGE_JAVA_OPTS and other SURGE_* settings pass through to the services, and options after -- to ./surge up
# (e.g. -- --partitions 4), so variants can be compared.
set -euo pipefail
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_TOTAL=60
CONNS=256
KEYS=1000
WARM_FROM=40
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_TOTAL="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --keys) KEYS="$2"; shift 2 ;;
    --warm-from) WARM_FROM="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--seconds N] [--connections C] [--keys K] [--warm-from S] [-- UP-OPTIONS...]" >&2; exit 2 ;;
  esac
done
[ "$WARM_FROM" -lt "$SECONDS_TOTAL" ] || { echo "--warm-from must be below --seconds" >&2; exit 2; }
API=58080; COUNTER=58081; BROKER=59092
DATA="$(mktemp -d /tmp/surge-warmup.XXXXXX)"
command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq curl >/dev/null; }

cleanup() {
  [ -n "${WRK_PID:-}" ] && kill "$WRK_PID" 2>/dev/null || true
  [ -n "${UP_PID:-}" ] && kill -TERM "$UP_PID" 2>/dev/null && timeout 60 tail --pid="$UP_PID" -f /dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

counted() {
  curl -sf "http://127.0.0.1:$API/metrics" \
    | awk '/^surge_events_total\{/ && /outcome="counted"/ {sum += $NF} END {printf "%d\n", sum}'
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
started=$(now_ms)
"$HOME_DIR/surge" up --data-dir "$DATA/stack" --port $API --counter-port $COUNTER --broker-port $BROKER "$@" \
  > "$DATA/up.log" 2>&1 &
UP_PID=$!
until curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null 2>&1; do
  kill -0 "$UP_PID" 2>/dev/null || { cat "$DATA/up.log"; exit 1; }
  [ $(( $(now_ms) - started )) -gt 240000 ] && { echo "not ready in 240 s" >&2; exit 1; }
  sleep 0.1
done
ready=$(now_ms)
echo "ready $(( (ready - started) / 100 ))00 ms after ./surge up"

wrk -t2 -c"$CONNS" -d"$((SECONDS_TOTAL + 1))s" --timeout 10s -s "$HOME_DIR/bench/simulate.lua" \
  "http://127.0.0.1:$API/simulate" -- warm "$KEYS" "$DATA/wrk.sum" > "$DATA/wrk.txt" 2>&1 &
WRK_PID=$!
previous=$(counted)
rates=()
next=$((ready + 1000))
for second in $(seq 1 "$SECONDS_TOTAL"); do
  # sleep until the next whole second after ready, so each sample covers one second
  pause=$((next - $(now_ms)))
  [ "$pause" -gt 0 ] && sleep "$(printf '%d.%03d' $((pause / 1000)) $((pause % 1000)))"
  next=$((next + 1000))
  current=$(counted)
  rates+=($((current - previous)))
  printf 'second %3d  counted %6d/s\n' "$second" "$((current - previous))"
  previous=$current
done
wait "$WRK_PID" || true
WRK_PID=

first=0; warm=0; n_warm=0
for i in "${!rates[@]}"; do
  [ "$i" -lt 10 ] && first=$((first + rates[i]))
  [ "$i" -ge "$WARM_FROM" ] && { warm=$((warm + rates[i])); n_warm=$((n_warm + 1)); }
done
first_mean=$((first / 10)); warm_mean=$((warm / n_warm))
printf 'first 10 s: %d/s; warm (seconds %d-%d): %d/s; first 10 s / warm = %d %%\n' \
  "$first_mean" "$((WARM_FROM + 1))" "$SECONDS_TOTAL" "$warm_mean" "$((100 * first_mean / warm_mean))"

# Integrity: each key's count between its acknowledged requests and those sent (plus the unanswered at the end).
unanswered=$(awk '$1=="unanswered" {print $2}' "$DATA/wrk.sum")
bad=0
while read -r _ key acked sent; do
  count=""
  for _ in $(seq 1 50); do
    count=$(curl -sf "http://127.0.0.1:$API/load/$key" | sed -n 's/.*"load":\([0-9]*\).*/\1/p')
    [ -n "$count" ] && [ "$count" -ge "$acked" ] && break
    sleep 0.2
  done
  if [ -z "$count" ] || [ "$count" -lt "$acked" ] || [ "$count" -gt "$sent" ]; then
    bad=$((bad + 1)); echo "key $key: count ${count:-?}, acknowledged $acked, sent $sent" >&2
  fi
done < <(awk '$1=="key"' "$DATA/wrk.sum")
[ "$bad" = 0 ] && echo "integrity PASS ($KEYS keys; ${unanswered:-0} requests unanswered when wrk stopped)" \
  || { echo "integrity FAILED: $bad keys" >&2; exit 1; }
