#!/usr/bin/env bash
# Issue 15's acceptance against a running stack (./surge up): 20 s of wrk at 256 connections, then right after 20 s at
# 4,000, clients that retry at once (bench/simulate.lua, 1,000 keys), then the integrity check.
#
#   bench/overload-acceptance.sh --api PORT --counter PORT [--low 256] [--high 4000] [--seconds 20] [--warmup 10]
#                                [--keys 1000] [--honour]
#
# Prints one line per phase (2xx/s, statuses, refusals with Retry-After, socket errors and timeouts, latency of all
# answers as wrk saw them, and the p99 of the counted requests from ingest-api's surge_ack_latency_seconds histogram:
# from the request read to its count known) and the goodput of the high phase as a share of the low one. --honour uses bench/simulate-honour.lua (clients that wait as
# Retry-After says). Load goes to 127.0.0.1 only; each phase is bounded by wrk's -d and a timeout.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

API='' COUNTER='' LOW=256 HIGH=4000 SECONDS_PER_PHASE=20 WARMUP=10 KEYS=1000 SCRIPT=bench/simulate.lua TARGET=0.80
while (($#)); do
  case "$1" in
    --api) API=$2; shift ;;
    --counter) COUNTER=$2; shift ;;
    --low) LOW=$2; shift ;;
    --high) HIGH=$2; shift ;;
    --seconds) SECONDS_PER_PHASE=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --keys) KEYS=$2; shift ;;
    --honour) SCRIPT=bench/simulate-honour.lua TARGET=0.95 ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "overload-acceptance: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $API && -n $COUNTER ]] || { echo "overload-acceptance: --api and --counter are needed" >&2; exit 2; }
command -v wrk >/dev/null || { echo "overload-acceptance: wrk is needed (apt-get install wrk)" >&2; exit 2; }
if (($(ulimit -n) < HIGH + 1024)); then ulimit -n $((HIGH + 1024)); fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/surge-overload.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
[[ -f bench/target/bench.jar ]] || mvn -B -q -DskipTests package -pl bench   # the bench module: BenchTool
BENCH_CP='bench/target/bench.jar:bench/target/lib/*'
URL="http://127.0.0.1:$API/simulate"
LOAD="http://127.0.0.1:$COUNTER/load"
val() { awk -v n="$2" '$1 == n { print $2; exit }' "$1"; }
rate() { awk -v n="$(val "$1" s2xx)" -v d="$(val "$1" duration_us)" 'BEGIN { printf "%.0f", n / (d / 1e6) }'; }
api_rss_mb() {
  local pid
  pid=$(ss -ltnpH "sport = :$API" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)
  [[ -n $pid ]] && awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status" || echo '?'
}

total() { java -cp "$BENCH_CP" dev.surge.bench.BenchTool total --load-url "$LOAD"; }
# Requests cut off by an earlier load may still be on their way to a count: start from a total that holds for 3 s.
BEFORE=$(total) STABLE=0 DEADLINE=$((SECONDS + 120))
while ((STABLE < 3 && SECONDS < DEADLINE)); do
  sleep 1
  NOW=$(total)
  if [[ $NOW == "$BEFORE" ]]; then STABLE=$((STABLE + 1)); else BEFORE=$NOW STABLE=0; fi
done
[[ $BEFORE =~ ^[0-9]+$ ]] || { echo "overload-acceptance: no GET /load total at $LOAD ($BEFORE)" >&2; exit 1; }
((STABLE >= 3)) || { echo "overload-acceptance: the count total did not settle within 120 s" >&2; exit 1; }
ACKED=0 UNANSWERED=0
# ingest-api's own histogram of admitted requests' latency (received -> count known, surge_ack_latency_seconds)
ack_buckets() { curl -sf "http://127.0.0.1:$API/metrics" | grep '^surge_ack_latency_seconds_bucket' || true; }
ack_p99_ms() { # BEFORE AFTER -> p99 of the requests counted between the two scrapes, as the bucket's upper bound
  awk 'NR == FNR { before[$1] = $2; next } { n[++k] = $2 - before[$1]; le[k] = $1 }
       END { if (k == 0 || n[k] == 0) { print "?"; exit } for (i = 1; i <= k; i++) if (n[i] >= 0.99 * n[k]) {
               match(le[i], /le="[^"]*"/); v = substr(le[i], RSTART + 4, RLENGTH - 5)
               if (v == "+Inf") { printf "> %.0f", last * 1000; exit }
               printf "<= %.0f", v * 1000; exit }
             else { match(le[i], /le="[^"]*"/); last = substr(le[i], RSTART + 4, RLENGTH - 5) } }' "$1" "$2"
}
phase() { # NAME CONNECTIONS SECONDS
  local f="$WORK/$1.sum"
  ack_buckets >"$WORK/$1.before"
  timeout -k 5 $(($3 + 60)) wrk -t2 -c"$2" -d"${3}s" --timeout 10s -s "$SCRIPT" "$URL" -- "$1-$$" "$KEYS" "$f" \
    >"$WORK/$1.log" 2>&1 || { cat "$WORK/$1.log" >&2; exit 1; }
  ack_buckets >"$WORK/$1.after"
  ACKED=$((ACKED + $(val "$f" s2xx)))
  UNANSWERED=$((UNANSWERED + $(val "$f" unanswered)))
  printf '%-6s %5s conns: %6s 2xx/s (200: %s, 202: %s), refused: %s (%s), with Retry-After: %s, socket errors: connect %s read %s write %s timeout %s, all answers as wrk saw them: p50 %.1f ms p99 %.1f ms p99.9 %.1f ms, counted in ingest-api: p99 %s ms, ingest-api RSS %s MB\n' \
    "$1" "$2" "$(rate "$f")" "$(val "$f" s200)" "$(val "$f" s202)" "$(val "$f" non2xx)" \
    "$(grep '^status_' "$f" | sed 's/status_//' | tr '\n' ' ' | sed 's/ $//')" "$(val "$f" retry_after)" \
    "$(val "$f" err_connect)" "$(val "$f" err_read)" "$(val "$f" err_write)" "$(val "$f" err_timeout)" \
    "$(awk -v u="$(val "$f" p50_us)" 'BEGIN { print u / 1000 }')" \
    "$(awk -v u="$(val "$f" p99_us)" 'BEGIN { print u / 1000 }')" \
    "$(awk -v u="$(val "$f" p999_us)" 'BEGIN { print u / 1000 }')" \
    "$(ack_p99_ms "$WORK/$1.before" "$WORK/$1.after")" "$(api_rss_mb)"
}

echo "clients: $SCRIPT, $KEYS keys, wrk -t2 --timeout 10s; ingest-api on $API"
phase warmup "$LOW" "$WARMUP"
phase low "$LOW" "$SECONDS_PER_PHASE"
phase high "$HIGH" "$SECONDS_PER_PHASE"
awk -v h="$(rate "$WORK/high.sum")" -v l="$(rate "$WORK/low.sum")" -v t="$TARGET" \
  'BEGIN { printf "goodput at high / low: %.2f (target >= %s)\n", h / l, t }'
java -cp "$BENCH_CP" dev.surge.bench.BenchTool verify --api "http://127.0.0.1:$API" --load-url "$LOAD" \
  --expected-total $((BEFORE + ACKED)) --max-total $((BEFORE + ACKED + UNANSWERED)) --keys-file "$WORK/high.sum" \
  --timeout-seconds 120
