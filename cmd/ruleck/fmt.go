package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/streamalert-go/streamalert/engine/lint"
)

// runFmt is `ruleck fmt`: the canonical layout of every rule and library
// file. Without -w it lists the files that differ and exits 1 if any; with
// --diff it prints a unified diff of each instead (exit 1 when any differs);
// with -w it rewrites them (exit 0).
func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	write := fs.Bool("w", false, "rewrite files in place")
	showDiff := fs.Bool("diff", false, "print a unified diff of the changes instead of the file names")
	paths, exit, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return exit
	}
	if *write && *showDiff {
		fmt.Fprintln(stderr, "ruleck fmt: -w and --diff do not go together")
		return exitUsage
	}
	rf, err := readRuleFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck fmt: %v\n", err)
		return exitUsage
	}
	code := exitOK
	for _, key := range rf.yaml {
		file := rf.show(key)
		src := rf.fsys[key].Data
		out, err := lint.Format(src)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", file, err)
			code = max(code, exitProblems)
			continue
		}
		if bytes.Equal(out, src) {
			continue
		}
		if *showDiff {
			stdout.Write(diff.Diff(file+".orig", src, file, out))
			code = max(code, exitProblems)
			continue
		}
		if !*write {
			fmt.Fprintln(stdout, file)
			code = max(code, exitProblems)
			continue
		}
		mode := os.FileMode(0o644)
		if st, err := os.Stat(file); err == nil {
			mode = st.Mode().Perm()
		}
		if err := os.WriteFile(file, out, mode); err != nil {
			fmt.Fprintf(stderr, "ruleck fmt: %v\n", err)
			code = exitUsage
		}
	}
	return code
}
