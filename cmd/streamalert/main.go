// Command streamalert runs the StreamAlert engine in local mode.
//
//	streamalert run      [flags] [INPUT...]   classify, evaluate rules, print alerts
//	streamalert classify [flags] [INPUT...]   classify only, one JSON line per record
//	streamalert output test SERVICE:DESCRIPTOR --config FILE
//	streamalert rules push --bucket B [--prefix P] [--rules DIR] ...   check, then upload rules to S3
//	streamalert bench [--quick] [--format text|json]   end-to-end throughput of run on generated data
//	streamalert playground [--addr 127.0.0.1:8088] [--rules DIR] [--schemas DIR]   the rule playground web page
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

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine/gcpolicy"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	gcpolicy.Apply(os.Getenv)
	stopProfile := startProfile(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

const usage = `usage:
  streamalert run      [flags] [INPUT...]   classify, evaluate rules, print alerts
  streamalert classify [flags] [INPUT...]   classify only, one JSON line per record
  streamalert output test SERVICE:DESCRIPTOR [--config FILE]
  streamalert rules push --bucket B [--prefix P] [--rules DIR] [--schemas DIR] [--config FILE]
  streamalert bench [--quick] [--format text|json] [--only NAME,...]
  streamalert playground [--addr 127.0.0.1:8088] [--rules DIR] [--schemas DIR]   the rule playground web page
  streamalert --version

INPUT is a file, a folder (read recursively) or - for standard input (read line by line).
With no --rules or --schemas the embedded default rules and schemas serve.
Flags may come before or after INPUTs; -- ends them. streamalert COMMAND --help
lists a command's flags. Exit 0 all input read, 1 rules, schemas or config have
problems, 2 usage or I/O error.
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
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "playground":
		return runPlayground(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, cli.Version("streamalert"))
		return 0
	default:
		fmt.Fprintf(stderr, "streamalert: %s\n%s", cli.UnknownCommand(args[0], []string{"run", "classify", "output", "rules", "bench", "playground", "version", "help"}), usage)
		return 2
	}
}
