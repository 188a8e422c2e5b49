#!/usr/bin/env bash
# Stops the servers up.sh started, by the PIDs it recorded in
# $STREAMALERT_CI_STATE (default .ci/aws/.state), and only those: a PID file
# whose process is gone or is no longer ours (its command line does not name
# the server) is just removed. Exits 0 when nothing is left running.
set -euo pipefail
cd "$(dirname "$0")"
STATE="${STREAMALERT_CI_STATE:-$PWD/.state}"
for pidfile in "$STATE"/*.pid; do
  [[ -f "$pidfile" ]] || continue
  name="$(basename "$pidfile" .pid)"
  read -r pid _ <"$pidfile" || true
  if [[ "${pid:-}" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$name"; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "down.sh: stopped $name (pid $pid)" >&2
  fi
  rm -f "$pidfile"
done
