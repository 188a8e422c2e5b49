package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
)

// runLint is `ruleck lint`: every problem of the rule set, text on stderr or
// one JSON document on stdout. Warnings fail only with --strict.
func runLint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	schemaDir := fs.String("schemas", "", "folder of schema files (default: the embedded schemas)")
	configFile := fs.String("config", "", "streamalert.yaml declaring outputs (outputs are not checked without it)")
	format := fs.String("format", "text", "output format: text or json")
	strict := fs.Bool("strict", false, "fail on warnings too")
	paths, exit, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return exit
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "ruleck lint: --format must be text or json, not %q\n", *format)
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
	if !diags.HasErrors() {
		ds := lint.Check(rf.fsys, lint.Options{Schemas: set, Config: cfg})
		rf.relabel(ds)
		diags.Add(ds...)
	}
	diags.Sort()
	if *format == "json" {
		if err := diags.WriteJSON(stdout); err != nil {
			fmt.Fprintf(stderr, "ruleck lint: %v\n", err)
			return exitUsage
		}
	} else if err := diags.WriteText(stderr); err != nil {
		return exitUsage
	}
	if diags.HasErrors() || (*strict && len(diags) > 0) {
		return exitProblems
	}
	return exitOK
}

// printDiags writes diagnostics as text and reports whether any is an error.
func printDiags(w io.Writer, ds diag.List) bool {
	ds.Sort()
	ds.WriteText(w)
	return ds.HasErrors()
}
