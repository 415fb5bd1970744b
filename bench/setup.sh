#!/usr/bin/env bash
# One-time setup of ./surge bench's outside tools (Debian packages): wrk (closed loop), curl, Debian's python3 with
# python3-flask (the Flask original, and reading ./surge status --json) and Maven (builds the stack and the bench
# module). Installs only what is missing; needs root or sudo for that. bench/run.sh calls it when something is
# missing; `bash bench/setup.sh --check` only says what is missing (exit 1 if anything is). The tests (mvn -B verify)
# need none of these.
set -euo pipefail
PYTHON=/usr/bin/python3      # Debian's python, the one python3-flask installs into

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
{ [[ -x $PYTHON ]] && "$PYTHON" -c 'import flask' 2>/dev/null; } || missing+=(python3-flask)
command -v mvn >/dev/null || missing+=(maven)
((${#missing[@]})) || exit 0
if [[ ${1:-} == --check ]]; then
  echo "missing: ${missing[*]} (bash bench/setup.sh installs them)"
  exit 1
fi
echo "bench setup: installing ${missing[*]} (Debian packages)" >&2
sudo=
if [[ $(id -u) != 0 ]]; then
  command -v sudo >/dev/null || { echo "bench setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
