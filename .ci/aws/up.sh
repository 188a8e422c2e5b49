#!/usr/bin/env bash
# Starts the local AWS API servers the outputs tests use, bound to 127.0.0.1,
# and prints the environment to export, e.g.:  eval "$(bash .ci/aws/up.sh)"
# Idempotent: npm ci runs only when node_modules does not match the lock
# file, and a server that is already running (PID file alive) is reused.
# Everything but the export lines goes to stderr.
set -euo pipefail
cd "$(dirname "$0")"
PORT="${STREAMALERT_TEST_AWS_PORT:-4566}"
STATE="${STREAMALERT_CI_STATE:-$PWD/.state}"
mkdir -p "$STATE"

# npm ci writes node_modules/.package-lock.json; equal to the lock file's
# packages means the install is current.
stamp="$STATE/lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -d node_modules/fauxqs || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "up.sh: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
fi

pidfile="$STATE/fauxqs.pid"
if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "up.sh: fauxqs already running (pid $(cat "$pidfile"))" >&2
else
  nohup node fauxqs.mjs "$PORT" >"$STATE/fauxqs.log" 2>&1 &
  echo $! >"$pidfile"
  echo "up.sh: started fauxqs (pid $!) on 127.0.0.1:$PORT" >&2
fi

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
    echo "export STREAMALERT_TEST_AWS_ENDPOINT=http://127.0.0.1:$PORT"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "up.sh: fauxqs exited; log:" >&2
    cat "$STATE/fauxqs.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "up.sh: fauxqs did not become ready on 127.0.0.1:$PORT; log:" >&2
cat "$STATE/fauxqs.log" >&2
exit 1
