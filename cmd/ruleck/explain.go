package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/bundle"
	"github.com/streamalert-go/streamalert/engine/explain"
	"github.com/streamalert-go/streamalert/engine/payload"
)

const explainUsage = `usage: ruleck explain [flags] RECORD_FILE

For each record of RECORD_FILE (read as streamalert run reads a file: gzip
detected, one JSON document, JSON lines or text lines), prints where it came
from (FILE:LINE), the log type it classified as (or, for each candidate log
type, why it did not fit), and for every rule of that type (or --rule NAME)
whether it fired and why not: its req_subkeys, its matchers and every
clause of its condition with the value it evaluated to.

The rules are loaded as streamalert run loads them; a ruleset that does not
lint is refused with its diagnostics. Exit 0 explained, 1 no record (or no
record classified), 2 usage, I/O or ruleset error.
`

// runExplain is `ruleck explain`.
func runExplain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ruleck explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rulesDir := fs.String("rules", "", "`DIR` of rule and library files (default: the embedded rules.d)")
	schemaDir := fs.String("schemas", "", "`DIR` of schema files (default: the embedded schemas)")
	ruleName := fs.String("rule", "", "explain only the rule `NAME` (enabled or not, even when it does not apply to the record's log type)")
	format := fs.String("format", "text", "output `FORMAT`: text or json (one object a record, a line each)")
	c := &cli.Command{Name: "ruleck explain", Usage: explainUsage, Flags: fs}
	rest, code, ok := c.Parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		return c.Fail(stderr, fmt.Sprintf("--format must be text or json, not %q", *format))
	}
	switch len(rest) {
	case 0:
		return c.Fail(stderr, "no RECORD_FILE given")
	case 1:
	default:
		return c.Fail(stderr, fmt.Sprintf("one RECORD_FILE, not %d", len(rest)))
	}
	file := rest[0]
	for _, d := range []struct{ flag, dir string }{{"--rules", *rulesDir}, {"--schemas", *schemaDir}} {
		if d.dir == "" {
			continue
		}
		if st, err := os.Stat(d.dir); err != nil {
			fmt.Fprintf(stderr, "ruleck explain: %s: %v\n", d.flag, err)
			return exitUsage
		} else if !st.IsDir() {
			fmt.Fprintf(stderr, "ruleck explain: %s %s: not a folder\n", d.flag, d.dir)
			return exitUsage
		}
	}
	b, diags := bundle.Load(bundle.Options{Schemas: explainTree(*schemaDir), Rules: explainTree(*rulesDir)})
	if b == nil {
		diags.WriteText(stderr)
		fmt.Fprintf(stderr, "ruleck explain: the rules do not load (%d errors); fix them (ruleck lint) first\n", len(diags.Errors()))
		return exitUsage
	}
	x, err := explain.New(b)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck explain: %v\n", err)
		return exitUsage
	}
	if *ruleName != "" {
		if err := x.CheckRule(*ruleName); err != nil {
			return c.Fail(stderr, "--rule: "+err.Error())
		}
	}
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck explain: %v\n", err)
		return exitUsage
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		fmt.Fprintf(stderr, "ruleck explain: %s: a folder, not a record file\n", file)
		return exitUsage
	}
	prefix := "rules.d (embedded)/"
	if *rulesDir != "" {
		prefix = filepath.ToSlash(filepath.Clean(*rulesDir)) + "/"
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var records, classified, fired int
	opts := explain.Options{Rule: *ruleName, Source: engine.Source{Service: "file", Entity: file}, FilePrefix: prefix}
	err = payload.Read(f, payload.Options{}, func(raw payload.Raw) error {
		opts.Location = file // the file is one JSON document
		if raw.Line > 0 {
			opts.Location = fmt.Sprintf("%s:%d", file, raw.Line)
		}
		var reps []explain.RecordReport
		if raw.Err != nil {
			reps = []explain.RecordReport{{Source: opts.Location, Error: raw.Err.Error(), Rules: []explain.RuleReport{}}}
		} else if reps, err = x.Record(raw.Data, opts); err != nil {
			return err
		}
		for _, rep := range reps {
			records++
			if rep.LogType != "" {
				classified++
			}
			for _, rr := range rep.Rules {
				if rr.Fired {
					fired++
				}
			}
			if *format == "json" {
				if err := enc.Encode(rep); err != nil {
					return err
				}
				continue
			}
			if records > 1 {
				out.WriteString("\n")
			}
			if err := rep.WriteText(out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		out.Flush()
		if errors.Is(err, explain.ErrUnknownRule) {
			return c.Fail(stderr, err.Error())
		}
		fmt.Fprintf(stderr, "ruleck explain: %s: %v\n", file, err)
		return exitUsage
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "ruleck explain: %v\n", err)
		return exitUsage
	}
	switch {
	case records == 0:
		fmt.Fprintf(stderr, "ruleck explain: %s: no records\n", file)
		return exitProblems
	case classified == 0:
		fmt.Fprintf(stderr, "ruleck explain: %d records, none classified\n", records)
		return exitProblems
	}
	fmt.Fprintf(stderr, "ruleck explain: %d records, %d classified, %d rules fired\n", records, classified, fired)
	return exitOK
}

// explainTree is a --rules or --schemas folder as a bundle.Tree ("" is the
// embedded defaults), its diagnostics named as the user wrote the folder.
func explainTree(dir string) bundle.Tree {
	if dir == "" {
		return bundle.Tree{}
	}
	return bundle.Tree{FS: os.DirFS(dir), Prefix: filepath.ToSlash(filepath.Clean(dir)) + "/"}
}
