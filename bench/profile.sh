#!/usr/bin/env bash
# Where the time goes: CPU of broker, counter-streams and ingest-api under count-mode load, and what each spends it on.
#   bench/profile.sh [--warmup SECONDS] [--seconds SECONDS] [--connections C] [--keys K] [--batch N [--ack MODE]]
#                    [-- UP-OPTIONS...]
# Starts `./surge up` on a fresh data dir and non-default ports (loopback only) with a JFR recording in every JVM from
# its start (JFR started later makes HotSpot recompile what it had compiled: here the count rate fell from ~2,000 to
# ~30/s for minutes), loads it with wrk for --warmup seconds (default 180: the JIT needs minutes on 2 cores), then
# measures --seconds (default 30): answers/s, each process's share of a core (from /proc), the CPU its JIT compiler
# threads took since start, and a summary of its JFR CPU samples in that window (bench/jfr-summary.py). Recordings are
# kept in the printed directory. Stops the stack on exit. With --batch N the load is POST /simulate/batch?ack=MODE
# (count by default) in batches of N events from BenchTool batch (C connections, closed loop), and the figures are
# per event too: events/s and each process's CPU microseconds per event.
set -euo pipefail
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WARMUP=180 SECONDS_MEASURED=30 CONNS=256 KEYS=1000 BATCH=0 ACK=count
while [ $# -gt 0 ]; do
  case "$1" in
    --warmup) WARMUP="$2"; shift 2 ;;
    --seconds) SECONDS_MEASURED="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --keys) KEYS="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --ack) ACK="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--warmup S] [--seconds S] [--connections C] [--keys K] [--batch N [--ack MODE]]" \
         "[-- UP-OPTIONS...]" >&2; exit 2 ;;
  esac
done
API=57080; COUNTER=57081; BROKER=57092
DATA="$(mktemp -d /tmp/surge-profile.XXXXXX)"
command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq curl >/dev/null; }
command -v python3 >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq python3 >/dev/null; }

cleanup() {
  [ -n "${UP_PID:-}" ] && kill -TERM "$UP_PID" 2>/dev/null && timeout 60 tail --pid="$UP_PID" -f /dev/null || true
  rm -rf "$DATA/stack"
}
trap cleanup EXIT

mkdir -p "$DATA/jfr"
SURGE_JAVA_OPTS="${SURGE_JAVA_OPTS:-} -XX:StartFlightRecording=name=surge,settings=profile,maxage=15m,filename=$DATA/jfr/" \
  "$HOME_DIR/surge" up --data-dir "$DATA/stack" --port $API --counter-port $COUNTER --broker-port $BROKER "$@" \
  > "$DATA/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 480); do
  curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null 2>&1 && break
  kill -0 "$UP_PID" 2>/dev/null || { cat "$DATA/up.log"; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null || { echo "stack not ready" >&2; exit 1; }

if ((BATCH > 0)); then
  [[ -f $HOME_DIR/bench/target/bench.jar ]] || mvn -B -q -f "$HOME_DIR/pom.xml" -DskipTests package -pl bench
fi
load() { # SECONDS NAME: prints answers/s, or events/s with --batch
  if ((BATCH > 0)); then
    timeout -k 5 $(($1 + 150)) java -Xss256k -Xmx2g -cp "$HOME_DIR/bench/target/bench.jar:$HOME_DIR/bench/target/lib/*" dev.surge.bench.BenchTool batch \
      --url "http://127.0.0.1:$API/simulate/batch?ack=$ACK" --batch "$BATCH" --connections "$CONNS" --seconds "$1" \
      --warmup-seconds 0 --keys "$KEYS" --prefix "$2" --format json --timeout-seconds 60 --out "$DATA/$2.sum" \
      >"$DATA/$2.log" 2>&1
    awk -v ack="$ACK" '($1 == "success_per_s" && ack == "count") || ($1 == "accepted_per_s" && ack != "count") \
      {print $2}' "$DATA/$2.sum"
    return
  fi
  wrk -t2 -c"$CONNS" -d"$1s" --timeout 10s -s "$HOME_DIR/bench/simulate.lua" "http://127.0.0.1:$API/simulate" \
    -- "$2" "$KEYS" "$DATA/$2.sum" | awk '/Requests\/sec/ {print $2}'
}
echo "warming up for $WARMUP s ..."
load "$WARMUP" warm >/dev/null || { echo "the warm-up load failed:" >&2; tail -n 3 "$DATA/warm.log" >&2; exit 1; }

declare -A ROLE BEFORE
for pid in $(pgrep -P "$(pgrep -f "local-stack.jar up --data-dir $DATA/stack" | head -1)"); do
  role=$(tr '\0' ' ' < "/proc/$pid/cmdline" | grep -oE '(embedded-kafka|counter-streams|ingest-api)\.jar' \
    | sed 's/\.jar//; s/embedded-kafka/broker/' || true)
  [[ -n "$role" ]] || continue # not one of the three services (jcmd JFR.dump failed on such a child once)
  ROLE[$pid]=$role
  BEFORE[$pid]=$(awk '{print $14 + $15}' "/proc/$pid/stat")
done
since=$(date +%H:%M:%S)
tool_before=$(awk '{print $16 + $17}' "/proc/$$/stat") # CPU of this script's waited-for children: the load tool
rate=$(load "$SECONDS_MEASURED" measured)
tool_after=$(awk '{print $16 + $17}' "/proc/$$/stat")
echo
if ((BATCH > 0)); then
  echo "batches of $BATCH, ack=$ACK, $CONNS connections, $KEYS keys: $rate events/s over $SECONDS_MEASURED s" \
    "(after $WARMUP s of load)"
else
  echo "count mode, $CONNS connections, $KEYS keys: $rate answers/s over $SECONDS_MEASURED s (after $WARMUP s of load)"
fi
ticks=$(getconf CLK_TCK)
echo "== load tool: $(( (tool_after - tool_before) * 100 / (SECONDS_MEASURED * ticks) )) % of a core"
for pid in "${!ROLE[@]}"; do
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  jit=0
  for task in /proc/"$pid"/task/*; do
    case "$(cat "$task/comm")" in C1*|C2*) jit=$((jit + $(awk '{print $14 + $15}' "$task/stat"))) ;; esac
  done
  total=$after
  if ! jcmd "$pid" JFR.dump name=surge filename="$DATA/jfr/${ROLE[$pid]}.jfr" >"$DATA/jcmd.log" 2>&1; then
    echo "jcmd $pid JFR.dump failed (${ROLE[$pid]}): $(tail -1 "$DATA/jcmd.log")" >&2
  fi
  echo
  per_event=''
  if ((BATCH > 0)); then
    per_event=" ($(awk -v t=$((after - BEFORE[$pid])) -v hz="$ticks" -v r="$rate" -v s="$SECONDS_MEASURED" \
      'BEGIN { if (r > 0) printf "%.1f", t / hz * 1e6 / (r * s); else printf "?" }') us of CPU per event)"
  fi
  echo "== ${ROLE[$pid]} (pid $pid): $(( (after - BEFORE[$pid]) * 100 / (SECONDS_MEASURED * ticks) )) % of a core$per_event;" \
    "JIT compiler threads $((jit / ticks)) s of its $((total / ticks)) s of CPU since start"
  python3 "$HOME_DIR/bench/jfr-summary.py" "$DATA/jfr/${ROLE[$pid]}.jfr" --since "$since"
done
echo
echo "recordings: $DATA/jfr"
