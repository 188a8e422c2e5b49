package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/rule"
)

// lintFormats are the values of `ruleck lint --format`.
var lintFormats = []string{"text", "json", "sarif", "github"}

// runLint is `ruleck lint`: every problem of the rule set on stdout (text,
// JSON, SARIF or GitHub workflow commands), a one-line summary on stderr.
// Warnings fail only with --strict; a set without a single rule fails too,
// since nothing was checked.
func runLint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	schemaDir := fs.String("schemas", "", "folder of schema files (default: the embedded schemas)")
	configFile := fs.String("config", "", "streamalert.yaml declaring outputs (outputs are not checked without it)")
	format := fs.String("format", "text", "output format: "+strings.Join(lintFormats, ", "))
	strict := fs.Bool("strict", false, "fail on warnings too")
	paths, exit, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return exit
	}
	if !slices.Contains(lintFormats, *format) {
		fmt.Fprintf(stderr, "ruleck lint: --format must be one of %s, not %q\n", strings.Join(lintFormats, ", "), *format)
		return exitUsage
	}
	rf, err := readRuleFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck lint: %v\n", err)
		return exitUsage
	}
	set, diags, err := loadSchemas(*schemaDir)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck lint: %v\n", err)
		return exitUsage
	}
	cfg, cdiags, err := loadConfig(*configFile)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck lint: %v\n", err)
		return exitUsage
	}
	diags.Add(cdiags...)
	rules := 0
	if !diags.HasErrors() {
		ds := lint.Check(rf.fsys, lint.Options{Schemas: set, Config: cfg})
		rf.relabel(ds)
		diags.Add(ds...)
		lib, _ := rule.Parse(rf.fsys)
		rules = len(lib.Rules)
	}
	diags.Sort()
	switch *format {
	case "json":
		err = diags.WriteJSON(stdout)
	case "sarif":
		err = diags.WriteSARIF(stdout, diag.SARIFTool{Name: "ruleck", Version: toolVersion(), InformationURI: infoURI})
	case "github":
		err = diags.WriteGitHub(stdout)
	default:
		err = diags.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ruleck lint: %v\n", err)
		return exitUsage
	}
	errs := len(diags.Errors())
	warns := len(diags) - errs
	if rules == 0 && errs == 0 {
		fmt.Fprintf(stderr, "ruleck lint: no rules found in %s: nothing was checked\n", strings.Join(rf.args, ", "))
		return exitProblems
	}
	fmt.Fprintf(stderr, "ruleck lint: %s, %s: %s, %s\n",
		plural(len(rf.yaml), "file"), plural(rules, "rule"), plural(errs, "error"), plural(warns, "warning"))
	if errs > 0 || (*strict && warns > 0) {
		return exitProblems
	}
	return exitOK
}

// infoURI is where ruleck is documented, for SARIF readers.
const infoURI = "https://github.com/streamalert-go/streamalert#writing-and-checking-rules-ruleck"

// toolVersion is the main module's version from the build info ("" when
// unknown, e.g. in tests or a build from a work tree).
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return ""
}

// plural formats n and a noun, "1 rule" or "2 rules".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// printDiags writes diagnostics as text and reports whether any is an error.
func printDiags(w io.Writer, ds diag.List) bool {
	ds.Sort()
	ds.WriteText(w)
	return ds.HasErrors()
}
