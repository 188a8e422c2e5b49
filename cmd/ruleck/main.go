// Command ruleck checks, tests and formats StreamAlert (Go) rule files.
//
//	ruleck lint [--schemas DIR] [--config FILE] [--format text|json] [--strict] [PATH...]
//	ruleck test [--schemas DIR] [--run REGEX] [-v] [PATH...]
//	ruleck fmt  [-w] [PATH...]
//	ruleck explain [--rules DIR] [--schemas DIR] [--rule NAME] [--format text|json] RECORD_FILE
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
	"strings"
	"syscall"

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
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
  ruleck explain [--rules DIR] [--schemas DIR] [--rule NAME] [--format text|json] RECORD_FILE
  ruleck --version

Flags may come before or after PATHs; -- ends them. ruleck COMMAND --help
lists a command's flags.

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
	case "explain":
		return runExplain(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, cli.Version("ruleck"))
		return exitOK
	default:
		fmt.Fprintf(stderr, "ruleck: %s\n%s", cli.UnknownCommand(args[0], []string{"lint", "test", "fmt", "explain", "version", "help"}), usage)
		return exitUsage
	}
}

// commandUsage is the synopsis `ruleck COMMAND --help` prints above the
// command's flags.
var commandUsage = map[string]string{
	"lint": `usage: ruleck lint [flags] [PATH...]

Checks rule, library and test-event files against the schemas (and the
outputs of --config). Exit 0 clean, 1 problems, 2 usage or I/O error.
`,
	"test": `usage: ruleck test [flags] [PATH...]

Runs the tests of every rule; prints ok/FAIL lines. Exit 0 all passed,
1 a test failed, 2 usage or I/O error.
`,
	"fmt": `usage: ruleck fmt [flags] [PATH...]

Prints (or with -w rewrites) rule files in canonical form. Exit 1 when a
file is not formatted (without -w), 2 usage or I/O error.
`,
}

// parseFlags parses fs's flags anywhere among the arguments (`ruleck lint
// rules.d --strict` works) with the convention of package cli, and returns
// the positional arguments. When ok is false the command returns code: 0
// after --help printed the command's usage and flags on stdout, 2 after a
// usage error was printed on stderr. fs's name is the command ("lint").
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (rest []string, code int, ok bool) {
	fs.SetOutput(stderr)
	name := strings.TrimPrefix(fs.Name(), "ruleck ")
	c := &cli.Command{Name: "ruleck " + name, Usage: commandUsage[name], Flags: fs}
	return c.Parse(args, stdout, stderr)
}
