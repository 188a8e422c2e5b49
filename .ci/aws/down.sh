#!/usr/bin/env bash
# Stops the servers up.sh started, by the PIDs it recorded.
set -euo pipefail
cd "$(dirname "$0")"
STATE="${STREAMALERT_CI_STATE:-$PWD/.state}"
for pidfile in "$STATE"/*.pid; do
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "down.sh: stopped $(basename "$pidfile" .pid) (pid $pid)" >&2
  fi
  rm -f "$pidfile"
done
