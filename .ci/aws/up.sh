#!/usr/bin/env bash
# Starts the local AWS API servers the tests use, bound to 127.0.0.1, installs
# the Lambda Runtime Interface Emulator, and prints the environment to export:
#
#   eval "$(.ci/aws/up.sh)"      # and .ci/aws/down.sh to stop the servers
#
#   fauxqs 1.9.2     SQS + SNS + S3   STREAMALERT_TEST_AWS_ENDPOINT       port $STREAMALERT_TEST_AWS_PORT (4566)
#   dynalite 4.0.0   DynamoDB         STREAMALERT_TEST_DYNAMODB_ENDPOINT  port $STREAMALERT_TEST_DYNAMODB_PORT (4569)
#   aws-lambda-rie   Lambda runtime   STREAMALERT_TEST_LAMBDA_RIE         a binary; tests start one per function
#
# Every version is pinned: the servers in package.json + package-lock.json,
# the Node.js that runs them in ../node, the emulator below. PID files, logs
# and the emulator live in $STREAMALERT_CI_STATE (default .ci/aws/.state).
# Idempotent: npm ci runs only when node_modules does not match its lock
# file, the emulator is built only when the binary is not the pinned version,
# and a server whose PID file names a live process of ours on the same port
# is reused. Exits non-zero, with the reason and the server's log on stderr,
# when anything fails; everything but the export lines goes to stderr.
set -euo pipefail
cd "$(dirname "$0")"
AWS_PORT="${STREAMALERT_TEST_AWS_PORT:-4566}"
DDB_PORT="${STREAMALERT_TEST_DYNAMODB_PORT:-4569}"
STATE="${STREAMALERT_CI_STATE:-$PWD/.state}"
RIE_MODULE=github.com/aws/aws-lambda-runtime-interface-emulator
RIE_VERSION=v0.0.0-20261030222936-bef5c4ba774d

die() { echo "up.sh: $*" >&2; exit 1; }
for port in "$AWS_PORT" "$DDB_PORT"; do
  [[ "$port" =~ ^[0-9]+$ ]] || die "port \"$port\" is not a number"
done
[[ "$AWS_PORT" != "$DDB_PORT" ]] || die "STREAMALERT_TEST_AWS_PORT and STREAMALERT_TEST_DYNAMODB_PORT are both $AWS_PORT"
command -v curl >/dev/null || die "curl is not installed (.ci/run installs it)"
command -v node >/dev/null || die "node is not installed: any Node.js with npm installs the pinned one (.ci/run installs them)"
command -v npm >/dev/null || die "npm is not installed (.ci/run installs it)"
command -v go >/dev/null || die "go is not installed"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"

# npm_ci DIR NODE: installs DIR's lock file with npm ci, run by NODE, unless
# DIR/node_modules already holds it (a stamp npm ci's fresh node_modules
# cannot have). --engine-strict fails the install when NODE is older than a
# locked package's engines.node requires.
npm_ci() {
  local dir="$1" node="$2" stamp="$1/node_modules/.streamalert-lock" want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1) $("$node" --version)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  echo "up.sh: npm ci in $(cd "$dir" && pwd)" >&2
  (cd "$dir" && "$node" "$NPM_CLI" ci --engine-strict --no-audit --no-fund --loglevel=error >&2) ||
    die "npm ci failed in $dir"
  echo "$want" >"$stamp"
}

# The npm that is installed (any version that reads lock file v3), run by
# the pinned Node so its engine checks see that Node.
NPM_CLI="$(readlink -f "$(command -v npm)")"
npm_ci ../node "$(command -v node)"
NODE="$(readlink -f ../node/node_modules/.bin/node)"
[[ -x "$NODE" ]] || die "the pinned Node.js is missing from .ci/node/node_modules (is this CPU linux x64 or arm64?)"
npm_ci . "$NODE"

