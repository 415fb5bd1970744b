#!/usr/bin/env bash
# Surge benchmarks, side by side in one run (issue 6). Documented in bench/README.md.
#
#   bench/run.sh [--quick] [--duration S] [--warmup S] [--connections "64 256 1024"] [--keys N]
#                [--open-seconds S] [--perf-records N] [--out FILE | --no-write] [--build] [--keep]
#                [--overload-base C] [--overload-only]
#                [--batch-sizes "1 10 100 500 1000"] [--batch-seconds S] [--batch-connections C]
#                [--batch-format json|ndjson] [--batch-only] [--own-stack]
#
# When a stack started by `./surge up` is running (listed in data/stack.json, its ingest-api ready), measures Surge on
# that stack, as it was configured (its ingest-api, counter-streams and broker), and prints the console's URL to watch
# it; phases that need a fresh stack (the warm-up curve from ready) are skipped. Otherwise, or with --own-stack (which
# refuses while a ./surge up stack runs: two stacks on these cores would make every figure meaningless), it starts its
# own stack with the launcher ./surge up uses (local-stack.jar up) on a temp data dir and on ports away from
# 8080/8081/9092. It runs the baselines (Flask original, Javalin ceiling, Kafka ProducerPerformance) and the Surge runs
# (closed loop with wrk, fixed-rate open loop), checks after every Surge run that every acknowledged request was
# counted exactly once, prints a table with ratios and writes it into BENCHMARKS.md. Everything it started is stopped
# on exit. Load goes to 127.0.0.1 only, and every load phase is bounded in time. Then the overload scenario (issue 15):
# 1x, 2x, 5x and 10x of C connections (default 256), clients that retry at once and clients that honour Retry-After;
# --overload-only runs the stack and that scenario alone. Then the batch step: POST /simulate/batch in closed loop
# (BenchTool batch) with batches of 1, 10, 100, 500 and 1,000 events, ack=count and ack=durable, events/s against
# the Kafka ceiling; --batch-only runs the stack, the Kafka ceiling and that step alone.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
COMMAND_LINE="bench/run.sh${*:+ $*}"

# ------------------------------------------------------------------------------------------------ options
QUICK=0 DURATION='' WARMUP='' CONNS='' KEYS=100 OPEN_SECONDS='' PERF_RECORDS='' OUT="$ROOT/BENCHMARKS.md" WRITE=1 BUILD=0 KEEP=0
OVERLOAD_BASE=256 OVERLOAD_ONLY=0
BATCH_SIZES="1 10 100 500 1000" BATCH_SECONDS='' BATCH_CONNECTIONS='' BATCH_ONLY=0 BATCH_FORMAT=json OWN_STACK=0
usage() { sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --connections) CONNS=${2//,/ }; shift ;;
    --keys) KEYS=$2; shift ;;
    --open-seconds) OPEN_SECONDS=$2; shift ;;
    --perf-records) PERF_RECORDS=$2; shift ;;
    --out) OUT=$2; shift ;;
    --no-write) WRITE=0 ;;
    --build) BUILD=1 ;;
    --keep) KEEP=1 ;;
    --overload-base) OVERLOAD_BASE=$2; shift ;;
    --overload-only) OVERLOAD_ONLY=1 ;;
    --batch-sizes) BATCH_SIZES=${2//,/ }; shift ;;
    --batch-seconds) BATCH_SECONDS=$2; shift ;;
    --batch-connections) BATCH_CONNECTIONS=$2; shift ;;
    --batch-format) BATCH_FORMAT=$2; shift ;;
    --batch-only) BATCH_ONLY=1 ;;
    --own-stack) OWN_STACK=1 ;;
    -h|--help) usage 0 ;;
    *) echo "bench: unknown option $1" >&2; usage 2 ;;
  esac
  shift
done
if ((OVERLOAD_ONLY && BATCH_ONLY)); then echo "bench: --overload-only and --batch-only exclude each other" >&2; exit 2; fi
if [[ $BATCH_FORMAT != json && $BATCH_FORMAT != ndjson ]]; then echo "bench: --batch-format json|ndjson" >&2; exit 2; fi
if ((QUICK)); then # (defaults per mode; any option given wins)
  MODE=quick; : "${DURATION:=5}" "${WARMUP:=3}" "${CONNS:=64 256}" "${OPEN_SECONDS:=5}" "${PERF_RECORDS:=1000000}"
  JIT_WARMUP=${BENCH_JIT_WARMUP:-0}
else
  MODE=full; : "${DURATION:=20}" "${WARMUP:=10}" "${CONNS:=64 256 1024}" "${OPEN_SECONDS:=30}" "${PERF_RECORDS:=5000000}"
  # Surge's three JVMs compile for minutes on 2 cores (C1/C2 took about half of each one's CPU in its first 100 s,
  # BENCHMARKS.md "Where the time goes"): its warm figures are taken after this much more count-mode load at 256
  # connections (on a stack of its own, the first seconds from ready are reported on their own, as the warm-up curve);
  # BENCH_JIT_WARMUP=S changes it
  JIT_WARMUP=${BENCH_JIT_WARMUP:-120}
fi
: "${BATCH_SECONDS:=$DURATION}"
# batch step: connections per batch size, unless --batch-connections fixes them: about BATCH_EVENTS_IN_FLIGHT events in
# flight (BENCH_BATCH_EVENTS_IN_FLIGHT), between 4 and 256 connections (1 and 10 events: 256, as the closed loop; 100:
# 81; 500: 16; 1,000: 8). 8,192, not the 4,096 of before: with 4,096 a closed loop of 500-event batches was bound by
# each batch's latency (~20 ms: producer linger, commit interval), not by what the stack can take; on one warm stack
# (2026-12-01, 500-event batches, 10 s each) 8 connections gave 160,600-165,100 events/s at p50 20 ms, 16 gave
# 278,900 at p50 23 ms, 32 gave 265,200 at p50 46 ms.
BATCH_EVENTS_IN_FLIGHT=${BENCH_BATCH_EVENTS_IN_FLIGHT:-8192}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
WRK_TIMEOUT=10s              # > ingest-api's 2 s ack timeout: the server answers every request before wrk gives up
# open loop: BenchTool sends on one event-loop thread (loadgen's Netty client), on the cores Surge runs on. It gets
# enough connections to carry the open rate at 100 ms per answer (twice issue 11's p99 target; Little's law), at least
# 64, at most the largest closed-loop level; a request that finds every connection busy waits for one, and that wait
# counts (its latency runs from its due time). Before 2026-12-02 it ran one thread per connection, and as many
# connections as the largest closed-loop level (1,024): at 2,000/s on one stack, 1,024 generator threads doubled the
# measured p99 against 128-256 (BENCHMARKS.md "The open-loop generator").
OPEN_CONNECTIONS=${BENCH_OPEN_CONNECTIONS:-}
open_connections() { # RATE
  local c=$((($1 + 9) / 10)) most=64 x
  for x in $CONNS; do if ((x > most)); then most=$x; fi; done
  if ((c < 64)); then c=64; fi
  if ((c > most)); then c=$most; fi
  echo "$c"
}
PERF_PARTITIONS=${BENCH_PERF_PARTITIONS:-${BENCH_PARTITIONS:-12}}   # as many as Surge's load-events topic
# The stack of its own is started by the launcher of ./surge up (local-stack.jar up), with its JVM flags; the launcher
# passes SURGE_JAVA_OPTS (e.g. JFR) to all three JVMs.
PARTITIONS=${BENCH_PARTITIONS:-12}             # load-events and load-acks, as ./surge up (--partitions, default 12)
# a running ./surge up stack is looked for in this data dir (./surge up's default)
STACK_DATA_DIR=${BENCH_STACK_DATA_DIR:-$ROOT/data}

