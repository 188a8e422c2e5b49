// Command streamalert runs the StreamAlert engine in local mode.
//
//	streamalert run      [flags] [INPUT...]   classify, evaluate rules, print alerts
//	streamalert classify [flags] [INPUT...]   classify only, one JSON line per record
//	streamalert output test SERVICE:DESCRIPTOR --config FILE
//	streamalert rules push --bucket B [--prefix P] [--rules DIR] ...   check, then upload rules to S3
//
// INPUT is a file, a folder (read recursively) or "-" for standard input.
// With no --rules or --schemas the embedded defaults serve.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  streamalert run      [flags] [INPUT...]   classify, evaluate rules, print alerts
  streamalert classify [flags] [INPUT...]   classify only, one JSON line per record
  streamalert output test SERVICE:DESCRIPTOR --config FILE
  streamalert rules push --bucket B [--prefix P] [--rules DIR] [--schemas DIR] [--config FILE]

INPUT is a file, a folder (read recursively) or - for standard input (read line by line).
With no --rules or --schemas the embedded default rules and schemas serve.

flags:
  --rules DIR, --schemas DIR   rule and schema folders (run: both; classify: --schemas)
  --config FILE                streamalert.yaml: sources (log types per input) and outputs
  --logs LIST                  comma-separated log families or types to try
  --dead-letter FILE           append records that did not classify (JSON lines)
  --alert-dead-letter FILE     append alerts an output failed to take (run)
  --watch                      reload --rules/--schemas on change, keep the last good ruleset on errors
  --follow                     follow file INPUTs from their beginning, across rotation (like tail -F)
  --listen ADDR                serve POST /v1/logs, GET /healthz, GET /metrics
  --token-file FILE            require a bearer token on /v1/logs and /metrics
  --max-body N                 largest POST body in bytes (default 10 MiB)
  --drain-timeout D            how long shutdown waits for alert deliveries (default 30s)
With --watch, --follow or --listen, run keeps going until interrupted (SIGINT/SIGTERM),
then drains records and deliveries in flight and prints the summary.
`

// run is the whole command; main only wires the process to it. Exit codes:
// 0 all input read, 1 rules, schemas or config have problems, 2 usage or I/O error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runLocal(ctx, args[1:], stdin, stdout, stderr, false)
	case "classify":
		return runLocal(ctx, args[1:], stdin, stdout, stderr, true)
	case "output":
		return runOutput(ctx, args[1:], stdout, stderr)
	case "rules":
		return runRules(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "streamalert: unknown command %q\n%s", args[0], usage)
		return 2
	}
}
