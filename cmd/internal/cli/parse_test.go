package cli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

type testFlags struct {
	rules string
	watch bool
	max   int64
	drain time.Duration
}

func newFS(f *testFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("streamalert run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.rules, "rules", "", "rules `DIR`")
	fs.BoolVar(&f.watch, "watch", false, "reload on change")
	fs.Int64Var(&f.max, "max-body", 10, "largest body in bytes")
	fs.DurationVar(&f.drain, "drain-timeout", time.Second, "drain deadline")
	return fs
}

func TestParseInterspersedGNU(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want testFlags
		rest []string
	}{
		{"flag after positional", []string{"examples/logs", "--rules", "rules.d"}, testFlags{rules: "rules.d", max: 10, drain: time.Second}, []string{"examples/logs"}},
		{"equals form", []string{"--rules=r", "a", "--max-body=5", "b"}, testFlags{rules: "r", max: 5, drain: time.Second}, []string{"a", "b"}},
		{"single dash long", []string{"-rules", "r", "-watch"}, testFlags{rules: "r", watch: true, max: 10, drain: time.Second}, []string{}},
		{"bool takes no value", []string{"--watch", "in"}, testFlags{watch: true, max: 10, drain: time.Second}, []string{"in"}},
		{"bool explicit false", []string{"--watch=false", "in"}, testFlags{max: 10, drain: time.Second}, []string{"in"}},
		{"double dash ends flags", []string{"a", "--", "--rules", "-"}, testFlags{max: 10, drain: time.Second}, []string{"a", "--rules", "-"}},
		{"stdin dash is positional", []string{"-", "--drain-timeout", "5s"}, testFlags{max: 10, drain: 5 * time.Second}, []string{"-"}},
		{"empty value", []string{"--rules=", "x"}, testFlags{max: 10, drain: time.Second}, []string{"x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f testFlags
			fs := newFS(&f)
			rest, err := Parse(fs, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if f != tc.want {
				t.Errorf("flags = %+v, want %+v", f, tc.want)
			}
			if !reflect.DeepEqual(rest, tc.rest) {
				t.Errorf("rest = %q, want %q", rest, tc.rest)
			}
			if !reflect.DeepEqual(fs.Args(), tc.rest) && !(len(fs.Args()) == 0 && len(tc.rest) == 0) {
				t.Errorf("fs.Args() = %q, want %q", fs.Args(), tc.rest)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // substring of the message; "" means ErrHelp
	}{
		{"unknown flag suggests", []string{"in", "--rule", "x"}, "unknown flag --rule (did you mean --rules?)"},
		{"unknown flag far from all", []string{"--zzzzzzzz"}, "unknown flag --zzzzzzzz"},
		{"missing value", []string{"in", "--rules"}, "flag --rules needs a value"},
		{"bad value", []string{"--max-body", "ten"}, `invalid value "ten" for --max-body`},
		{"bad bool value", []string{"--watch=maybe"}, `invalid value "maybe" for --watch`},
		{"triple dash", []string{"---rules", "x"}, "bad flag syntax: ---rules"},
		{"help long", []string{"in", "--help", "--bogus"}, ""},
		{"help short", []string{"-h"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f testFlags
			_, err := Parse(newFS(&f), tc.args)
			if tc.want == "" {
				if !errors.Is(err, ErrHelp) {
					t.Fatalf("err = %v, want ErrHelp", err)
				}
				return
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v (%T), want *UsageError", err, err)
			}
			if !strings.Contains(ue.Error(), tc.want) {
				t.Errorf("message %q does not contain %q", ue.Error(), tc.want)
			}
		})
	}
}

func TestCommandParseExitCodes(t *testing.T) {
	var f testFlags
	c := &Command{Name: "streamalert run", Usage: "usage: streamalert run [flags] [INPUT...]\n", Flags: newFS(&f)}

	var out, errOut bytes.Buffer
	_, code, ok := c.Parse([]string{"x", "--help"}, &out, &errOut)
	if ok || code != ExitOK {
		t.Fatalf("--help: ok=%v code=%d, want false 0", ok, code)
	}
	for _, want := range []string{"usage: streamalert run", "--rules DIR", "rules DIR", "--drain-timeout DURATION", "(default 1s)", "-h, --help"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
	if errOut.Len() != 0 {
		t.Errorf("help wrote to stderr: %q", errOut.String())
	}

	out.Reset()
	errOut.Reset()
	_, code, ok = c.Parse([]string{"--rulez", "r"}, &out, &errOut)
	if ok || code != ExitUsage {
		t.Fatalf("unknown flag: ok=%v code=%d, want false 2", ok, code)
	}
	msg := errOut.String()
	if !strings.Contains(msg, "streamalert run: unknown flag --rulez (did you mean --rules?)") {
		t.Errorf("stderr = %q", msg)
	}
	// Only the problem and a pointer to --help, not the flag list.
	if strings.Contains(msg, "--drain-timeout") || strings.Count(msg, "\n") != 2 {
		t.Errorf("unknown flag dumped more than the problem:\n%s", msg)
	}
	if out.Len() != 0 {
		t.Errorf("usage error wrote to stdout: %q", out.String())
	}
}

func TestVersionOf(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.99", Path: "example.com/m/cmd/x",
		Main:     debug.Module{Path: "example.com/m", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}}}
	got := versionOf("ruleck", bi, true)
	want := "ruleck example.com/m v1.2.3 (revision abc123, modified, 2026-01-02T03:04:05Z) go1.99"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	got = versionOf("ruleck", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Path: "example.com/m"}}, true)
	if want := "ruleck example.com/m (devel) (revision unknown) go1.99"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := versionOf("ruleck", nil, false); !strings.HasPrefix(got, "ruleck (no build information) go") {
		t.Errorf("got %q", got)
	}
	// The real build information of this test binary names the module.
	if got := Version("x"); !strings.Contains(got, "github.com/streamalert-go/streamalert") {
		t.Errorf("Version() = %q, want the module path", got)
	}
}

func TestUnknownCommand(t *testing.T) {
	cmds := []string{"run", "classify", "output"}
	for in, want := range map[string]string{
		"rnu":      `unknown command "rnu" (did you mean "run"?)`,
		"clasify":  `unknown command "clasify" (did you mean "classify"?)`,
		"zzzzzzzz": `unknown command "zzzzzzzz"`,
		"--rules":  `unknown flag --rules (flags go after the command; try --help)`,
	} {
		if got := UnknownCommand(in, cmds); got != want {
			t.Errorf("UnknownCommand(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParse: any argument list parses or fails with ErrHelp or a
// *UsageError, never a panic; positional arguments keep their order.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"examples/logs\x00--rules\x00rules.d", "--rules=\x00-", "--\x00--watch", "---x", "-=", "--max-body\x00-1", "--watch=maybe", "-h"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		var tf testFlags
		rest, err := Parse(newFS(&tf), args)
		if err != nil {
			var ue *UsageError
			if !errors.Is(err, ErrHelp) && !errors.As(err, &ue) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		// Every positional argument is one of the arguments, in order.
		j := 0
		for _, r := range rest {
			for j < len(args) && args[j] != r {
				j++
			}
			if j == len(args) {
				t.Fatalf("positional %q not among %q in order", r, args)
			}
			j++
		}
	})
}
