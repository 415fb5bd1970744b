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
# 40; 500: 8; 1,000: 4)
BATCH_EVENTS_IN_FLIGHT=${BENCH_BATCH_EVENTS_IN_FLIGHT:-4096}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
WRK_TIMEOUT=10s              # > ingest-api's 2 s ack timeout: the server answers every request before wrk gives up
# open loop: as many connections as the largest closed-loop level (at least 256): at half the rate that level reached,
# Little's law says no more are in flight, so requests do not queue in the client for a free connection
OPEN_CONNECTIONS=${BENCH_OPEN_CONNECTIONS:-}
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
  elif [[ ! -f bench/target/bench.jar || -n $(find bench/pom.xml bench/src/main -newer bench/target/bench.jar -type f \
           -print -quit 2>/dev/null) ]]; then
    # the bench's own tools: a module of its own, built without touching the jars a running stack has open
    log "building the bench tools (mvn -B -q -DskipTests package -pl bench)"
    mvn -B -q -DskipTests package -pl bench
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
    timeout -k 5 180 java -Dsurge.home="$ROOT" -jar local-stack/target/local-stack.jar down --data-dir "$WORK/stack" \
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
surge_cli() { java -Dsurge.home="$ROOT" -jar local-stack/target/local-stack.jar "$@"; }
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
  json=$(timeout -k 5 90 java -Dsurge.home="$ROOT" -jar local-stack/target/local-stack.jar status --json \
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
  start_bg stack java -Dsurge.home="$ROOT" -jar local-stack/target/local-stack.jar up --data-dir "$WORK/stack" \
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
val() { awk -v n="$2" '$1 == n { print $2; exit }' "$1"; }
ROWS=()   # "system|mode|load|rate|202s|p50|p99|p999|errors|integrity"
ms() { awk -v u="${1:-0}" 'BEGIN { printf "%.1f", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else if (a / b < 0.1) printf "%.3f", a / b; else printf "%.2f", a / b }'; }
verdict_ge() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && a + 0 >= b + 0) print "met"; else print "NOT met" }'; }

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
share202() { # SUMFILE: the share of 2xx answers that were 202 (ack=count: count not there within the ack timeout)
  awk -v a="$(val "$1" s202)" -v n="$(val "$1" s2xx)" 'BEGIN { if (n > 0) printf "%.1f %%", 100 * a / n; else print "-" }'
}
add_row() { # SYSTEM MODE LOAD SUMFILE INTEGRITY
  local f=$4
  ROWS+=("$1|$2|$3|$(rate_of "$f")|$(share202 "$f")|$(ms "$(val "$f" p50_us)")|$(ms "$(val "$f" p99_us)")|$(ms "$(val "$f" p999_us)")|$(errors_of "$f")|$5")
  log "$1 $2 $3: $(rate_of "$f") 2xx/s, p50 $(ms "$(val "$f" p50_us)") ms, p99 $(ms "$(val "$f" p99_us)") ms, errors $(errors_of "$f") ${5:+-> $5}"
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
  if [[ ${5:-} == warmup ]]; then
    log "warm-up $name: $(rate_of "$WORK/res/$name.sum") 2xx/s, errors $(errors_of "$WORK/res/$name.sum"), integrity $VERDICT"
    if [[ $VERDICT != PASS* ]]; then ROWS+=("Surge|ack=$ack, warm-up|$c conns|$(rate_of "$WORK/res/$name.sum")||||||$VERDICT"); fi
  else
    add_row "Surge" "ack=$ack, closed loop" "$c conns" "$WORK/res/$name.sum" "$VERDICT"
  fi
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
  local errs
  errs=$(errors_of "$f")  # err_timeout includes requests never sent (not_sent)
  ROWS+=("Surge|ack=$ack, open loop|$rate/s, $(val "$f" requests) answers|$(rate_of "$f")|$(share202 "$f")|$(ms "$(val "$f" p50_us)")|$(ms "$(val "$f" p99_us)")|$(ms "$(val "$f" p999_us)")|$errs|$VERDICT")
  log "Surge ack=$ack open loop at $rate/s: p50 $(ms "$(val "$f" p50_us)") ms, p99 $(ms "$(val "$f" p99_us)") ms, p99.9 $(ms "$(val "$f" p999_us)") ms, errors $errs, integrity $VERDICT; at most $(val "$f" max_busy_connections) of $OPEN_CONNECTIONS connections busy, $(val "$f" sent_late) requests sent > 1 ms late"
}