API_PORT=${BENCH_API_PORT:-18080}
CS_PORT=${BENCH_COUNTER_PORT:-18081}
KAFKA_PORT=${BENCH_KAFKA_PORT:-19092}
CONTROLLER_PORT=${BENCH_CONTROLLER_PORT:-19093}
FLASK_PORT=${BENCH_FLASK_PORT:-18090}
CEILING_PORT=${BENCH_CEILING_PORT:-18091}
HOST=127.0.0.1
BENCH_CP='bench/target/bench.jar:bench/target/lib/*'   # the bench module (bench/pom.xml): BenchTool and its libraries
PYTHON=/usr/bin/python3      # Debian's python, the one python3-flask installs into

T0=$(date +%s)
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------------------------------------ tools
ensure_tools() { # outside tools (wrk, curl, python3-flask, maven): bench/setup.sh installs what is missing
  bash bench/setup.sh --check >/dev/null 2>&1 || bash bench/setup.sh || die "bench/setup.sh could not install the bench's tools"
}

ensure_build() {
  local jars=(embedded-kafka/target/embedded-kafka.jar counter-streams/target/counter-streams.jar
              ingest-api/target/ingest-api.jar local-stack/target/local-stack.jar)
  local need=$BUILD j
  for j in "${jars[@]}"; do
    if [[ ! -f $j ]]; then
      need=1
    elif [[ -n $(find pom.xml common embedded-kafka counter-streams ingest-api local-stack -newer "$j" \
                 \( -name pom.xml -o -path '*/src/main/*' \) -type f -print -quit 2>/dev/null) ]]; then
      need=1 # sources changed since this jar was built: measure what is in the tree, not a stale jar
    fi
  done
  compgen -G 'ingest-api/target/lib/javalin-*.jar' >/dev/null || need=1
  if ((need)) && [[ $STACK_MODE == running ]]; then
    # mvn package would rewrite the jars the running stack's JVMs have open
    log "note: the running stack runs the jars it was started with; sources may have changed since, and they are not rebuilt under it (./surge down, then ./surge bench, measures the tree as it is)"
    need=0
  fi
  if ((need)); then
    log "building the project (mvn -B -q -DskipTests package)"
    mvn -B -q -DskipTests package
  elif [[ ! -f bench/target/bench.jar || -n $(find bench/pom.xml bench/src/main loadgen/pom.xml loadgen/src/main \
           -newer bench/target/bench.jar -type f -print -quit 2>/dev/null) ]]; then
    # the bench's own tools: a module of its own (and loadgen, whose HTTP client its open loop uses), built without
    # touching the jars a running stack has open
    log "building the bench tools (mvn -B -q -DskipTests package -pl bench -am)"
    mvn -B -q -DskipTests package -pl bench -am
  fi
  if ((!OVERLOAD_ONLY)) && ! compgen -G 'bench/kafka-tools/target/lib/kafka-tools-*.jar' >/dev/null; then
    log "fetching Kafka's tools (mvn -q -f bench/kafka-tools/pom.xml dependency:copy-dependencies)"
    mvn -B -q -f bench/kafka-tools/pom.xml dependency:copy-dependencies
  fi
}

# ------------------------------------------------------------------------------------------------ processes
PIDS=() NAMES=()
WORK=
FAILED_SETUP=0
start_bg() { # NAME CMD... : runs CMD in the background, output to $WORK/logs/NAME.log
  local name=$1; shift
  "$@" >"$WORK/logs/$name.log" 2>&1 &
  PIDS+=("$!"); NAMES+=("$name")
  log "started $name (pid $!)"
}
alive() { kill -0 "$1" 2>/dev/null; }
stop_pids() { # PID... : TERM, then KILL whatever is still there after 15 s
  local p deadline=$((SECONDS + 15)) left
  for p in "$@"; do
    if alive "$p"; then kill -TERM "$p" 2>/dev/null || true; fi
  done
  while ((SECONDS < deadline)); do
    left=0
    for p in "$@"; do alive "$p" && left=1; done
    ((left)) || break
    sleep 0.2
  done
  for p in "$@"; do
    if alive "$p"; then log "pid $p did not stop in 15 s: KILL"; kill -KILL "$p" 2>/dev/null || true; fi
  done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}
