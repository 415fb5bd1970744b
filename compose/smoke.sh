#!/usr/bin/env bash
# compose/smoke.sh: builds the images and runs compose/docker-compose.yml for real on this machine, then checks the
# stack through nginx and Prometheus on 127.0.0.1 and tears it down. For machines that reach Debian's packages and
# Maven Central but no image registry: every image is built here (compose/README.md, "Smoke run on this machine").
#
#   compose/smoke.sh                          # as root; from CI: SURGE_COMPOSE_SMOKE=1 bash .ci/run
#
# Settings (environment):
#   SURGE_SMOKE_PROJECT   compose project name (default surge-smoke): its network, containers and volumes
#   SURGE_SMOKE_TIMEOUT   seconds for the stack part, from `up` to the last check (default 600)
#   SURGE_SMOKE_KEEP=1    leave the stack (and a dockerd this run started) running after the checks; `down -v` it
#                         yourself
#   SURGE_SMOKE_REBASE=1  rebuild the base images even when they exist
set -euo pipefail
cd "$(dirname "$0")/.."

PROJECT=${SURGE_SMOKE_PROJECT:-surge-smoke}
STACK_TIMEOUT=${SURGE_SMOKE_TIMEOUT:-600}
BUILD_TIMEOUT=900
COMPOSE_FILES=(-f compose/docker-compose.yml -f compose/local/docker-compose.local.yml)
# Everything of the real file but Grafana, which has no local stand-in (no Debian package); `rescale` is a tool
# (profile "tools") that `up` does not start anyway.
SERVICES=(kafka topic-init ingest-api-1 ingest-api-2 counter-streams-1 counter-streams-2 nginx prometheus)
LONG_RUNNING=(kafka ingest-api-1 ingest-api-2 counter-streams-1 counter-streams-2 nginx prometheus)
PORTS=(8080 8081 9090 9094)
RUN_ID=$(date -u +%Y%m%d%H%M%S)

# Stops the dockerd this script started (images and build cache stay on disk for the next run).
stop_dockerd() {
  [ -n "${DOCKERD_PID:-}" ] || return 0
  [ "${SURGE_SMOKE_KEEP:-0}" = 1 ] && return 0
  kill -TERM "$DOCKERD_PID" 2>/dev/null || return 0
  local deadline=$((SECONDS + 60))
  while kill -0 "$DOCKERD_PID" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      printf '[smoke] dockerd (pid %s) did not stop within 60 s\n' "$DOCKERD_PID" >&2
      return 1
    fi
    sleep 1
  done
  printf '[smoke %4ds] stopped the dockerd this run started\n' "$SECONDS"
}
log() { printf '[smoke %4ds] %s\n' "$SECONDS" "$*"; }
die() { printf '[smoke %4ds] FAIL: %s\n' "$SECONDS" "$*" >&2; exit 1; }
# `timing NAME SECONDS`: one line of the figures printed at the end.
TIMINGS=()
timing() { TIMINGS+=("$(printf '%-44s %5ss' "$1" "$2")"); }

# --- tools --------------------------------------------------------------------------------------------------------

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "needs ${missing[*]} (apt-get install -y ${missing[*]}) and is not root"
  log "installing ${missing[*]} (Debian packages) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Docker client that builds: Debian's docker.io client (20.10) builds with BuildKit on its own
# (DOCKER_BUILDKIT=1); a newer client builds with BuildKit only through its buildx plugin.
if [ -x /usr/bin/docker ]; then
  DOCKER=/usr/bin/docker
else
  DOCKER=$(command -v docker) || die "no docker client (apt-get install -y docker.io)"
fi
export DOCKER_BUILDKIT=1
if ! "$DOCKER" build --help 2>/dev/null | grep -q -- '--progress'; then
  die "$DOCKER cannot build with BuildKit (the Dockerfiles use cache mounts): install docker.io or buildx"
fi