# Overload (issue 15): closed loop at MULTIPLE x OVERLOAD_BASE connections, clients that retry at once (simulate.lua)
# or that honour Retry-After (simulate-honour.lua). Goodput = 2xx answers per second, compared with the 1x run of the
# same clients in this run.
OVERLOAD_ROWS=() OVERLOAD_1X_retry=0 OVERLOAD_1X_honour=0 OVERLOAD_MISSED=0
surge_overload() { # CLIENTS(retry|honour) MULTIPLE
  local clients=$1 m=$2 c=$((OVERLOAD_BASE * $2)) name="surge-overload-$1-x$2" script=bench/simulate.lua
  local f="$WORK/res/surge-overload-$1-x$2.sum" rate base ratio target verdict refused secs errs
  if [[ $clients == honour ]]; then script=bench/simulate-honour.lua; fi
  run_wrk "$name" "http://$HOST:$API_PORT/simulate" "$c" "$DURATION" "$name" "$script"
  surge_alive
  SURGE_ACKED=$((SURGE_ACKED + $(val "$f" s2xx)))
  SURGE_UNANSWERED=$((SURGE_UNANSWERED + $(val "$f" unanswered)))
  verify_surge "$f"
  rate=$(rate_of "$f")
  if ((m == 1)); then printf -v "OVERLOAD_1X_$clients" '%s' "$rate"; fi
  base=OVERLOAD_1X_$clients
  ratio=$(ratio "$rate" "${!base}")
  target=0.80; if [[ $clients == honour ]]; then target=0.95; fi
  verdict='-'
  if ((m > 1)); then
    verdict=$(verdict_ge "$ratio" "$target")
    if [[ $verdict != met ]]; then OVERLOAD_MISSED=$((OVERLOAD_MISSED + 1)); fi
  fi
  secs=$(awk -v d="$(val "$f" duration_us)" 'BEGIN { printf "%.3f", d / 1e6 }')
  refused=$(awk -v n="$(val "$f" non2xx)" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
  errs=$(($(val "$f" err_connect) + $(val "$f" err_read) + $(val "$f" err_write) + $(val "$f" err_timeout)))
  OVERLOAD_ROWS+=("$clients|${m}x|$c|$rate|${ratio}x (>= $target: $verdict)|$refused|$(val "$f" retry_after) of $(val "$f" non2xx)|$(grep '^status_' "$f" | sed 's/status_//' | tr '\n' ' ' | sed 's/ $//')|$errs|$(ms "$(val "$f" p50_us)")|$(ms "$(val "$f" p99_us)")|$VERDICT")
  log "overload $clients ${m}x ($c conns): $rate 2xx/s (${ratio}x of 1x), $refused refused/s, socket errors/timeouts $errs, integrity $VERDICT"
}

# Batch step: POST /simulate/batch in closed loop (BenchTool batch), one run per batch size and ack mode, each with a
# warm-up in the same JVM on the same keys. events/s = events acknowledged per second in the mode's way: "success"
# (counted) with ack=count, "accepted" with partition and offset with ack=durable. Integrity after each run: the
# cumulative GET /load total (as after every run), each key of the run against what its events were answered
# (BenchTool verify --per-key-url), no load value handed out twice for a key, every answer with one result per event
# in request order.
BATCH_ROWS=() BATCH_500_COUNT=''
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
  local size=$1 ack=$2 c name="surge-batch-b$1-$2" rate secs other kind n statuses seconds=$BATCH_SECONDS warm=$WARMUP
  if [[ ${3:-} == warmup ]]; then name="surge-batch-warm-b$1-$2" seconds=$BATCH_WARMUP warm=0; fi
  local f="$WORK/res/$name.sum"
  c=$(batch_connections "$size")
  timeout -k 5 $((warm + seconds + 150)) java -Xss256k -Xmx512m -cp "$BENCH_CP" dev.surge.bench.BenchTool batch \
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
  if [[ ${3:-} == warmup ]]; then
    log "batch warm-up ($size events, ack=$ack, $c conns, $seconds s): $(val "$f" success_per_s) events/s counted, integrity $VERDICT"
    if [[ $VERDICT != PASS* ]]; then BATCH_ROWS+=("$size|ack=$ack, warm-up|$c|$(val "$f" success_per_s)|||||||$VERDICT"); fi
    return
  fi
  secs=$(awk -v d="$(val "$f" duration_us)" 'BEGIN { printf "%.6f", d / 1e6 }')
  if [[ $ack == count ]]; then
    rate=$(awk -v n="$(val "$f" events_success)" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
  else
    rate=$(awk -v n="$(val "$f" events_durable)" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
  fi
  # events of the window's requests not acknowledged the mode's way, by kind
  other=''
  for kind in accepted:"count late" success:"counted" unavailable:unavailable unconfirmed:unconfirmed \
              refused:"refused" other:"unknown status"; do
    if [[ $ack == count && ${kind%%:*} == success ]] || [[ $ack == durable && ${kind%%:*} == accepted ]]; then continue; fi
    n=$(val "$f" "events_${kind%%:*}")
    if ((${n:-0} > 0)); then other+="${other:+, }$n ${kind#*:}"; fi
  done
  n=$((($(val "$f" io_errors) + $(val "$f" timeouts)) * size))
  if ((n > 0)); then other+="${other:+, }$n in requests without answer"; fi
  if [[ $ack == durable ]]; then
    n=$(($(val "$f" events_accepted) - $(val "$f" events_durable)))
    if ((n > 0)); then other+="${other:+, }$n accepted without offset"; fi
  fi
  statuses=$(awk '/^status_/ { sub("status_", "", $1); printf "%s%s x %d", (n++ ? ", " : ""), $1, $2 }' "$f")
  if ((size == 500)) && [[ $ack == count ]]; then BATCH_500_COUNT=$rate; fi
  BATCH_ROWS+=("$size|ack=$ack|$c|$rate|$(val "$f" requests_per_s)|$(ms "$(val "$f" p50_us)")|$(ms "$(val "$f" p99_us)")|$(ratio "$rate" "${PERF_RATE:-0}")x|${other:-0}|${statuses:--}|$VERDICT")
  log "batch $size ack=$ack ($c conns): $rate events/s, $(val "$f" requests_per_s) requests/s, p50 $(ms "$(val "$f" p50_us)") ms, p99 $(ms "$(val "$f" p99_us)") ms, $(ratio "$rate" "${PERF_RATE:-0}")x of the Kafka ceiling, integrity $VERDICT"
}

# A baseline server: warm-up, every connection level, then its own counter must be (2xx answers + 1).
BEST=0 BASELINE_CHECKS=''
baseline() { # NAME SYSTEM PORT -> sets BEST (no subshell: it adds rows)
  local name=$1 system=$2 url="http://$HOST:$3/simulate" c acked=0 unanswered=0 best=0 r check f
  run_wrk "$name-warmup" "$url" 64 "$WARMUP" "$name-w"
  acked=$((acked + $(val "$WORK/res/$name-warmup.sum" s2xx)))
  unanswered=$((unanswered + $(val "$WORK/res/$name-warmup.sum" unanswered)))
  for c in $CONNS; do
    f="$WORK/res/$name-c$c.sum"
    run_wrk "$name-c$c" "$url" "$c" "$DURATION" "$name"
    acked=$((acked + $(val "$f" s2xx)))
    unanswered=$((unanswered + $(val "$f" unanswered)))
    r=$(rate_of "$WORK/res/$name-c$c.sum")
    if ((r > best)); then best=$r; fi
    add_row "$system" "closed loop" "$c conns" "$WORK/res/$name-c$c.sum" "-"
  done
  # its own counter, as a sanity check of the load tool: POST once more, expect 2xx answers + 1 (up to + unanswered)
  check=$(curl -fsS --max-time 10 -X POST -H 'Content-Type: application/json' -d '{"key":"check"}' "$url" \
          | sed -n 's/.*"load": *\([0-9]*\).*/\1/p')
  if [[ -n $check ]] && ((check >= acked + 1 && check <= acked + unanswered + 1)); then
    log "$system counter check: $check = $acked answered + $((check - acked - 1)) of $unanswered cut off by wrk + 1"
    BASELINE_CHECKS+="$system's counter $check = $acked answered + $((check - acked - 1)) of $unanswered cut off + 1 (OK); "
  else
    log "$system counter check: got '$check', expected $((acked + 1))..$((acked + unanswered + 1))"
    BASELINE_CHECKS+="$system's counter '$check', expected $((acked + 1))..$((acked + unanswered + 1)) (OFF: the load tool's figures are suspect); "
  fi
  BEST=$best
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
if [[ -z $OPEN_CONNECTIONS ]]; then
  OPEN_CONNECTIONS=256
  for c in $CONNS; do if ((c > OPEN_CONNECTIONS)); then OPEN_CONNECTIONS=$c; fi; done
fi
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
  MODE=overload BEST_FLASK=0 BEST_CEILING=0
  if ((BATCH_ONLY)); then MODE='batch'; fi
else
# 1. Flask original, alone on the machine (its best case)
start_bg flask "$PYTHON" bench/flask_original.py "$FLASK_PORT"
wait_port "$FLASK_PORT" 30 flask
baseline flask "Flask original" "$FLASK_PORT"
BEST_FLASK=$BEST
stop_named flask

# 2. Javalin ceiling, alone
start_bg ceiling java -cp 'ingest-api/target/lib/*' bench/JavalinCeiling.java "$CEILING_PORT"
wait_port "$CEILING_PORT" 60 ceiling
baseline ceiling "Javalin ceiling" "$CEILING_PORT"
BEST_CEILING=$BEST
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
  WARM_CURVE="not taken: measured on a stack that was running before the bench (the curve needs a fresh stack: \`./surge down\`, then \`./surge bench\`, takes it)"
  FIRST_SECONDS=$((WARMUP < 10 ? WARMUP : 10)) FIRST_RATE=''
else
  : >"$WORK/res/warmup-curve.txt"
  sample_counted "$WARMUP" "$WORK/res/warmup-curve.txt" &
  SAMPLER=$!
  surge_wrk surge-warm-count count 64 "$WARMUP" warmup
  wait "$SAMPLER" || true
  WARM_CURVE=$(paste -sd' ' "$WORK/res/warmup-curve.txt")
  FIRST_SECONDS=$((WARMUP < 10 ? WARMUP : 10))
  FIRST_RATE=$(head -n "$FIRST_SECONDS" "$WORK/res/warmup-curve.txt" | awk '{ s += $1 } END { printf "%.0f", NR ? s / NR : 0 }')
  log "warm-up curve (counted/s from ready, 64 connections): $WARM_CURVE"
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
PERF_LINE=$(grep 'records sent' "$WORK/logs/perf.log" | tail -n 1)
PERF_RATE=$(sed -n 's/.* \([0-9.]*\) records\/sec.*/\1/p' <<<"$PERF_LINE" | cut -d. -f1)
perf_ms() { sed -n "s/.* \([0-9.]*\) ms $1.*/\1/p" <<<"$PERF_LINE"; }
ROWS+=("Kafka ProducerPerformance|acks=all, 100 B, $PERF_PARTITIONS partitions|$PERF_RECORDS records|${PERF_RATE:-?}|-|$(perf_ms 50th)|$(perf_ms 99th)|$(perf_ms 99.9th)|0|-")
log "Kafka ceiling: ${PERF_RATE:-?} records/s ($PERF_LINE)"
fi
surge_alive

BEST_COUNT=0 BEST_DURABLE=0
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
surge_open surge-open-count count "$OPEN_RATE"
OPEN_COUNT_SUM="$WORK/res/surge-open-count.sum"
surge_open surge-open-durable durable "$OPEN_RATE"
for c in $CONNS; do
  surge_wrk "surge-durable-c$c" durable "$c" "$DURATION"
  r=$(rate_of "$WORK/res/surge-durable-c$c.sum")
  if ((r > BEST_DURABLE)); then BEST_DURABLE=$r; fi
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
# least 20 s (batches of 500, ack=count): the batch path's code is not warm from the single-event runs, and a 3 s
# warm-up left the first row of a quick run at a fifth of what it reached after other rows had run)
BATCH_WARMUP=$WARMUP; if ((BATCH_WARMUP < 20)); then BATCH_WARMUP=20; fi
if ((!OVERLOAD_ONLY)); then
surge_batch 500 count warmup
for ack in count durable; do
  for size in $BATCH_SIZES; do surge_batch "$size" "$ack"; done
done
if [[ -n $BATCH_500_COUNT ]]; then
  log "batches of 500, ack=count: $BATCH_500_COUNT events/s = $(ratio "$BATCH_500_COUNT" "${PERF_RATE:-0}")x the Kafka ceiling (${PERF_RATE:-?} records/s; target >= 0.40x: $(verdict_ge "$(ratio "$BATCH_500_COUNT" "${PERF_RATE:-0}")" 0.40))"
fi
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(($(date +%s) - T0))

# ------------------------------------------------------------------------------------------------ report
OPEN_P99=$(ms "$(val "${OPEN_COUNT_SUM:-/dev/null}" p99_us)")
RATIO_FLASK=$(ratio "$BEST_COUNT" "$BEST_FLASK")
WARM64_RATE=$(rate_of "$WORK/res/surge-count-c64.sum" 2>/dev/null || echo 0)
RATIO_WARMUP=$(ratio "${FIRST_RATE:-0}" "${WARM64_RATE:-0}")
WARMUP_ROW="| ack=count first $FIRST_SECONDS s after ready / warm, 64 conns ($FIRST_RATE/s vs $WARM64_RATE/s) | ${RATIO_WARMUP}x | >= 0.70x: $(verdict_ge "$RATIO_WARMUP" 0.70) |"
if [[ -z $FIRST_RATE ]]; then WARMUP_ROW="| ack=count first $FIRST_SECONDS s after ready / warm, 64 conns | n/a | >= 0.70x: not measured (the stack was running before the bench) |"; fi
RATIO_CEIL=$(ratio "$BEST_COUNT" "$BEST_CEILING")
RATIO_KAFKA=$(ratio "$BEST_COUNT" "${PERF_RATE:-0}")
RATIO_DURABLE_CEIL=$(ratio "$BEST_DURABLE" "$BEST_CEILING")
verdict_le() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 <= b + 0) print "met"; else print "NOT met" }'; }
JAVA_VERSION=$(java -version 2>&1 | head -n 1)
WRK_VERSION=$( (wrk -v 2>&1 || true) | head -n 1 | cut -d' ' -f2)
FLASK_VERSION=$("$PYTHON" -c 'import flask, importlib.metadata as m; print(m.version("flask"))' 2>/dev/null || echo '?')
JAVALIN_VERSION=$(basename "$(compgen -G 'ingest-api/target/lib/javalin-*.jar' | head -n 1)" .jar | sed 's/javalin-//')
KAFKA_VERSION=$(basename "$(compgen -G 'ingest-api/target/lib/kafka-clients-*.jar' | head -n 1)" .jar | sed 's/kafka-clients-//')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
DIRTY=''
if git status --porcelain 2>/dev/null | grep -qv '^??'; then DIRTY=' (with uncommitted changes)'; fi
MEM=$(free -h | awk '/^Mem:/ { print $2 " total, " $7 " available" }')
SHARED_NOTE=
if awk -v l="${LOAD_START%% *}" 'BEGIN { exit !(l >= 1.0) }'; then
  SHARED_NOTE="Other work shared the machine during this run (1-min load average ${LOAD_START%% *} before it started): read the figures as ratios, not absolutes."
fi
if ((INTEGRITY_FAILURES == 0)); then
  INTEGRITY_SUMMARY="every Surge run PASSED (method: ${INTEGRITY_METHOD:-?}; $SURGE_ACKED acknowledged events all counted, none twice; $SURGE_UNANSWERED events were sent without an answer that says whether they were written (requests cut off when a load phase ended or timed out, batch results unconfirmed or 504), and may or may not be counted)"
else
  INTEGRITY_SUMMARY="$INTEGRITY_FAILURES Surge check(s) FAILED: see the table and the verify log"
fi

flags_of() { stack_jvm_flags "$1" | sed "s#$ROOT/##g"; }
STACK_FLAGS="broker \`$(flags_of broker)\`, counter-streams \`$(flags_of counter-streams)\`, ingest-api \`$(flags_of ingest-api)\`"
if [[ $STACK_MODE == running ]]; then
  API_COUNT=$(printf '%s\n' "${STACK_PROCESSES[@]}" | grep -c '^ingest-api ' || true)
  CS_COUNT=$(printf '%s\n' "${STACK_PROCESSES[@]}" | grep -c '^counter-streams ' || true)
  if ! printf '%s\n' "${STACK_PROCESSES[@]}" | grep -q '^broker '; then
    STACK_FLAGS="counter-streams \`$(flags_of counter-streams)\`, ingest-api \`$(flags_of ingest-api)\`, Kafka not started by it"
  fi
  STACK_TEXT="Surge measured on the running stack started by \`./surge up\`, as it was configured (data dir \`${STACK_DATA_DIR#"$ROOT/"}\`): $API_COUNT ingest-api and $CS_COUNT counter-streams instance(s), $PARTITIONS partitions (count path generation ${COUNT_GENERATION:-?}), Kafka $KAFKA_BOOTSTRAP; load sent to the ingest-api on port $API_PORT, counts read from the counter-streams on port $CS_PORT; JVMs as its launcher started them: $STACK_FLAGS. The warm-up curve was not taken (the stack was not fresh); the baselines and the Kafka ceiling ran while it stood idle beside them"
else
  STACK_TEXT="Surge as \`./surge up\` runs it, started by the bench with the same launcher (\`local-stack.jar up --data-dir <temp> --port $API_PORT --counter-port $CS_PORT --broker-port $KAFKA_PORT --partitions $PARTITIONS\`): $STACK_FLAGS, $PARTITIONS partitions, no other SURGE_* setting than ports, host and state dir"
  if [[ -n ${SURGE_JAVA_OPTS:-} ]]; then STACK_TEXT+=" (SURGE_JAVA_OPTS=\`$SURGE_JAVA_OPTS\`)"; fi
fi

OVERLOAD_TABLE=$(cat <<EOF
Overload (issue 15), the same stack past its capacity: closed loop \`wrk -t$WRK_THREADS -c{1,2,5,10 x $OVERLOAD_BASE}
-d${DURATION}s --timeout $WRK_TIMEOUT\` over $KEYS keys, ack=count. Clients \`retry\`: bench/simulate.lua, the next
request as soon as an answer is in, refused or not; \`honour\`: bench/simulate-honour.lua, after a refusal the wait
Retry-After asks for. "vs 1x": 2xx per second against the 1x run of the same clients in this run; targets from
issue 15: >= 0.80 with clients that retry at once, >= 0.95 with clients that honour Retry-After. Latency is wrk's,
over every answer, refusals included. Integrity as above, after every run.

| clients | load | conns | 2xx/s | vs 1x | refused/s | refusals with Retry-After | refusals by status | socket errors + timeouts | p50 ms | p99 ms | integrity |
|---|---|---:|---:|---|---:|---|---|---:|---:|---:|---|
$(for row in "${OVERLOAD_ROWS[@]}"; do echo "| ${row//|/ | } |"; done)
EOF
)
RATIO_BATCH500=$(ratio "${BATCH_500_COUNT:-0}" "${PERF_RATE:-0}")
VERDICT_BATCH500="$(verdict_ge "$RATIO_BATCH500" 0.40)"
if [[ -z $BATCH_500_COUNT ]]; then RATIO_BATCH500=n/a VERDICT_BATCH500="no run with 500-event batches"; fi
BATCH_SHAPE="a JSON array"; if [[ $BATCH_FORMAT == ndjson ]]; then BATCH_SHAPE="NDJSON"; fi
BATCH_CONNS_TEXT="about $BATCH_EVENTS_IN_FLIGHT events in flight ($BATCH_EVENTS_IN_FLIGHT / batch connections, 4 to 256)"
if [[ -n $BATCH_CONNECTIONS ]]; then BATCH_CONNS_TEXT="$BATCH_CONNECTIONS connections"; fi
BATCH_TABLE=$(cat <<EOF
Batches, \`POST /simulate/batch?ack={count,durable}\`: closed loop \`BenchTool batch\` (bench/src/main/java/dev/surge/bench), after
${BATCH_WARMUP:-?} s of batches of 500 (ack=count) to warm the batch path up, a ${WARMUP} s warm-up then ${BATCH_SECONDS} s measured per row, each request $BATCH_SHAPE of "batch" events
\`{"key":"<run>-<i>"}\`, a fresh random mix over $KEYS keys per request; $BATCH_CONNS_TEXT; after a 429 or 503 a
connection waits as long as Retry-After says. events/s = events answered "success" (counted) per second with
ack=count, "accepted" with partition and offset with ack=durable, over the requests answered within the measured
seconds; latency per request (send to whole answer). "of Kafka ceiling" = events/s / ProducerPerformance's
${PERF_RATE:-?} records/s in this run. "not acked": events of those requests answered otherwise; "HTTP": their
statuses (status x requests). Integrity after each row: the GET /load total as after every run; each key of the row:
events answered success or accepted <= its count <= those + events that may or may not be written (no answer,
"unconfirmed"); no load value handed out twice for a key, none above the key's final count; one result per event, in
request order.

| batch | mode | conns | events/s | requests/s | p50 ms | p99 ms | of Kafka ceiling | not acked | HTTP | integrity |
|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|
$(for row in "${BATCH_ROWS[@]}"; do echo "| ${row//|/ | } |"; done)

| ratio | value | target |
|---|---:|---|
| batches of 500, ack=count (${BATCH_500_COUNT:-n/a} events/s) / Kafka ProducerPerformance (${PERF_RATE:-?} records/s) | ${RATIO_BATCH500}x | >= 0.40x: $VERDICT_BATCH500 |
EOF
)

if ((OVERLOAD_ONLY)); then
REPORT=$(cat <<EOF
### Overload run, $STARTED_AT, took $(((ELAPSED - PREP_SECONDS) / 60)) min $(((ELAPSED - PREP_SECONDS) % 60)) s (+ ${PREP_SECONDS} s of installs/build before it)

Command: \`$COMMAND_LINE\` (\`./surge bench${COMMAND_LINE#bench/run.sh}\`), commit \`$COMMIT\`$DIRTY.

Machine: $(nproc) cores, memory $MEM; $JAVA_VERSION; wrk $WRK_VERSION; Kafka $KAFKA_VERSION (embedded single-node KRaft
broker). Load average (1/5/15 min) before: $LOAD_START, after: $LOAD_END. Everything (broker, counter-streams,
ingest-api, wrk) shares these cores. ${SHARED_NOTE}

$STACK_TEXT; ${WARMUP} s warm-up at 64 connections, then ${OVERLOAD_WARMUP} s at $OVERLOAD_BASE.

$OVERLOAD_TABLE

Integrity: $INTEGRITY_SUMMARY.
EOF
)
elif ((BATCH_ONLY)); then
REPORT=$(cat <<EOF
### Batch run, $STARTED_AT, took $(((ELAPSED - PREP_SECONDS) / 60)) min $(((ELAPSED - PREP_SECONDS) % 60)) s (+ ${PREP_SECONDS} s of installs/build before it)

Command: \`$COMMAND_LINE\` (\`./surge bench${COMMAND_LINE#bench/run.sh}\`), commit \`$COMMIT\`$DIRTY.

Machine: $(nproc) cores, memory $MEM; $JAVA_VERSION; Kafka $KAFKA_VERSION (embedded single-node KRaft broker). Load
average (1/5/15 min) before: $LOAD_START, after: $LOAD_END. Everything (broker, counter-streams, ingest-api, load
tools) shares these cores. ${SHARED_NOTE}

Kafka ceiling: \`$PERF_CMD\`: ${PERF_RATE:-?} records/s, p50 $(perf_ms 50th) ms, p99 $(perf_ms 99th) ms.

$STACK_TEXT; ${WARMUP} s warm-up at 64 connections (\`POST /simulate\`), then the batch runs.

$BATCH_TABLE

Integrity: $INTEGRITY_SUMMARY.
EOF
)
else
REPORT=$(cat <<EOF
### ${MODE^} run, $STARTED_AT, took $(((ELAPSED - PREP_SECONDS) / 60)) min $(((ELAPSED - PREP_SECONDS) % 60)) s (+ ${PREP_SECONDS} s of installs/build before it)

Command: \`$COMMAND_LINE\` (\`./surge bench${COMMAND_LINE#bench/run.sh}\`), commit \`$COMMIT\`$DIRTY.

Machine: $(nproc) cores, memory $MEM; $JAVA_VERSION; wrk $WRK_VERSION; Flask $FLASK_VERSION (Debian python3-flask,
threaded dev server); Javalin $JAVALIN_VERSION; Kafka $KAFKA_VERSION (embedded single-node KRaft broker). Load average
(1/5/15 min) before: $LOAD_START, after: $LOAD_END. Everything (broker, counter-streams, ingest-api, load tools) shares
these cores. ${SHARED_NOTE}

Kafka ceiling command: \`$PERF_CMD\`.

Settings: closed loop \`wrk -t$WRK_THREADS -c{$CONNS} -d${DURATION}s --timeout $WRK_TIMEOUT\` with bench/simulate.lua
(POST, body \`{"key":"<run>-<i>"}\` over $KEYS keys), after a ${WARMUP} s warm-up per server (Surge: then $JIT_WARMUP s more in count mode at 256 connections, for its JITs); open loop: \`BenchTool openloop\`
at a fixed rate of 50 % of the best closed-loop ack=count throughput, $OPEN_CONNECTIONS connections, ${WARMUP} s warm-up
then ${OPEN_SECONDS} s measured, latency from each request's due time (no coordinated omission); Kafka ceiling:
\`ProducerPerformance\` $PERF_RECORDS records of 100 B (first $PERF_WARMUP are warm-up), \`--throughput -1\`, acks=all,
$PERF_PARTITIONS partitions. $STACK_TEXT.
Rate = 2xx answers per second (records/s for Kafka); "of which 202": answers without a count (ack=count: the count
did not come within the 2 s ack timeout; ack=durable answers 202 by design); errors = non-2xx answers + socket errors/timeouts. Integrity: after
every Surge run each key's count must be at least its acknowledged (2xx) requests (else events were lost) and at most
the requests sent for it (else events were doubled); the only requests allowed either way are those still in flight,
unanswered, when a load phase ended ("cut off"). A run that breaks either bound is FAILED whatever its speed.

| system | mode | load | 2xx/s | of which 202 | p50 ms | p99 ms | p99.9 ms | errors | integrity |
|---|---|---|---:|---:|---:|---:|---:|---:|---|
$(for row in "${ROWS[@]}"; do echo "| ${row//|/ | } |"; done)

| ratio | value | target |
|---|---:|---|
| Surge ack=count (best) / Flask original (best) | ${RATIO_FLASK}x | >= 10x: $(verdict_ge "$RATIO_FLASK" 10) |
| Surge ack=count (best) / Javalin ceiling (best) | ${RATIO_CEIL}x | >= 0.35x: $(verdict_ge "$RATIO_CEIL" 0.35) |
| Surge ack=durable (best) / Javalin ceiling (best) | ${RATIO_DURABLE_CEIL}x | |
| Surge ack=count (best) / Kafka ProducerPerformance | ${RATIO_KAFKA}x | (a Surge event is 1 produce + 1 EOS count/ack + changelog) |
| ack=count p99 at 50 % of max ($OPEN_RATE/s, open loop) | $OPEN_P99 ms | <= 50 ms: $(verdict_le "$OPEN_P99" 50) |
$WARMUP_ROW

Warm-up curve: answers counted in each second from ingest-api's \`/health/ready\`, under the first warm-up load (64
connections; ingest-api's \`surge_events_total{outcome="counted"}\`): $WARM_CURVE.

Integrity: $INTEGRITY_SUMMARY. Baselines (a check of the load tool): ${BASELINE_CHECKS%; }.

$OVERLOAD_TABLE

$BATCH_TABLE
EOF
)
fi

printf '\n%s\n\n' "$REPORT"

printf '%s\n' "$REPORT" >"$WORK/report.md"
if ((WRITE)); then
  # BENCHMARKS.md keeps one block per mode between markers; whatever else is in the file (profiling notes, the
  # before/after of fixes) is left as it is.
  "$PYTHON" - "$OUT" "$MODE" "$WORK/report.md" <<'PY'
import os, sys
path, mode, report = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().rstrip("\n")
begin, end = f"<!-- bench:{mode}:begin -->", f"<!-- bench:{mode}:end -->"
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\nWritten by `./surge bench` (bench/run.sh; see bench/README.md).\n"
title = {"full": "## Latest full run", "quick": "## Latest quick run (`--quick`)",
         "overload": "## Latest overload run (`--overload-only`)",
         "batch": "## Latest batch run (`--batch-only`)"}[mode]
block = f"{begin}\n{title}\n\n{report}\n{end}"
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + block + rest.split(end, 1)[1]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
  log "wrote the $MODE run into $OUT"
fi
log "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s (installs/build: ${PREP_SECONDS} s)"
if ((OVERLOAD_MISSED)); then log "overload: $OVERLOAD_MISSED run(s) below issue 15's goodput target (see the table)"; fi
if ((INTEGRITY_FAILURES)); then
  log "$INTEGRITY_FAILURES integrity check(s) FAILED"
  exit 1
fi
