package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/streamalert-go/streamalert/engine/diag"
)

// Exit codes shared by both binaries: 0 success, 1 problems found, 2 usage
// or I/O error.
const (
	ExitOK       = 0
	ExitProblems = 1
	ExitUsage    = 2
)

// ErrHelp is returned by Parse when the arguments ask for help (-h, --help).
var ErrHelp = errors.New("help requested")

// UsageError is a problem with the command line: an unknown flag, a flag
// without its value, a value the flag rejects. Its message is one line and
// names the flag as the user typed it.
type UsageError struct {
	Flag    string // the flag's name, without dashes
	Message string
}

// Error returns the one-line message.
func (e *UsageError) Error() string { return e.Message }

// Parse parses args against fs, GNU style (see the package comment), and
// returns the positional arguments in order. Each flag is set with
// fs.Set, so fs.Visit reports the flags given; after a successful Parse,
// fs.Args() also returns the positional arguments. Parse never prints and
// never exits: it returns ErrHelp for -h/--help (unless the FlagSet defines
// a flag of that name) and a *UsageError for anything else wrong.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		name := strings.TrimPrefix(a[1:], "-")
		value, hasValue := "", false
		if k, v, ok := strings.Cut(name, "="); ok {
			name, value, hasValue = k, v, true
		}
		if name == "" || name[0] == '-' || name[0] == '=' {
			return nil, &UsageError{Flag: name, Message: fmt.Sprintf("bad flag syntax: %s", a)}
		}
		f := fs.Lookup(name)
		if f == nil {
			if name == "h" || name == "help" {
				return nil, ErrHelp
			}
			return nil, unknownFlag(fs, name)
		}
		if isBool(f) {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 >= len(args) {
				return nil, &UsageError{Flag: name, Message: fmt.Sprintf("flag --%s needs a value", name)}
			}
			i++
			value = args[i]
		}
		if err := fs.Set(name, value); err != nil {
			return nil, &UsageError{Flag: name, Message: fmt.Sprintf("invalid value %q for --%s: %v", value, name, err)}
		}
	}
	// Record the positional arguments in fs too (Parsed, Args, NArg).
	if err := fs.Parse(append([]string{"--"}, rest...)); err != nil {
		return nil, &UsageError{Message: err.Error()}
	}
	if rest == nil {
		rest = []string{}
	}
	return rest, nil
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func unknownFlag(fs *flag.FlagSet, name string) error {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	msg := fmt.Sprintf("unknown flag --%s", name)
	if s := diag.Suggest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean --%s?)", s)
	}
	return &UsageError{Flag: name, Message: msg}
}

// Command is one command's name (as typed: "streamalert run"), its usage
// text (synopsis and description, printed before the flags) and its flags.
type Command struct {
	Name  string
	Usage string
	Flags *flag.FlagSet
}

// Parse parses args with Parse and turns the outcome into what a command's
// run function returns: ok true with the positional arguments; or ok false
// with the exit code, after printing the help to stdout (code 0) or the
// usage error and a pointer to --help to stderr (code 2).
func (c *Command) Parse(args []string, stdout, stderr io.Writer) (rest []string, code int, ok bool) {
	rest, err := Parse(c.Flags, args)
	switch {
	case err == nil:
		return rest, ExitOK, true
	case errors.Is(err, ErrHelp):
		c.PrintHelp(stdout)
		return nil, ExitOK, false
	default:
		c.Fail(stderr, err.Error())
		return nil, ExitUsage, false
	}
}

// Fail prints a usage problem as "NAME: message" and a pointer to --help,
// on w. It returns ExitUsage, for `return c.Fail(...)`.
func (c *Command) Fail(w io.Writer, msg string) int {
	fmt.Fprintf(w, "%s: %s\nRun '%s --help' for usage.\n", c.Name, msg, c.Name)
	return ExitUsage
}

// PrintHelp writes the command's usage text and then its flags, one per
// line, sorted, as "--name VALUE   description (default: D)".
func (c *Command) PrintHelp(w io.Writer) {
	io.WriteString(w, c.Usage)
	if !strings.HasSuffix(c.Usage, "\n") {
		io.WriteString(w, "\n")
	}
	if c.Flags == nil {
		return
	}
	PrintFlags(w, c.Flags)
}

// PrintFlags writes "flags:" and every flag of fs, sorted by name, aligned.
// A backquoted word in a flag's usage names its value (flag.UnquoteUsage);
// non-zero defaults are shown.
func PrintFlags(w io.Writer, fs *flag.FlagSet) {
	type line struct{ left, right string }
	var lines []line
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		vname, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if len(f.Name) == 1 {
			left = "-" + f.Name
		}
		if vname != "" {
			left += " " + strings.ToUpper(vname)
		}
		if def := f.DefValue; def != "" && def != "false" && def != "0" && def != "0s" {
			usage += fmt.Sprintf(" (default %s)", def)
		}
		lines = append(lines, line{left, usage})
		width = max(width, len(left))
	})
	if len(lines) == 0 {
		return
	}
	io.WriteString(w, "\nflags:\n")
	for _, l := range lines {
		fmt.Fprintf(w, "  %-*s   %s\n", width, l.left, l.right)
	}
	io.WriteString(w, "  -h, --help")
	fmt.Fprintf(w, "%*s   print this help\n", width-len("-h, --help"), "")
}

// UnknownCommand returns the one-line message for a command name that is
// not one of commands: `unknown command "rnu" (did you mean "run"?)`, or
// `unknown flag --x` when it looks like a flag.
func UnknownCommand(name string, commands []string) string {
	if strings.HasPrefix(name, "-") {
		return fmt.Sprintf("unknown flag %s (flags go after the command; try --help)", name)
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := diag.Suggest(name, commands); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}