DOCKERD_PID=
if ! "$DOCKER" info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "no Docker engine answers and only root can start dockerd"
  log "starting dockerd (log: /var/log/surge-dockerd.log; stopped again at the end) ..."
  nohup dockerd >/var/log/surge-dockerd.log 2>&1 &
  DOCKERD_PID=$!
  # A dockerd left running would make the integration tests' Testcontainers try to pull images (testkit's
  # TestKafka then falls back to the embedded broker, but only after trying): stop it on any exit.
  trap stop_dockerd EXIT
  trap 'exit 130' INT TERM
  deadline=$((SECONDS + 60))
  until "$DOCKER" info >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "dockerd did not answer within 60 s: tail /var/log/surge-dockerd.log"
    sleep 1
  done
fi
log "Docker engine $("$DOCKER" version --format '{{.Server.Version}}'), $(docker-compose version --short 2>/dev/null \
  || echo '?') docker-compose"

compose() { docker-compose -p "$PROJECT" "${COMPOSE_FILES[@]}" "$@"; }

# Leftovers of an earlier run of this project (one killed before its trap ran) go first.
if [ -n "$("$DOCKER" ps -aq --filter "label=com.docker.compose.project=$PROJECT")" ]; then
  log "removing the containers and volumes an earlier run of project $PROJECT left ..."
  compose down -v --remove-orphans >/dev/null 2>&1 || true
fi
for port in "${PORTS[@]}"; do
  if ss -Hltn "sport = :$port" | grep -q .; then
    die "port $port is taken on this machine (the stack publishes 127.0.0.1:$port): $(ss -Hltnp "sport = :$port" \
      | head -1)"
  fi
done

# --- images -------------------------------------------------------------------------------------------------------

# `base_image TAG PACKAGES`: a Debian bookworm root file system (mmdebstrap, minbase) imported as an image, once.
base_image() {
  local tag=$1 packages=$2 start=$SECONDS
  if [ "${SURGE_SMOKE_REBASE:-0}" != 1 ] && "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then
    log "base image $tag exists"
    return
  fi
  log "base image $tag: mmdebstrap bookworm + $packages ..."
  timeout "$BUILD_TIMEOUT" mmdebstrap --quiet --variant=minbase --include="$packages" bookworm - \
    | "$DOCKER" import - "$tag" >/dev/null || die "building base image $tag failed"
  timing "base image $tag" $((SECONDS - start))
}

# `build TAG CONTEXT [docker build arguments]`: the same Dockerfiles a user builds, on local base images.
build() {
  local tag=$1 context=$2 start=$SECONDS logfile
  shift 2
  logfile=$(mktemp /tmp/surge-smoke-build.XXXXXX)
  log "image $tag ..."
  if ! timeout "$BUILD_TIMEOUT" "$DOCKER" build --progress=plain "$@" -t "$tag" "$context" >"$logfile" 2>&1; then
    tail -40 "$logfile" >&2
    die "docker build of $tag failed (whole log: $logfile)"
  fi
  rm -f "$logfile"
  timing "image $tag" $((SECONDS - start))
}

base_image surge/local-jre:17 openjdk-17-jre-headless,ca-certificates
base_image surge/local-jdk:17 openjdk-17-jdk-headless,ca-certificates
base_image surge/local-debian:bookworm ca-certificates

# Inside a container the build would fetch from Maven Central itself (JARS=build); on this kind of machine HTTPS from
# containers does not get through, so the jars are built on the host and copied in (JARS=prebuilt). Reactor builds
# only: nothing is installed into ~/.m2.
start=$SECONDS
log "jars: mvn package of ingest-api and counter-streams, Kafka's jars for the local Kafka image ..."
mvn_log=$(mktemp /tmp/surge-smoke-mvn.XXXXXX)
timeout "$BUILD_TIMEOUT" mvn -B -q -pl ingest-api,counter-streams -am package -DskipTests >"$mvn_log" 2>&1 \
  || { tail -40 "$mvn_log" >&2; die "mvn package of ingest-api and counter-streams failed (log: $mvn_log)"; }
