#!/usr/bin/env bash
# The pause a live rescale causes, measured under a fixed-rate load (loopback only, bounded in time).
#
#   bench/rescale-pause.sh [--rate R] [--from P0] [--to P] [--counters M] [--seconds S] [--at S] [--keys N]
#
# Starts its own stack with ./surge up (M counter-streams, P0 partitions; ports 48080/48092, data in a temp dir),
# posts at R events/s with BenchTool openloop (the bench module; latency from each request's due time),
# runs ./surge rescale --partitions P after a 45 s warm-up (three JVMs start cold) plus --at seconds, and reports: the open loop's answers
# (200, 202, errors), the longest stretch without a 200 (overall and for any one key), the rescale's own step
# timings, and the integrity check (GET /load total == events answered 2xx). Defaults: 500/s, 12 -> 24, 2
# counters, 60 s of load, rescale at +20 s, 240 keys. Everything it started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=500 FROM=12 TO=24 COUNTERS=2 SECONDS_=60 AT=20 KEYS=240 WARMUP=45
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE=$2; shift ;;
    --from) FROM=$2; shift ;;
    --to) TO=$2; shift ;;
    --counters) COUNTERS=$2; shift ;;
    --seconds) SECONDS_=$2; shift ;;
    --at) AT=$2; shift ;;
    --keys) KEYS=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
API_PORT=${PAUSE_API_PORT:-48080} BROKER_PORT=${PAUSE_BROKER_PORT:-48092}
WORK=$(mktemp -d /tmp/surge-rescale-pause.XXXXXX)
cleanup() {
  ./surge down --data-dir "$WORK/data" >/dev/null 2>&1 || true
  [ -n "${LOAD_PID:-}" ] && kill "$LOAD_PID" 2>/dev/null || true
}
trap cleanup EXIT

[[ -f bench/target/bench.jar ]] || mvn -B -q -DskipTests package -pl bench   # the bench module: BenchTool
BENCH_CP='bench/target/bench.jar:bench/target/lib/*'
./surge up --data-dir "$WORK/data" --counter-instances "$COUNTERS" --partitions "$FROM" --port "$API_PORT" \
  --broker-port "$BROKER_PORT" >"$WORK/up.log" 2>&1 &
timeout 300 bash -c "until grep -q 'Ctrl-C' '$WORK/up.log'; do sleep 1; kill -0 $! 2>/dev/null || exit 1; done" \
  || { tail -20 "$WORK/up.log" >&2; echo "surge up failed" >&2; exit 1; }
echo "Stack up: $COUNTERS counter-streams, $FROM partitions (data in $WORK)"

timeout -k 5 $((WARMUP + SECONDS_ + 90)) java -Xss256k -cp "$BENCH_CP" dev.surge.bench.BenchTool openloop \
  --url "http://127.0.0.1:$API_PORT/simulate" --rate "$RATE" --seconds "$SECONDS_" --warmup-seconds "$WARMUP" \
  --connections 256 --keys "$KEYS" --prefix "pause-$RATE" --out "$WORK/open.sum" >"$WORK/open.log" 2>&1 &
LOAD_PID=$!
sleep $((WARMUP + AT))
echo "Rescaling $FROM -> $TO at +${AT} s of the measured load ..."
./surge rescale --partitions "$TO" --data-dir "$WORK/data" | sed 's/^/  /'
wait "$LOAD_PID"; LOAD_PID=
cat "$WORK/open.log"
acked=$(sed -n 's/^s2xx_incl_warmup //p' "$WORK/open.sum")
unanswered=$(sed -n 's/^unanswered //p' "$WORK/open.sum")
java -cp "$BENCH_CP" dev.surge.bench.BenchTool verify --api "http://127.0.0.1:$API_PORT" \
  --load-url "http://127.0.0.1:$API_PORT/load" --expected-total "$acked" --max-total "$((acked + unanswered))" \
  --keys-file "$WORK/open.sum" --timeout-seconds 120
./surge status --data-dir "$WORK/data" --json | python3 -c 'import json,sys; c=json.load(sys.stdin)["countPath"]; print("count path: generation %d, %s, %d partitions, records per partition min %d max %d" % (c["generation"], c["topic"], c["partitions"], min(c["endOffsets"]), max(c["endOffsets"])))'
