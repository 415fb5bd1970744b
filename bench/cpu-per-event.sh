#!/usr/bin/env bash
# Counted answers per second and CPU microseconds per counted event of each process, for side-by-side comparisons of a
# setting: run it once per variant, alternating, with the setting in the environment (SURGE_* settings and
# SURGE_JAVA_OPTS reach the services through ./surge up), e.g.
#   for v in false true false true; do SURGE_SOMETHING=$v bench/cpu-per-event.sh 90 30 256 1000; done
#   bench/cpu-per-event.sh WARMUP_SECONDS MEASURED_SECONDS CONNECTIONS KEYS
# Starts ./surge up on a fresh data dir and ports 57080-57093 (loopback only), loads it with wrk in count mode for
# WARMUP_SECONDS, then measures MEASURED_SECONDS: counted answers/s (ingest-api's surge_events_total{outcome="counted"}),
# wrk's latency, and each process's CPU (from /proc) divided by the events counted. Prints one line; stops the stack.
set -uo pipefail
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WARMUP=$1 MEASURED=$2 CONNS=$3 KEYS=$4
API=57080; COUNTER=57081; BROKER=57092
DATA="$(mktemp -d /tmp/surge-ab.XXXXXX)"
cleanup() { [ -n "${UP_PID:-}" ] && kill -TERM "$UP_PID" 2>/dev/null && timeout 60 tail --pid="$UP_PID" -f /dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
"$HOME_DIR/surge" up --data-dir "$DATA/stack" --port $API --counter-port $COUNTER --broker-port $BROKER > "$DATA/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 480); do curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
load() { wrk -t2 -c"$CONNS" -d"$1s" --timeout 10s -s "$HOME_DIR/bench/simulate.lua" "http://127.0.0.1:$API/simulate" -- "$2" "$KEYS" "$DATA/$2.sum" > "$DATA/$2.txt"; }
load "$WARMUP" warm
parent=$(pgrep -f "local-stack.jar up --data-dir $DATA/stack" | head -1)
declare -A ROLE BEFORE
for pid in $(pgrep -P "$parent"); do
  ROLE[$pid]=$(tr '\0' ' ' < "/proc/$pid/cmdline" | grep -oE '(embedded-kafka|counter-streams|ingest-api)\.jar' | sed 's/\.jar//; s/embedded-kafka/broker/')
  BEFORE[$pid]=$(awk '{print $14 + $15}' "/proc/$pid/stat")
done
c0=$(curl -s "http://127.0.0.1:$API/metrics" | awk '/^surge_events_total\{/ && /outcome="counted"/ {s+=$NF} END {printf "%d", s}')
load "$MEASURED" measured
c1=$(curl -s "http://127.0.0.1:$API/metrics" | awk '/^surge_events_total\{/ && /outcome="counted"/ {s+=$NF} END {printf "%d", s}')
ticks=$(getconf CLK_TCK)
counted=$((c1 - c0))
line="counted/s $((counted / MEASURED)) | $(grep -E 'Latency' "$DATA/measured.txt" | awk '{print "lat avg "$2" max "$4}') | non2xx $(grep -E 'Non-2xx' "$DATA/measured.txt" | awk "{print \$NF}" || true)"
tot=0
for pid in "${!ROLE[@]}"; do
  d=$(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - BEFORE[$pid] ))
  tot=$((tot + d))
  line="$line | ${ROLE[$pid]} $(awk -v d=$d -v hz=$ticks -v c=$counted 'BEGIN{printf "%.0f us/ev", d/hz*1e6/c}')"
done
echo "$line | total $(awk -v d=$tot -v hz=$ticks -v c=$counted 'BEGIN{printf "%.0f us/ev", d/hz*1e6/c}') | load $(cut -d' ' -f1 /proc/loadavg)"