timeout "$BUILD_TIMEOUT" mvn -B -q -f compose/local/kafka/pom.xml dependency:copy-dependencies >"$mvn_log" 2>&1 \
  || { tail -40 "$mvn_log" >&2; die "fetching Kafka's jars (compose/local/kafka/pom.xml) failed (log: $mvn_log)"; }
rm -f "$mvn_log"
timing "jars (mvn, host)" $((SECONDS - start))

build surge/local-kafka:4.4.0 compose/local/kafka --build-arg JARS=prebuilt --build-arg BASE_IMAGE=surge/local-jre:17
build surge/local-nginx:1.22 compose/local/nginx --build-arg BASE_IMAGE=surge/local-debian:bookworm
build surge/local-prometheus:2.42 compose/local/prometheus --build-arg BASE_IMAGE=surge/local-debian:bookworm
for module in ingest-api counter-streams; do
  build "surge/$module:dev" . -f "$module/Dockerfile" --build-arg JARS=prebuilt \
    --build-arg BUILD_IMAGE=surge/local-jdk:17 --build-arg RUNTIME_IMAGE=surge/local-jre:17
done

# --- the stack ----------------------------------------------------------------------------------------------------

teardown() {
  local status=$?
  trap - EXIT INT TERM
  if [ $status -ne 0 ]; then
    log "failed: the last log lines of each service follow"
    compose logs --no-color --tail=40 2>&1 | tail -400 >&2 || true
  fi
  if [ "${SURGE_SMOKE_KEEP:-0}" = 1 ] && [ $status -eq 0 ]; then
    log "SURGE_SMOKE_KEEP=1: the stack (and dockerd) stay up; docker-compose -p $PROJECT ${COMPOSE_FILES[*]} down -v"
    exit 0
  fi
  log "docker-compose down -v ..."
  compose down -v --remove-orphans --timeout 30 >/dev/null 2>&1 || status=1
  local left
  left=$( { "$DOCKER" ps -aq --filter "label=com.docker.compose.project=$PROJECT"
            "$DOCKER" volume ls -q --filter "label=com.docker.compose.project=$PROJECT"
            "$DOCKER" network ls -q --filter "label=com.docker.compose.project=$PROJECT"; } | wc -l)
  if [ "$left" -ne 0 ]; then
    printf '[smoke] FAIL: %s containers, volumes or networks of project %s are left after down -v\n' "$left" \
      "$PROJECT" >&2
    status=1
  else
    log "down -v left no container, volume or network of project $PROJECT"
  fi
  stop_dockerd || status=1
  exit $status
}
trap teardown EXIT
trap 'exit 130' INT TERM

stack_deadline=$((SECONDS + STACK_TIMEOUT))
remaining() { echo $((stack_deadline - SECONDS > 0 ? stack_deadline - SECONDS : 1)); }

start=$SECONDS
log "docker-compose up: ${SERVICES[*]} (Grafana left out: no local image) ..."
# docker-compose 1.29 gives up on `up` as soon as a dependency's healthcheck has failed its retries once, although the
# service may turn healthy later (seen here: an ingest-api that took over a minute to start on this loaded machine
# left nginx unstarted). `up` again starts what is missing, until the deadline.
until up_out=$(timeout "$(remaining)" docker-compose -p "$PROJECT" "${COMPOSE_FILES[@]}" up -d --no-build \
    "${SERVICES[@]}" 2>&1); do
  printf '%s\n' "$up_out" | grep -E '^ERROR' >&2 || true
  [ $SECONDS -lt $stack_deadline ] || die "docker-compose up did not complete within ${STACK_TIMEOUT} s"
  log "docker-compose up gave up (above); up again ..."
  sleep 5
done