# The emulator, built from source at the pinned version into $STATE/bin.
RIE="$STATE/bin/aws-lambda-rie"
if ! go version -m "$RIE" 2>/dev/null | grep -q "mod[[:space:]]*$RIE_MODULE[[:space:]]*$RIE_VERSION"; then
  echo "up.sh: go install aws-lambda-rie@$RIE_VERSION" >&2
  GOBIN="$STATE/bin" CGO_ENABLED=0 go install "$RIE_MODULE/cmd/aws-lambda-rie@$RIE_VERSION" >&2 ||
    die "go install aws-lambda-rie failed"
fi

# listening PORT: something accepts TCP connections on 127.0.0.1:PORT.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# owns PID PORT: the socket listening on 127.0.0.1:PORT is one of PID's open
# files (read from /proc; true where /proc does not tell).
owns() {
  local pid="$1" hex inode
  [[ -r /proc/net/tcp && -d "/proc/$pid/fd" ]] || return 0
  hex="$(printf '%04X' "$2")"
  # local_address 0100007F:PORT, state 0A (LISTEN); field 10 is the inode.
  inode="$(awk -v a="0100007F:$hex" '$2 == a && $4 == "0A" { print $10; exit }' /proc/net/tcp)"
  [[ -n "$inode" ]] || return 1
  find "/proc/$pid/fd" -lname "socket:\[$inode\]" 2>/dev/null | grep -q .
}

# start NAME PORT URL CMD...: starts CMD (logging to $STATE/NAME.log) unless
# $STATE/NAME.pid names a live process of ours on PORT, then waits until the
# process itself listens on PORT and URL answers HTTP. A port some other
# process listens on is an error, never mistaken for our server.
start() {
  local name="$1" port="$2" url="$3" pidfile="$STATE/$1.pid" pid="" old oldport
  shift 3
  if [[ -f "$pidfile" ]]; then
    read -r old oldport <"$pidfile" || true
    if [[ -n "$old" ]] && kill -0 "$old" 2>/dev/null && tr '\0' ' ' <"/proc/$old/cmdline" 2>/dev/null | grep -q "$name"; then
      if [[ "${oldport:-}" == "$port" ]]; then
        pid="$old"
        echo "up.sh: $name already running (pid $pid) on 127.0.0.1:$port" >&2
      else
        echo "up.sh: $name (pid $old) is on port ${oldport:-?}, restarting on $port" >&2
        kill "$old"
        for _ in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
      fi
    fi
    [[ -n "$pid" ]] || rm -f "$pidfile"
  fi
  if [[ -z "$pid" ]]; then
    if listening "$port"; then
      die "127.0.0.1:$port is in use by a process this state folder ($STATE) did not start; choose a free port (STREAMALERT_TEST_AWS_PORT, STREAMALERT_TEST_DYNAMODB_PORT)"
    fi
    nohup "$@" </dev/null >"$STATE/$name.log" 2>&1 &
    pid=$!
    echo "$pid $port" >"$pidfile"
    echo "up.sh: started $name (pid $pid) on 127.0.0.1:$port" >&2
  fi
  for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "up.sh: $name exited; its log ($STATE/$name.log):" >&2
      cat "$STATE/$name.log" >&2
      rm -f "$pidfile"
      exit 1
    fi
    # Any HTTP answer (even an error status) from our own socket.
    if listening "$port" && owns "$pid" "$port" && curl -sS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "up.sh: $name (pid $pid) did not answer on 127.0.0.1:$port in 15 s; its log:" >&2
  cat "$STATE/$name.log" >&2
  exit 1
}

start fauxqs "$AWS_PORT" "http://127.0.0.1:$AWS_PORT/health" \
  "$NODE" fauxqs.mjs "$AWS_PORT"
start dynalite "$DDB_PORT" "http://127.0.0.1:$DDB_PORT/" \
  "$NODE" node_modules/dynalite/cli.js --host 127.0.0.1 --port "$DDB_PORT" --createTableMs 0

echo "export STREAMALERT_TEST_AWS_ENDPOINT=http://127.0.0.1:$AWS_PORT"
echo "export STREAMALERT_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:$DDB_PORT"
echo "export STREAMALERT_TEST_LAMBDA_RIE=$RIE"
