// Command ruleck checks, tests and formats StreamAlert (Go) rule files.
//
//	ruleck lint [--schemas DIR] [--config FILE] [--format text|json] [--strict] [PATH...]
//	ruleck test [--schemas DIR] [--run REGEX] [-v] [PATH...]
//	ruleck fmt  [-w] [PATH...]
//
// PATH is a folder (read recursively) or a file; all PATHs together form one
// set of rules, so `ruleck lint rules.d/lib my_rule.yaml` checks one rule
// with the shared matchers and lists. The default PATH is rules.d/. Without
// --schemas the embedded default schemas serve.
//
// Exit codes: 0 clean, 1 problems found (or tests failed, or files not
// formatted), 2 usage or I/O error.
package main

import (
	"context"
	"flag"
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
  ruleck lint [--schemas DIR] [--config FILE] [--format text|json] [--strict] [PATH...]
  ruleck test [--schemas DIR] [--run REGEX] [-v] [PATH...]
  ruleck fmt  [-w] [PATH...]

PATH is a folder (read recursively) or a rule file; together they form one
rule set. The default PATH is rules.d/. Without --schemas the embedded
schemas serve. Exit 0 clean, 1 problems, 2 usage or I/O error.
`

// Exit codes.
const (
	exitOK       = 0
	exitProblems = 1
	exitUsage    = 2
)

// run is the whole command; main only wires the process to it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "lint":
		return runLint(args[1:], stdout, stderr)
	case "test":
		return runTest(ctx, args[1:], stdout, stderr)
	case "fmt":
		return runFmt(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "ruleck: unknown command %q\n%s", args[0], usage)
		return exitUsage
	}
}

// parseFlags parses flags anywhere among the arguments (`ruleck lint
// rules.d --strict` works) and returns the positional arguments, or ok
// false after printing the problem.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (rest []string, ok bool) {
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, true
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), true
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}