stop_named() { # NAME : stops the process started under NAME
  local i
  for i in "${!NAMES[@]}"; do
    if [[ ${NAMES[$i]} == "$1" && -n ${PIDS[$i]} ]]; then
      stop_pids "${PIDS[i]}"; PIDS[i]=''; log "stopped $1"
    fi
  done
}
cleanup() {
  local rc=$? i live=()
  trap - EXIT INT TERM
  for i in "${!PIDS[@]}"; do
    if [[ -n ${PIDS[i]} ]]; then live+=("${PIDS[i]}"); fi
  done
  if [[ -n $(pid_of stack) ]]; then
    # the stack of its own: ./surge down stops its services in order, then its launcher exits
    log "stopping the stack this run started (./surge down --data-dir $WORK/stack)"
    timeout -k 5 180 "${SURGE_CLI[@]}" down --data-dir "$WORK/stack" \
      >>"$WORK/logs/down.log" 2>&1 || log "./surge down failed (see $WORK/logs/down.log); stopping the launcher"
  fi
  if ((${#live[@]})); then
    log "stopping ${#live[@]} process(es) this run started"
    # the API and the streams app before the broker, so that they can leave cleanly
    local brokers=() others=()
    for i in "${!PIDS[@]}"; do
      [[ -z ${PIDS[$i]} ]] && continue
      if [[ ${NAMES[$i]} == broker ]]; then brokers+=("${PIDS[$i]}"); else others+=("${PIDS[$i]}"); fi
    done
    if ((${#others[@]})); then stop_pids "${others[@]}"; fi
    if ((${#brokers[@]})); then stop_pids "${brokers[@]}"; fi
  fi
  if [[ -n $WORK && -d $WORK ]]; then
    if ((KEEP || rc != 0 || FAILED_SETUP)); then
      log "logs and data kept in $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
on_err() { # $1 = exit status, $2 = line: say where a command failed (not from inside $(...), where it is handled)
  if ((BASH_SUBSHELL == 0)); then log "failed (exit $1) at line $2: $BASH_COMMAND"; fi
}
trap 'on_err $? $LINENO' ERR
trap 'log "interrupted"; exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
wait_port() { # PORT SECONDS NAME
  local deadline=$((SECONDS + $2)) pid
  pid=$(pid_of "$3")
  until port_open "$1"; do
    alive "$pid" || { FAILED_SETUP=1; tail -n 30 "$WORK/logs/$3.log" >&2; die "$3 exited before it listened"; }
    ((SECONDS < deadline)) || { FAILED_SETUP=1; die "$3 did not listen on $1 within $2 s"; }
    sleep 0.2
  done
}
wait_ready() { # URL SECONDS NAME
  local deadline=$((SECONDS + $2)) pid
  pid=$(pid_of "$3")
  until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
    alive "$pid" || { FAILED_SETUP=1; tail -n 30 "$WORK/logs/$3.log" >&2; die "$3 exited before it was ready"; }
    ((SECONDS < deadline)) || { FAILED_SETUP=1; tail -n 30 "$WORK/logs/$3.log" >&2; die "$3 not ready within $2 s"; }
    sleep 0.3
  done
}
pid_of() {
  local i
  for i in "${!NAMES[@]}"; do
    if [[ ${NAMES[i]} == "$1" ]]; then echo "${PIDS[i]}"; fi
  done
}

# ------------------------------------------------------------------------------------------------ the stack
# Surge is measured on one stack: the one ./surge up runs (STACK_MODE=running), or one this run starts with the same
# launcher (STACK_MODE=own). STACK_PROCESSES: "role pid port log" of its processes, for surge_alive and the report.
STACK_MODE='' STACK_PROCESSES=() KAFKA_BOOTSTRAP='' COUNT_GENERATION=''
SURGE_CLI=(java -Dsurge.home="$ROOT" -jar local-stack/target/local-stack.jar)   # the launcher of ./surge
# STATUS-JSON: "key value" lines of ./surge status --json: launcher_alive, kafka, partitions, generation, and one
# "process ROLE PID PORT ALIVE READY LOG" per process
status_lines() {
  "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)
print("launcher_alive", str(bool(s.get("launcher") and s["launcher"].get("alive"))).lower())
print("kafka", (s.get("kafka") or {}).get("bootstrap") or "")
cp = s.get("countPath") or {}
print("partitions", cp.get("partitions", ""))
print("generation", cp.get("generation", ""))
for p in s.get("processes") or []:
    print("process", p["role"], p["pid"], p["port"], str(p["alive"]).lower(), str(p["ready"]).lower(), p.get("log") or "-")
'
}
# Whether a ./surge up stack runs from STACK_DATA_DIR: 0 (and STACK_STATUS set) when one is listed and alive, 1 when
# none is (no stack.json, or one whose launcher and processes are all gone)
find_running_stack() {
  [[ -f $STACK_DATA_DIR/stack.json ]] || return 1
  local json
  json=$(timeout -k 5 90 "${SURGE_CLI[@]}" status --json \
         --data-dir "$STACK_DATA_DIR" 2>"$WORK/logs/status.log") \
    || { cat "$WORK/logs/status.log" >&2; die "./surge status --json --data-dir $STACK_DATA_DIR failed (above)"; }
  STACK_STATUS=$(status_lines <<<"$json") || die "cannot read ./surge status --json: $json"
  if [[ $(awk '$1 == "launcher_alive" { print $2 }' <<<"$STACK_STATUS") != true ]] \
      && ! awk '$1 == "process" && $5 == "true" { found = 1 } END { exit !found }' <<<"$STACK_STATUS"; then
    return 1 # a stack.json left behind: nothing of it runs
  fi
  return 0
}
# Measure on the running stack: its first ready ingest-api and counter-streams, its Kafka, its partitions
use_running_stack() {
  local api cs
  api=$(awk '$1 == "process" && $2 == "ingest-api" && $6 == "true" { print $4; exit }' <<<"$STACK_STATUS")
  cs=$(awk '$1 == "process" && $2 == "counter-streams" && $6 == "true" { print $4; exit }' <<<"$STACK_STATUS")
  if [[ -z $api || -z $cs ]]; then
    die "a Surge stack runs from $STACK_DATA_DIR but $([[ -z $api ]] && echo "no ingest-api" || echo "no counter-streams") of it is ready (./surge status): wait until it is, or stop it (./surge down) to let bench start a stack of its own"
  fi
  if [[ -n ${BENCH_PARTITIONS:-} ]]; then
    die "BENCH_PARTITIONS applies to a stack bench starts itself; the running stack keeps its own partitions (./surge rescale changes them), or use --own-stack after ./surge down"
  fi
  if [[ -n ${BENCH_API_PORT:-}${BENCH_COUNTER_PORT:-}${BENCH_KAFKA_PORT:-} ]]; then
    log "BENCH_API_PORT/BENCH_COUNTER_PORT/BENCH_KAFKA_PORT apply to a stack of bench's own: ignored on the running stack"
  fi
  STACK_MODE=running API_PORT=$api CS_PORT=$cs
  KAFKA_BOOTSTRAP=$(awk '$1 == "kafka" { print $2 }' <<<"$STACK_STATUS")
  PARTITIONS=$(awk '$1 == "partitions" { print $2 }' <<<"$STACK_STATUS")
  COUNT_GENERATION=$(awk '$1 == "generation" { print $2 }' <<<"$STACK_STATUS")
  [[ -n $PARTITIONS ]] || die "./surge status --json names no count path partitions for the running stack"
  PERF_PARTITIONS=${BENCH_PERF_PARTITIONS:-$PARTITIONS}
  mapfile -t STACK_PROCESSES < <(awk '$1 == "process" && $5 == "true" { print $2, $3, $4, $7 }' <<<"$STACK_STATUS")
}
# Start a stack of its own with the launcher of ./surge up, on the BENCH ports and a data dir in WORK
start_own_stack() {
  STACK_MODE=own KAFKA_BOOTSTRAP="$HOST:$KAFKA_PORT"
  start_bg stack "${SURGE_CLI[@]}" up --data-dir "$WORK/stack" \
    --port "$API_PORT" --counter-port "$CS_PORT" --broker-port "$KAFKA_PORT" --controller-port "$CONTROLLER_PORT" \
    --partitions "$PARTITIONS"
  # the launcher starts the broker, counter-streams, then ingest-api, each awaited until ready (at most 60 + 120 + 120 s)
  wait_ready "http://$HOST:$API_PORT/health/ready" 330 stack
  find_running_stack_in "$WORK/stack"
  mapfile -t STACK_PROCESSES < <(awk '$1 == "process" && $5 == "true" { print $2, $3, $4, $7 }' <<<"$STACK_STATUS")
  COUNT_GENERATION=$(awk '$1 == "generation" { print $2 }' <<<"$STACK_STATUS")
}
find_running_stack_in() { local STACK_DATA_DIR=$1; find_running_stack || die "the stack started in $1 is not running"; }
# JVM-FLAGS PID: the options a running JVM was started with (between the java binary and -jar)
jvm_flags() {
  tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | awk 'NR > 1 && $0 == "-jar" { exit } NR > 1 { printf "%s%s", (n++ ? " " : ""), $0 }'
}
stack_jvm_flags() { # ROLE: the JVM flags of the stack's first process of ROLE
  local entry role pid
  for entry in "${STACK_PROCESSES[@]}"; do
    read -r role pid _ <<<"$entry"
    if [[ $role == "$1" ]]; then jvm_flags "$pid"; return; fi
  done
  echo "?"
}

# ------------------------------------------------------------------------------------------------ load and results
# Every measured run is one line of $WORK/results.tsv: its kind, then tab-separated name=value fields, summary files
# relative to $WORK. `BenchTool report` reads them (and the summaries) as typed results, with bench/targets.json, and
# renders the report; run.sh only reads a summary's figures it needs to go on (a rate, the integrity tallies) or logs.
record() { local IFS=$'\t'; printf '%s\n' "$*" >>"$WORK/results.tsv"; }
val() { awk -v n="$2" '$1 == n { print $2; exit }' "$1"; }
ms() { awk -v u="${1:-0}" 'BEGIN { printf "%.1f", u / 1000 }'; }

run_wrk() { # NAME URL CONNECTIONS SECONDS KEY_PREFIX [SCRIPT] -> $WORK/res/NAME.sum
  local name=$1 url=$2 c=$3 d=$4 prefix=$5 script=${6:-bench/simulate.lua}
  timeout -k 5 $((d + 40)) wrk -t"$WRK_THREADS" -c"$c" -d"${d}s" --timeout "$WRK_TIMEOUT" -s "$script" \
    "$url" -- "$KEY_RUN-$prefix" "$KEYS" "$WORK/res/$name.sum" >"$WORK/logs/wrk-$name.log" 2>&1 \
    || { tail -n 20 "$WORK/logs/wrk-$name.log" >&2; surge_alive; die "wrk $name failed"; }
  [[ -s $WORK/res/$name.sum ]] || die "wrk $name wrote no summary"
}
rate_of() { awk -v n="$(val "$1" s2xx)" -v d="$(val "$1" duration_us)" 'BEGIN { r = 0; if (d > 0) r = n / (d / 1e6); printf "%.0f", r }'; }
errors_of() {
  local f=$1 e=0 k
  for k in non2xx err_connect err_read err_write err_timeout; do e=$((e + $(val "$f" "$k"))); done
  echo "$e"
}
log_run() { # WHAT SUMFILE INTEGRITY
  local f=$2
  log "$1: $(rate_of "$f") 2xx/s, p50 $(ms "$(val "$f" p50_us)") ms, p99 $(ms "$(val "$f" p99_us)") ms, errors $(errors_of "$f") ${3:+-> $3}"
}

# Integrity. SURGE_ACKED counts every 2xx answer this stack gave to the bench (warm-ups and checks included), and
# SURGE_UNANSWERED the requests sent but never answered (in flight when wrk stopped, or timed out): the counted total
# must be at least SURGE_ACKED (else events were lost) and at most SURGE_ACKED + SURGE_UNANSWERED (else events were
# doubled, or an event answered 503 was counted), both on top of LOAD_BASE, what the stack had counted before this run
# (0 on a stack of its own; on a ./surge up stack nothing else may send it events while bench runs). Keys are fresh
# per run (KEY_RUN) and per phase. With a GET /load endpoint BenchTool reads the cluster total; without
# one it re-POSTs once per key and checks each key's running count the same way.
SURGE_ACKED=0 SURGE_UNANSWERED=0 INTEGRITY_FAILURES=0 INTEGRITY_METHOD='' LOAD_BASE=0
KEY_RUN="r$(date +%s)"
VERDICT=
verify_surge() { # SUMFILE -> sets VERDICT to PASS or FAILED (no subshell: it updates SURGE_ACKED)
  local out rc=0 extra
  out=$(timeout -k 5 330 java -cp "$BENCH_CP" dev.surge.bench.BenchTool verify --api "http://$HOST:$API_PORT" \
        --load-url "http://$HOST:$CS_PORT/load" --load-url "http://$HOST:$API_PORT/load" \
        --expected-total "$((LOAD_BASE + SURGE_ACKED))" --max-total "$((LOAD_BASE + SURGE_ACKED + SURGE_UNANSWERED))" \
        --keys-file "$1" --timeout-seconds 300 2>&1) || rc=$?
  echo "$out" >>"$WORK/logs/verify.log"
  extra=$(sed -n 's/.* extra \([0-9]*\)$/\1/p' <<<"$out" | tail -n 1)
  SURGE_ACKED=$((SURGE_ACKED + ${extra:-0}))
  INTEGRITY_METHOD=$(sed -n 's/.*method=\([a-z-]*\).*/\1/p' <<<"$out" | tail -n 1)
  if ((rc == 0)) && [[ $out == PASS* ]]; then
    VERDICT=PASS
    local cut counted acked
    cut=$(val "$1" unanswered)
    if ((cut > 0)); then
      counted=$(sed -n 's/.* counted=\([0-9]*\).*/\1/p' <<<"$out" | tail -n 1)
      acked=$(sed -n 's/.* acked=\([0-9]*\).*/\1/p' <<<"$out" | tail -n 1)
      if [[ -n $counted && -n $acked ]]; then VERDICT="PASS ($((counted - acked)) of $cut cut off counted)"; fi
    fi
  else
    INTEGRITY_FAILURES=$((INTEGRITY_FAILURES + 1))
    log "integrity check FAILED: $out"
    VERDICT=FAILED
  fi
}
surge_alive() { # the stack must still be there: a process that died makes every later figure meaningless
  local entry role pid logfile
  for entry in "${STACK_PROCESSES[@]}"; do
    read -r role pid _ logfile <<<"$entry"
    if ! alive "$pid"; then
      FAILED_SETUP=1
      if [[ -f $logfile ]]; then tail -n 20 "$logfile" >&2; fi
      die "$role (pid $pid) exited during the run (crashed, or stopped from outside: see its log $logfile)"
    fi
  done
}
surge_wrk() { # NAME ACK CONNECTIONS SECONDS [warmup]
  local name=$1 ack=$2 c=$3 d=$4 url="http://$HOST:$API_PORT/simulate"
  if [[ $ack == durable ]]; then url+="?ack=durable"; fi
  run_wrk "$name" "$url" "$c" "$d" "$name"
  surge_alive
  SURGE_ACKED=$((SURGE_ACKED + $(val "$WORK/res/$name.sum" s2xx)))
  SURGE_UNANSWERED=$((SURGE_UNANSWERED + $(val "$WORK/res/$name.sum" unanswered)))
  verify_surge "$WORK/res/$name.sum"
  local loop=closed
  if [[ ${5:-} == warmup ]]; then loop=warmup; fi
  record surge "ack=$ack" "loop=$loop" "connections=$c" "sum=res/$name.sum" "integrity=$VERDICT"
  log_run "Surge ack=$ack $loop $c conns" "$WORK/res/$name.sum" "$VERDICT"
}
surge_open() { # NAME ACK RATE
  local name=$1 ack=$2 rate=$3 url="http://$HOST:$API_PORT/simulate" f="$WORK/res/$1.sum"
  if [[ $ack == durable ]]; then url+="?ack=durable"; fi
  timeout -k 5 $((WARMUP + OPEN_SECONDS + 90)) java -Xss256k -cp "$BENCH_CP" dev.surge.bench.BenchTool openloop --url "$url" \
    --rate "$rate" --seconds "$OPEN_SECONDS" --warmup-seconds "$WARMUP" --connections "$OPEN_CONNECTIONS" \
    --keys "$KEYS" --prefix "$KEY_RUN-$name" --out "$f" >"$WORK/logs/open-$name.log" 2>&1 \
    || { tail -n 20 "$WORK/logs/open-$name.log" >&2; surge_alive; die "open loop $name failed"; }
  surge_alive
  SURGE_ACKED=$((SURGE_ACKED + $(val "$f" s2xx_incl_warmup)))
  SURGE_UNANSWERED=$((SURGE_UNANSWERED + $(val "$f" unanswered)))
  verify_surge "$f"
  record surge "ack=$ack" loop=open "connections=$OPEN_CONNECTIONS" "rate=$rate" "sum=res/$name.sum" "integrity=$VERDICT"
  # errors: err_timeout includes requests never sent (not_sent)
  log "Surge ack=$ack open loop at $rate/s: p50 $(ms "$(val "$f" p50_us)") ms, p99 $(ms "$(val "$f" p99_us)") ms, p99.9 $(ms "$(val "$f" p999_us)") ms, errors $(errors_of "$f"), integrity $VERDICT; at most $(val "$f" max_busy_connections) of $OPEN_CONNECTIONS connections busy, $(val "$f" sent_late) requests sent > 1 ms late"
}

# Overload (issue 15): closed loop at MULTIPLE x OVERLOAD_BASE connections, clients that retry at once (simulate.lua)
# or that honour Retry-After (simulate-honour.lua). Goodput = 2xx answers per second, compared with the 1x run of the
# same clients in this run.
surge_overload() { # CLIENTS(retry|honour) MULTIPLE
  local clients=$1 m=$2 c=$((OVERLOAD_BASE * $2)) name="surge-overload-$1-x$2" script=bench/simulate.lua
  local f="$WORK/res/surge-overload-$1-x$2.sum"
  if [[ $clients == honour ]]; then script=bench/simulate-honour.lua; fi
  run_wrk "$name" "http://$HOST:$API_PORT/simulate" "$c" "$DURATION" "$name" "$script"
  surge_alive
  SURGE_ACKED=$((SURGE_ACKED + $(val "$f" s2xx)))
  SURGE_UNANSWERED=$((SURGE_UNANSWERED + $(val "$f" unanswered)))
  verify_surge "$f"
  record overload "clients=$clients" "multiple=$m" "connections=$c" "sum=res/$name.sum" "integrity=$VERDICT"
  log "overload $clients ${m}x ($c conns): $(rate_of "$f") 2xx/s, $(val "$f" non2xx) refused, integrity $VERDICT"
}

# Batch step: POST /simulate/batch in closed loop (BenchTool batch), one run per batch size and ack mode, each with a
# warm-up in the same JVM on the same keys. events/s = events acknowledged per second in the mode's way: "success"
# (counted) with ack=count, "accepted" with partition and offset with ack=durable. Integrity after each run: the
# cumulative GET /load total (as after every run), each key of the run against what its events were answered
# (BenchTool verify --per-key-url), no load value handed out twice for a key, every answer with one result per event
# in request order.
batch_connections() { # SIZE
  if [[ -n $BATCH_CONNECTIONS ]]; then echo "$BATCH_CONNECTIONS"; return; fi
  local c=$((BATCH_EVENTS_IN_FLIGHT / $1))
  if ((c > 256)); then c=256; fi
  if ((c < 4)); then c=4; fi
  echo "$c"
}
verify_batch() { # SUMFILE -> sets VERDICT (no subshell: it counts failures)
  local f=$1 out rc=0 bad=() upper acked counted
  out=$(timeout -k 5 330 java -cp "$BENCH_CP" dev.surge.bench.BenchTool verify --api "http://$HOST:$API_PORT" \
        --load-url "http://$HOST:$CS_PORT/load" --load-url "http://$HOST:$API_PORT/load" \
        --expected-total "$((LOAD_BASE + SURGE_ACKED))" --max-total "$((LOAD_BASE + SURGE_ACKED + SURGE_UNANSWERED))" \
        --keys-file "$f" --per-key-url "http://$HOST:$CS_PORT/load/" --timeout-seconds 300 2>&1) || rc=$?
  echo "$out" >>"$WORK/logs/verify.log"
  INTEGRITY_METHOD=$(sed -n 's/.*method=\([a-z-]*\).*/\1/p' <<<"$out" | paste -sd+ -)
  if ((rc != 0)) || grep -q '^FAILED' <<<"$out" || ! grep -q '^PASS method=per-key' <<<"$out"; then bad+=("counts"); fi
  if (($(val "$f" loads_repeated) > 0)); then bad+=("$(val "$f" loads_repeated) load values handed out twice"); fi
  if (($(val "$f" malformed) > 0)); then bad+=("$(val "$f" malformed) answers without one result per event"); fi
  if (($(val "$f" key_mismatch) > 0)); then bad+=("$(val "$f" key_mismatch) results not in request order"); fi
  if (($(val "$f" unknown_status) > 0)); then bad+=("$(val "$f" unknown_status) results of unknown status"); fi
  if ((${#bad[@]} == 0)); then
    VERDICT=PASS
    acked=$(sed -n 's/^PASS method=per-key.* acked=\([0-9]*\).*/\1/p' <<<"$out")
    counted=$(sed -n 's/^PASS method=per-key.* counted=\([0-9]*\).*/\1/p' <<<"$out")
    upper=$(sed -n 's/^PASS method=per-key.* upper=\([0-9]*\).*/\1/p' <<<"$out")
    if [[ -n $upper && -n $acked && -n $counted ]] && ((upper > acked)); then
      VERDICT="PASS ($((counted - acked)) of $((upper - acked)) unanswered counted)"
    fi
  else
    INTEGRITY_FAILURES=$((INTEGRITY_FAILURES + 1))
    printf -v VERDICT '%s; ' "${bad[@]}"
    VERDICT="FAILED (${VERDICT%; })"
    log "batch integrity check FAILED: ${bad[*]}: $out"
  fi
}
surge_batch() { # SIZE ACK(count|durable) [warmup]: a row of the table, or (warmup) the step's warm-up
  local size=$1 ack=$2 c name="surge-batch-b$1-$2" seconds=$BATCH_SECONDS warm=$WARMUP
  if [[ ${3:-} == warmup ]]; then name="surge-batch-warm-b$1-$2" seconds=$BATCH_WARMUP warm=0; fi
  local f="$WORK/res/$name.sum"
  c=$(batch_connections "$size")
  timeout -k 5 $((warm + seconds + 150)) java -Xss256k -Xmx2g -cp "$BENCH_CP" dev.surge.bench.BenchTool batch \
    --url "http://$HOST:$API_PORT/simulate/batch?ack=$ack" --batch "$size" --connections "$c" \
    --seconds "$seconds" --warmup-seconds "$warm" --keys "$KEYS" --prefix "$KEY_RUN-$name" --format "$BATCH_FORMAT" \
    --timeout-seconds 60 --out "$f" >"$WORK/logs/batch-$name.log" 2>&1 \
    || { tail -n 20 "$WORK/logs/batch-$name.log" >&2; surge_alive; die "batch $name failed"; }
  surge_alive
  if [[ -n $(val "$f" status_404) ]]; then
    die "POST /simulate/batch answered 404: this build of ingest-api has no batch endpoint"
  fi
  SURGE_ACKED=$((SURGE_ACKED + $(val "$f" acked_events)))
  SURGE_UNANSWERED=$((SURGE_UNANSWERED + $(val "$f" unanswered)))
  verify_batch "$f"
  local warmup=false
  if [[ ${3:-} == warmup ]]; then warmup=true; fi
  record batch "size=$size" "ack=$ack" "warmup=$warmup" "connections=$c" "sum=res/$name.sum" "integrity=$VERDICT"
  log "batch $size ack=$ack${3:+ $3} ($c conns, $seconds s): $(tail -n 1 "$WORK/logs/batch-$name.log"); integrity $VERDICT"
}

# A baseline server: warm-up, every connection level, then its own counter must be (2xx answers + 1).
baseline() { # NAME SYSTEM PORT
  local name=$1 system=$2 url="http://$HOST:$3/simulate" c acked=0 unanswered=0 check f
  run_wrk "$name-warmup" "$url" 64 "$WARMUP" "$name-w"
  acked=$((acked + $(val "$WORK/res/$name-warmup.sum" s2xx)))
  unanswered=$((unanswered + $(val "$WORK/res/$name-warmup.sum" unanswered)))
  for c in $CONNS; do
    f="$WORK/res/$name-c$c.sum"
    run_wrk "$name-c$c" "$url" "$c" "$DURATION" "$name"
    acked=$((acked + $(val "$f" s2xx)))
    unanswered=$((unanswered + $(val "$f" unanswered)))
    record baseline "system=$system" "connections=$c" "sum=res/$name-c$c.sum"
    log_run "$system closed loop $c conns" "$f"
  done
  # its own counter, as a sanity check of the load tool: POST once more, expect 2xx answers + 1 (up to + unanswered)
  check=$(curl -fsS --max-time 10 -X POST -H 'Content-Type: application/json' -d '{"key":"check"}' "$url" \
          | sed -n 's/.*"load": *\([0-9]*\).*/\1/p')
  if [[ -n $check ]] && ((check >= acked + 1 && check <= acked + unanswered + 1)); then
    log "$system counter check: $check = $acked answered + $((check - acked - 1)) of $unanswered cut off by wrk + 1"
  else
    log "$system counter check: got '$check', expected $((acked + 1))..$((acked + unanswered + 1))"
  fi
  record baseline-check "system=$system" "check=$check" "acked=$acked" "unanswered=$unanswered"
}

# ------------------------------------------------------------------------------------------------ the run
ensure_tools
WORK=$(mktemp -d "${TMPDIR:-/tmp}/surge-bench.XXXXXX")
mkdir -p "$WORK/logs" "$WORK/res"
# Which stack: the one ./surge up runs, if any (two stacks on these cores would make every figure meaningless). Asked
# before building: a build must not rewrite the jars a running stack has open.
if [[ -f $STACK_DATA_DIR/stack.json && ! -f local-stack/target/local-stack.jar ]]; then
  rm -rf "$WORK"; WORK=''
  die "$STACK_DATA_DIR/stack.json lists a stack, and local-stack/target/local-stack.jar, which tells whether it runs, is missing: ./surge status builds it and says"
fi
if find_running_stack; then
  if ((OWN_STACK)); then
    rm -rf "$WORK"; WORK=''
    die "a Surge stack started by ./surge up is running from $STACK_DATA_DIR (./surge status): --own-stack would start a second stack beside it, and two stacks on $(nproc) cores make every figure meaningless. Stop it first (./surge down), or leave out --own-stack to measure on it"
  fi
  use_running_stack
  log "measuring Surge on the running stack started by ./surge up, as it was configured ($STACK_DATA_DIR): ingest-api http://$HOST:$API_PORT, counter-streams http://$HOST:$CS_PORT, Kafka $KAFKA_BOOTSTRAP, $PARTITIONS partitions; the warm-up curve is skipped (the stack is not fresh)"
  log "watch it in the console: http://$HOST:$API_PORT/ (send it nothing else meanwhile: the integrity check reads its GET /load total)"
fi
ensure_build
PREP_SECONDS=$(($(date +%s) - T0))   # installs and builds: reported apart from the benchmark itself
PORTS=("$FLASK_PORT" "$CEILING_PORT")
if [[ $STACK_MODE != running ]]; then PORTS+=("$API_PORT" "$CS_PORT" "$KAFKA_PORT" "$CONTROLLER_PORT"); fi
for p in "${PORTS[@]}"; do
  if port_open "$p"; then die "port $p on $HOST is in use: stop what listens there or set BENCH_*_PORT (see bench/README.md)"; fi
done
# 1024 connections (10 x the overload base) need as many sockets in wrk and in the server: lift a low open-files limit
# (inherited by all)
NOFILE=$((OVERLOAD_BASE * 10 + 1024)); if ((NOFILE < 8192)); then NOFILE=8192; fi
if (($(ulimit -n) < NOFILE)); then
  ulimit -n "$NOFILE" 2>/dev/null || log "warning: open-files limit $(ulimit -n): runs with many connections may see socket errors"
fi
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED_AT=$(date -u '+%Y-%m-%d %H:%M UTC')
log "$MODE run: ${DURATION}s per run, ${WARMUP}s warm-up, connections: $CONNS, $KEYS keys; work dir $WORK"

if ((OVERLOAD_ONLY || BATCH_ONLY)); then
  MODE=overload
  if ((BATCH_ONLY)); then MODE='batch'; fi
else
# 1. Flask original, alone on the machine (its best case)
start_bg flask "$PYTHON" bench/flask_original.py "$FLASK_PORT"
wait_port "$FLASK_PORT" 30 flask
baseline flask "Flask original" "$FLASK_PORT"
stop_named flask

# 2. Javalin ceiling, alone
start_bg ceiling java -cp 'ingest-api/target/lib/*' bench/JavalinCeiling.java "$CEILING_PORT"
wait_port "$CEILING_PORT" 60 ceiling
baseline ceiling "Javalin ceiling" "$CEILING_PORT"
stop_named ceiling

fi

# 3. Surge: the running stack, or a stack of its own started by the launcher of ./surge up (broker, counter-streams,
# then ingest-api, each awaited until ready)
if [[ $STACK_MODE != running ]]; then
  log "no stack of ./surge up runs from $STACK_DATA_DIR: starting one of its own on ports $API_PORT/$CS_PORT/$KAFKA_PORT (console: http://$HOST:$API_PORT/)"
  start_own_stack
  log "Surge is up; warming up"
fi

# Warm-up (issue 11): on a stack of its own, counted answers per second from the moment ingest-api reported ready,
# read each second from its surge_events_total{outcome="counted"} while the first warm-up load (64 connections) runs.
# A running stack was ready long before: there is no curve from ready to take.
counted_total() {
  curl -fsS --max-time 1 "http://$HOST:$API_PORT/metrics" 2>/dev/null \
    | awk '/^surge_events_total\{/ && /outcome="counted"/ { s += $NF } END { printf "%d\n", s }'
}
sample_counted() { # SECONDS FILE: one line per second, the answers counted in it
  local previous now second next
  previous=$(counted_total) next=$(($(date +%s%N) / 1000000 + 1000))
  for second in $(seq 1 "$1"); do
    while (($(date +%s%N) / 1000000 < next)); do sleep 0.05; done
    next=$((next + 1000)) now=$(counted_total)
    echo "$((now - previous))" >>"$2"
    previous=$now
  done
}
load_total() { java -cp "$BENCH_CP" dev.surge.bench.BenchTool total --load-url "http://$HOST:$CS_PORT/load" --load-url "http://$HOST:$API_PORT/load"; }
if [[ $STACK_MODE == running ]]; then
  # what the stack counted before this run, once it stays put for 2 s (events sent before may still be counting)
  LOAD_BASE=$(load_total) previous='' deadline=$((SECONDS + 60))
  while [[ $LOAD_BASE != "$previous" ]] && ((SECONDS < deadline)); do
    previous=$LOAD_BASE; sleep 2; LOAD_BASE=$(load_total)
  done
  [[ $LOAD_BASE == "$previous" ]] || die "the running stack's GET /load total kept moving for 60 s ($LOAD_BASE): something else sends it events; bench's integrity check needs it to itself"
  if [[ $LOAD_BASE == none ]]; then LOAD_BASE=0; fi
  log "the running stack counted $LOAD_BASE events before this run (GET /load total); the integrity check adds this run's on top"
  surge_wrk surge-warm-count count 64 "$WARMUP" warmup
else
  : >"$WORK/res/warmup-curve.txt"
  sample_counted "$WARMUP" "$WORK/res/warmup-curve.txt" &
  SAMPLER=$!
  surge_wrk surge-warm-count count 64 "$WARMUP" warmup
  wait "$SAMPLER" || true
  record warmup-curve file=res/warmup-curve.txt
  log "warm-up curve (counted/s from ready, 64 connections): $(paste -sd' ' "$WORK/res/warmup-curve.txt")"
fi

# 4. the Kafka ceiling against the stack's broker, while the services are idle
if ((!OVERLOAD_ONLY)); then
KTOOLS='bench/kafka-tools/target/lib/*'
timeout -k 5 120 java -cp "$KTOOLS" org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" \
  --create --if-not-exists --topic bench-perf --partitions "$PERF_PARTITIONS" --replication-factor 1 \
  >"$WORK/logs/topic.log" 2>&1 || { cat "$WORK/logs/topic.log" >&2; die "could not create topic bench-perf"; }
PERF_WARMUP=$((PERF_RECORDS / 5))
PERF_CMD="java -cp '$KTOOLS' org.apache.kafka.tools.ProducerPerformance --topic bench-perf --num-records $PERF_RECORDS --warmup-records $PERF_WARMUP --record-size 100 --throughput -1 --bootstrap-server $KAFKA_BOOTSTRAP --command-property acks=all"
log "Kafka ceiling: ProducerPerformance, $PERF_RECORDS records of 100 B ($PERF_WARMUP warm-up), acks=all"
timeout -k 5 300 java -cp "$KTOOLS" org.apache.kafka.tools.ProducerPerformance --topic bench-perf \
  --num-records "$PERF_RECORDS" --warmup-records "$PERF_WARMUP" --record-size 100 --throughput -1 \
  --bootstrap-server "$KAFKA_BOOTSTRAP" --command-property acks=all >"$WORK/logs/perf.log" 2>&1 \
  || { tail -n 20 "$WORK/logs/perf.log" >&2; die "ProducerPerformance failed"; }
if [[ $STACK_MODE == running ]]; then
  # the records are of no use to the running stack: give its broker the disk back
  timeout -k 5 120 java -cp "$KTOOLS" org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" \
    --delete --topic bench-perf >>"$WORK/logs/topic.log" 2>&1 || log "could not delete topic bench-perf (see $WORK/logs/topic.log)"
fi
# the last summary line is the steady state (after the warm-up records)
record kafka "records=$PERF_RECORDS" "partitions=$PERF_PARTITIONS" log=logs/perf.log "command=$PERF_CMD"
log "Kafka ceiling: $(grep 'records sent' "$WORK/logs/perf.log" | tail -n 1)"
fi
surge_alive

BEST_COUNT=0
if ((!OVERLOAD_ONLY && !BATCH_ONLY)); then
surge_wrk surge-warm-durable durable 64 "$WARMUP" warmup
if ((JIT_WARMUP > 0)); then surge_wrk surge-warm-jit count 256 "$JIT_WARMUP" warmup; fi
for c in $CONNS; do
  surge_wrk "surge-count-c$c" count "$c" "$DURATION"
  r=$(rate_of "$WORK/res/surge-count-c$c.sum")
  if ((r > BEST_COUNT)); then BEST_COUNT=$r; fi
done
# open model at half of the best closed-loop count-mode throughput
OPEN_RATE=$((BEST_COUNT / 2))
if ((OPEN_RATE < 10)); then OPEN_RATE=10; fi
if [[ -z $OPEN_CONNECTIONS ]]; then
  OPEN_CONNECTIONS=$(open_connections "$OPEN_RATE")
  OPEN_CONNECTIONS_RULE="the rate at 100 ms per answer, 64 to the largest closed-loop level"
else
  OPEN_CONNECTIONS_RULE="BENCH_OPEN_CONNECTIONS"
fi
surge_open surge-open-count count "$OPEN_RATE"
surge_open surge-open-durable durable "$OPEN_RATE"
for c in $CONNS; do
  surge_wrk "surge-durable-c$c" durable "$c" "$DURATION"
done
fi

# 5. overload: the same stack past its capacity, after a warm-up at the 1x level of at least 20 s (a stack still
# warming up makes the 1x reference too low: a quick run's 3 s left the 1x run at a quarter of what 2x then reached)
OVERLOAD_WARMUP=$WARMUP; if ((OVERLOAD_WARMUP < 20)); then OVERLOAD_WARMUP=20; fi
if ((!BATCH_ONLY)); then
surge_wrk surge-overload-warm count "$OVERLOAD_BASE" "$OVERLOAD_WARMUP" warmup
for clients in retry honour; do
  for m in 1 2 5 10; do surge_overload "$clients" "$m"; done
done
fi

# 6. batches: POST /simulate/batch at each batch size, ack=count then ack=durable, after a warm-up of their own of at
# least 60 s (batches of 500, ack=count): the batch path's code is not warm from the single-event runs (a 3 s warm-up
# left the first row of a quick run at a fifth of what it reached after other rows had run; on one stack after 40 s
# of batch load, 500-event batches on 16 connections went from 157,300 to 278,900 events/s between two 10 s runs a
# minute apart)
BATCH_WARMUP=$WARMUP; if ((BATCH_WARMUP < 60)); then BATCH_WARMUP=60; fi
if ((!OVERLOAD_ONLY)); then
surge_batch 500 count warmup
for ack in count durable; do
  for size in $BATCH_SIZES; do surge_batch "$size" "$ack"; done
done
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(($(date +%s) - T0))

# ------------------------------------------------------------------------------------------------ report
# What the report says besides the results (meta.env, "name=value" lines); `BenchTool report` (BenchmarksReport)
# renders it with the results and bench/targets.json, prints it, and with --write replaces the mode's block in $OUT.
flags_of() { stack_jvm_flags "$1" | sed "s#$ROOT/##g"; }
# the version of the java the stack's first ingest-api runs on (the launcher picks the newest JDK it finds)
services_java() {
  local entry role pid
  for entry in "${STACK_PROCESSES[@]}"; do
    read -r role pid _ <<<"$entry"
    if [[ $role == ingest-api ]]; then "$(readlink "/proc/$pid/exe")" -version 2>&1 | head -n 1; return; fi
  done
  echo "?"
}
has_role() { printf '%s\n' "${STACK_PROCESSES[@]}" | grep -c "^$1 " || true; }
DIRTY=''
if git status --porcelain 2>/dev/null | grep -qv '^??'; then DIRTY=' (with uncommitted changes)'; fi
{
  echo "mode=$MODE"
  echo "command_line=$COMMAND_LINE"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "dirty=$DIRTY"
  echo "started_at=$STARTED_AT"
  echo "elapsed=$ELAPSED"
  echo "prep_seconds=$PREP_SECONDS"
  echo "cores=$(nproc)"
  echo "mem=$(free -h | awk '/^Mem:/ { print $2 " total, " $7 " available" }')"
  echo "java_version=$(java -version 2>&1 | head -n 1)"
  echo "services_java=$(services_java)"
  echo "wrk_version=$( (wrk -v 2>&1 || true) | head -n 1 | cut -d' ' -f2)"
  echo "flask_version=$("$PYTHON" -c 'import flask, importlib.metadata as m; print(m.version("flask"))' 2>/dev/null || echo '?')"
  echo "javalin_version=$(basename "$(compgen -G 'ingest-api/target/lib/javalin-*.jar' | head -n 1)" .jar | sed 's/javalin-//')"
  echo "kafka_version=$(basename "$(compgen -G 'ingest-api/target/lib/kafka-clients-*.jar' | head -n 1)" .jar | sed 's/kafka-clients-//')"
  echo "load_start=$LOAD_START"
  echo "load_end=$LOAD_END"
  echo "warmup=$WARMUP"
  echo "duration=$DURATION"
  echo "conns=$CONNS"
  echo "keys=$KEYS"
  echo "wrk_threads=$WRK_THREADS"
  echo "wrk_timeout=$WRK_TIMEOUT"
  echo "jit_warmup=$JIT_WARMUP"
  echo "open_connections=$OPEN_CONNECTIONS"
  echo "open_connections_rule=${OPEN_CONNECTIONS_RULE:-}"
  echo "open_seconds=$OPEN_SECONDS"
  echo "open_rate=${OPEN_RATE:-}"
  echo "first_seconds=$((WARMUP < 10 ? WARMUP : 10))"
  echo "perf_records=$PERF_RECORDS"
  echo "perf_warmup=${PERF_WARMUP:-}"
  echo "perf_partitions=$PERF_PARTITIONS"
  echo "overload_base=$OVERLOAD_BASE"
  echo "overload_warmup=$OVERLOAD_WARMUP"
  echo "batch_warmup=$BATCH_WARMUP"
  echo "batch_seconds=$BATCH_SECONDS"
  echo "batch_format=$BATCH_FORMAT"
  echo "batch_events_in_flight=$BATCH_EVENTS_IN_FLIGHT"
  echo "batch_connections=$BATCH_CONNECTIONS"
  echo "stack_mode=$STACK_MODE"
  echo "stack_data_dir=${STACK_DATA_DIR#"$ROOT/"}"
  echo "api_port=$API_PORT"
  echo "cs_port=$CS_PORT"
  echo "kafka_port=$KAFKA_PORT"
  echo "kafka_bootstrap=$KAFKA_BOOTSTRAP"
  echo "partitions=$PARTITIONS"
  echo "generation=$COUNT_GENERATION"
  echo "api_count=$(has_role ingest-api)"
  echo "cs_count=$(has_role counter-streams)"
  if (($(has_role broker) > 0)); then echo "flags_broker=$(flags_of broker)"; fi
  echo "flags_counter_streams=$(flags_of counter-streams)"
  echo "flags_ingest_api=$(flags_of ingest-api)"
  echo "surge_java_opts=${SURGE_JAVA_OPTS:-}"
  echo "integrity_failures=$INTEGRITY_FAILURES"
  echo "integrity_method=$INTEGRITY_METHOD"
  echo "surge_acked=$SURGE_ACKED"
  echo "surge_unanswered=$SURGE_UNANSWERED"
} >"$WORK/meta.env"
REPORT_ARGS=(--work "$WORK" --targets bench/targets.json)
if ((WRITE)); then REPORT_ARGS+=(--write "$OUT"); fi
java -cp "$BENCH_CP" dev.surge.bench.BenchTool report "${REPORT_ARGS[@]}" 2>"$WORK/logs/report.log" \
  || { cat "$WORK/logs/report.log" >&2; die "the report could not be rendered (results in $WORK)"; }
while IFS= read -r line; do log "$line"; done <"$WORK/logs/report.log"
log "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s (installs/build: ${PREP_SECONDS} s)"
if ((INTEGRITY_FAILURES)); then
  log "$INTEGRITY_FAILURES integrity check(s) FAILED"
  exit 1
fi