# Every long-running service healthy (its healthcheck passes), topic-init exited 0.
container() { compose ps -q "$1"; }
until
  ready=0
  for service in "${LONG_RUNNING[@]}"; do
    id=$(container "$service")
    [ -n "$id" ] || die "service $service has no container"
    state=$("$DOCKER" inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")
    case "$state" in
      "running healthy") ready=$((ready + 1)) ;;
      exited*|dead*) die "service $service stopped ($state)" ;;
    esac
  done
  [ "$ready" -eq ${#LONG_RUNNING[@]} ]
do
  [ $SECONDS -lt $stack_deadline ] || die "not every service healthy within ${STACK_TIMEOUT} s: $(compose ps)"
  sleep 2
done
init_exit=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$(container topic-init)")
[ "$init_exit" = 0 ] || die "topic-init exited $init_exit"
healthy_after=$((SECONDS - start))
timing "up -> every service healthy" "$healthy_after"
log "every service healthy after ${healthy_after} s; topic-init exited 0"

# Only the project's network, and published ports on loopback only.
network="${PROJECT}_default"
for service in "${LONG_RUNNING[@]}"; do
  id=$(container "$service")
  # shellcheck disable=SC2016 # a Go template, not a shell expansion
  networks=$("$DOCKER" inspect -f '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}' "$id")
  [ "$networks" = "$network " ] || die "service $service is on networks '$networks', expected only $network"
  bad=$("$DOCKER" port "$id" | grep -v -- '-> 127\.0\.0\.1:' || true)
  [ -z "$bad" ] || die "service $service publishes beyond 127.0.0.1: $bad"
done
log "every container is only on network $network; every published port is on 127.0.0.1"

check() { timeout "$(remaining)" python3 compose/local/smoke_check.py "$@"; }

start=$SECONDS
check targets --timeout 60
# Warm-up (its own keys, checked the same way) until a round of 200 events is answered 200 only, 4 rounds at most:
# the first transactions of a fresh broker create __consumer_offsets and __transaction_state, and the JVMs are cold.
# A 2,000-request burst into that cold start wedged counting on this machine (Streams transactions stuck, produce
# errors CONCURRENT_TRANSACTIONS and OUT_OF_ORDER_SEQUENCE_NUMBER on load-acks; compose/README.md).
for round in 1 2 3 4; do
  out=$(check burst --requests 200 --keys 20 --concurrency 20 --prefix "warmup-$RUN_ID-$round" --timeout 120) \
    || { printf '%s\n' "$out"; die "warm-up round $round failed"; }
  printf '%s\n' "$out"
  if grep -q -E 'all answers: 200: [0-9]+$' <<<"$out"; then
    break
  fi
done
timing "warm-up: $round round(s) of 200 POSTs, 20 at a time" $((SECONDS - start))
start=$SECONDS
check burst --requests 2000 --keys 20 --concurrency 2000 --prefix "burst-$RUN_ID" --timeout 180
check served --instances 2 --timeout 60
timing "burst: 2,000 concurrent POSTs, checks" $((SECONDS - start))

start=$SECONDS
check failover --requests 2000 --keys 20 --concurrency 64 --rate 250 --stop-after 500 \
  --prefix "failover-$RUN_ID" --timeout 180 -- docker-compose -p "$PROJECT" "${COMPOSE_FILES[@]}" stop ingest-api-1
timing "failover: 2,000 POSTs, ingest-api-1 stopped" $((SECONDS - start))

# ingest-api-1 back, then Prometheus sees every Surge target up again.
start=$SECONDS
compose start ingest-api-1 >/dev/null
until [ "$("$DOCKER" inspect -f '{{.State.Health.Status}}' "$(container ingest-api-1)")" = healthy ]; do
  [ $SECONDS -lt $stack_deadline ] || die "ingest-api-1 not healthy again within the deadline"
  sleep 2
done
log "ingest-api-1 healthy again after $((SECONDS - start)) s"
check targets --timeout 60

log "PASS"
log "figures (this machine, $(date -u +%Y-%m-%d), $(nproc) cores):"
for line in "${TIMINGS[@]}"; do log "  $line"; done
