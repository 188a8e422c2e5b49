package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// caseResult is one test case's outcome, from a rule's tests or from a
// StreamAlert test-event file.
type caseResult struct {
	name   string // "rule/description" or "file[i]/description"
	suite  string // the rule's name, or the event file
	desc   string // the case's description (or its index in an event file)
	file   string // the file it is written in, as the user names it
	pos    string
	passed bool
	detail []string // why it failed, one "key: value" a line
	skip   string   // why it was not run ("" when it ran)
}

// status is "pass", "fail" or "skip".
func (cr caseResult) status() string {
	switch {
	case cr.skip != "":
		return "skip"
	case cr.passed:
		return "pass"
	}
	return "fail"
}

// runTest is `ruleck test`: runs every rule's tests and every StreamAlert
// test-event file, `ok`/`FAIL` per file like go test, then "N passed, N
// failed" (or one JSON document with --format json; --junit FILE also writes
// JUnit XML). Running no test case at all (no rules, --run matching none,
// rules without tests) is a failure, never a pass.
func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	schemaDir := fs.String("schemas", "", "folder of schema files (default: the embedded schemas)")
	runPat := fs.String("run", "", "run only the tests of rules (or rule/description) matching this regexp")
	verbose := fs.Bool("v", false, "print every test case")
	format := fs.String("format", "text", "output format: text or json")
	junitFile := fs.String("junit", "", "also write the results as JUnit XML to this file")
	paths, exit, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return exit
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "ruleck test: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	var runRE *regexp.Regexp
	if *runPat != "" {
		var err error
		if runRE, err = regexp.Compile(*runPat); err != nil {
			fmt.Fprintf(stderr, "ruleck test: --run: %v\n", err)
			return exitUsage
		}
	}
	rf, err := readRuleFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck test: %v\n", err)
		return exitUsage
	}
	set, diags, err := loadSchemas(*schemaDir)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck test: %v\n", err)
		return exitUsage
	}
	if printDiags(stderr, diags.Errors()) {
		return exitProblems
	}
	var runErrs []engine.RuleError
	// The rules are loaded as they go live (lint.Load): tests of a rule set
	// that could not be deployed do not pass.
	rs, ds := lint.Load(rf.fsys, lint.Options{Schemas: set, Build: engine.Options{
		OnRuleError:   func(e engine.RuleError) { runErrs = append(runErrs, e) },
		ErrorInterval: time.Nanosecond,
	}})
	rf.relabel(ds)
	if printDiags(stderr, ds.Errors()) || rs == nil {
		return exitProblems
	}
	if len(rs.Rules()) == 0 {
		fmt.Fprintf(stderr, "ruleck test: no rules found in %s: nothing was tested\n", strings.Join(rf.args, ", "))
		return exitProblems
	}
	selected := func(names ...string) bool {
		if runRE == nil {
			return true
		}
		return slices.ContainsFunc(names, runRE.MatchString)
	}
	if runRE != nil && !slices.ContainsFunc(rs.Rules(), func(r *rule.Rule) bool { return runRE.MatchString(r.Name) }) &&
		!slices.ContainsFunc(rs.Tests(), func(tc engine.TestCase) bool { return runRE.MatchString(tc.Rule.Name + "/" + tc.Test.Description) }) {
		fmt.Fprintf(stderr, "ruleck test: --run %q matches no rule\n", *runPat)
		return exitProblems
	}

	byFile := map[string][]caseResult{}
	c := schema.NewClassifier(set)
	tests := rs.Tests()
	testByPos := map[diag.Pos]engine.TestCase{}
	for _, tc := range tests {
		testByPos[tc.Test.Pos] = tc
	}
	for _, r := range rs.RunTests(c) {
		if !selected(r.Rule, r.Rule+"/"+r.Description) {
			continue
		}
		file := rf.show(r.File)
		cr := caseResult{name: r.Rule + "/" + r.Description, suite: r.Rule, desc: r.Description, file: file,
			pos: rf.show(r.Pos.File) + r.Pos.String()[len(r.Pos.File):], passed: r.Passed()}
		if !cr.passed {
			if r.LogType != "" {
				cr.detail = append(cr.detail, "log type: "+r.LogType)
			}
			if tc, ok := testByPos[r.Pos]; ok {
				if tc.Test.HasRaw {
					cr.detail = append(cr.detail, "raw:      "+tc.Test.Raw)
				} else {
					cr.detail = append(cr.detail, "record:   "+compactJSON(tc.Test.Record))
				}
			}
			cr.detail = append(cr.detail, fmt.Sprintf("want:     trigger %v", r.Expected))
			if r.Err == nil {
				cr.detail = append(cr.detail, fmt.Sprintf("got:      trigger %v", r.Actual))
			} else {
				cr.detail = append(cr.detail, "error:    "+r.Err.Error())
			}
		}
		byFile[file] = append(byFile[file], cr)
	}
	for _, key := range rf.events {
		if ctx.Err() != nil {
			break
		}
		file := rf.show(key)
		results, isEvents, err := runEvents(rs, set, file, rf.fsys[key].Data, selected, &runErrs)
		if !isEvents {
			continue
		}
		if err != nil {
			byFile[file] = append(byFile[file], caseResult{name: file, suite: file, desc: "parse", file: file, pos: file, detail: []string{"error:    " + err.Error()}})
			continue
		}
		byFile[file] = append(byFile[file], results...)
	}

	files := make([]string, 0, len(byFile))
	for f := range byFile {
		files = append(files, f)
	}
	slices.Sort(files)
	var all []caseResult
	for _, f := range files {
		all = append(all, byFile[f]...)
	}
	passed, failed, skipped := 0, 0, 0
	for _, cr := range all {
		switch cr.status() {
		case "pass":
			passed++
		case "fail":
			failed++
		default:
			skipped++
		}
	}
	if *format == "json" {
		err = writeTestJSON(stdout, all, passed, failed, skipped)
	} else {
		err = writeTestText(stdout, files, byFile, *verbose, passed, failed, skipped)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ruleck test: %v\n", err)
		return exitUsage
	}
	if *junitFile != "" {
		if err := writeJUnitFile(*junitFile, files, byFile); err != nil {
			fmt.Fprintf(stderr, "ruleck test: --junit: %v\n", err)
			return exitUsage
		}
	}
	if failed > 0 {
		return exitProblems
	}
	if passed == 0 {
		fmt.Fprintf(stderr, "ruleck test: no test case ran: give every rule tests (see ruleck lint's no-tests and weak-tests)\n")
		return exitProblems
	}
	return exitOK
}

// writeTestText prints results like go test: FAIL (and with -v every) case,
// an ok/FAIL line per file, then the counts alone on the last line.
func writeTestText(w io.Writer, files []string, byFile map[string][]caseResult, verbose bool, passed, failed, skipped int) error {
	bw := bufio.NewWriter(w)
	for _, f := range files {
		fileFailed := false
		for _, cr := range byFile[f] {
			if verbose {
				fmt.Fprintf(bw, "=== RUN   %s\n", cr.name)
			}
			switch cr.status() {
			case "skip":
				fmt.Fprintf(bw, "--- SKIP: %s (%s)\n    %s\n", cr.name, cr.pos, cr.skip)
			case "pass":
				if verbose {
					fmt.Fprintf(bw, "--- PASS: %s (%s)\n", cr.name, cr.pos)
				}
			default:
				fileFailed = true
				fmt.Fprintf(bw, "--- FAIL: %s (%s)\n", cr.name, cr.pos)
				for _, d := range cr.detail {
					fmt.Fprintf(bw, "    %s\n", d)
				}
			}
		}
		if fileFailed {
			fmt.Fprintf(bw, "FAIL %s\n", f)
		} else {
			fmt.Fprintf(bw, "ok  %s\n", f)
		}
	}
	if skipped > 0 {
		fmt.Fprintf(bw, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	} else {
		fmt.Fprintf(bw, "%d passed, %d failed\n", passed, failed)
	}
	return bw.Flush()
}

// testJSON is the document of `ruleck test --format json`.
type testJSON struct {
	Results []testCaseJSON `json:"results"`
	Passed  int            `json:"passed"`
	Failed  int            `json:"failed"`
	Skipped int            `json:"skipped"`
}

type testCaseJSON struct {
	Name        string   `json:"name"`
	Rule        string   `json:"rule,omitempty"`
	Description string   `json:"description"`
	File        string   `json:"file"`
	Pos         string   `json:"pos"`
	Status      string   `json:"status"`
	Detail      []string `json:"detail,omitempty"`
	Skip        string   `json:"skip_reason,omitempty"`
}

func writeTestJSON(w io.Writer, all []caseResult, passed, failed, skipped int) error {
	doc := testJSON{Results: []testCaseJSON{}, Passed: passed, Failed: failed, Skipped: skipped}
	for _, cr := range all {
		tc := testCaseJSON{Name: cr.name, Description: cr.desc, File: cr.file, Pos: cr.pos, Status: cr.status(), Skip: cr.skip}
		if cr.suite != cr.file {
			tc.Rule = cr.suite
		}
		tc.Detail = detailLines(cr.detail)
		doc.Results = append(doc.Results, tc)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// event is one StreamAlert test event (tests/integration/rules/*/*.json).
type event struct {
	Data         json.RawMessage `json:"data"`
	Override     json.RawMessage `json:"override_record"`
	Description  string          `json:"description"`
	Log          string          `json:"log"`
	Service      string          `json:"service"`
	Source       string          `json:"source"`
	TriggerRules []string        `json:"trigger_rules"`
	ClassifyOnly bool            `json:"classify_only"`
}

// parseEvents decodes a StreamAlert test-event file: an array of events (or
// the older {"records": [...]}). isEvents is false for JSON files of another
// shape, which are not test files and are skipped.
func parseEvents(data []byte) (evs []event, isEvents bool, err error) {
	var raw json.RawMessage
	if json.Unmarshal(data, &raw) != nil {
		return nil, false, nil
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var wrap struct {
			Records json.RawMessage `json:"records"`
		}
		if json.Unmarshal(trimmed, &wrap) != nil || wrap.Records == nil {
			return nil, false, nil
		}
		trimmed = wrap.Records
	}
	var items []map[string]json.RawMessage
	if json.Unmarshal(trimmed, &items) != nil || len(items) == 0 {
		return nil, false, nil
	}
	for _, it := range items {
		_, hasData := it["data"]
		_, hasOverride := it["override_record"]
		_, hasLog := it["log"]
		if !(hasData || hasOverride) || !hasLog {
			return nil, false, nil
		}
	}
	if err := json.Unmarshal(trimmed, &evs); err != nil {
		return nil, true, fmt.Errorf("test events: %w", err)
	}
	return evs, true, nil
}

// runEvents runs one StreamAlert test-event file: each event's data must
// classify as its log type, and unless classify_only the rules that fire
// must be exactly trigger_rules.
func runEvents(rs *engine.Ruleset, set *schema.Set, file string, data []byte, selected func(...string) bool, runErrs *[]engine.RuleError) ([]caseResult, bool, error) {
	evs, isEvents, err := parseEvents(data)
	if !isEvents || err != nil {
		return nil, isEvents, err
	}
	c := schema.NewClassifier(set)
	var out []caseResult
	for i, ev := range evs {
		name := fmt.Sprintf("%s[%d]", file, i)
		if ev.Description != "" {
			name += "/" + ev.Description
		}
		if !selected(append(slices.Clone(ev.TriggerRules), name)...) {
			continue
		}
		desc := ev.Description
		if desc == "" {
			desc = fmt.Sprintf("event %d", i)
		}
		cr := caseResult{name: name, suite: file, desc: desc, file: file, pos: fmt.Sprintf("%s event %d", file, i)}
		if ev.Data == nil {
			// StreamAlert's harness builds such events from a template of the
			// schema's defaults; ours does not guess values: say so, never
			// drop the event silently.
			cr.skip = "override_record events are not run: give the whole record as \"data\""
			out = append(out, cr)
			continue
		}
		raw := []byte(ev.Data)
		var s string
		if json.Unmarshal(ev.Data, &s) == nil {
			raw = []byte(s)
		}
		fail := func(format string, args ...any) {
			cr.detail = append(cr.detail, "log:      "+ev.Log, "data:     "+clip(string(raw)), fmt.Sprintf(format, args...))
		}
		cands, err := set.Resolve([]string{ev.Log})
		var recs []schema.Record
		if err == nil {
			recs, err = c.Classify(raw, cands)
		}
		switch {
		case err != nil:
			fail("error:    does not classify as %s: %v", ev.Log, err)
		case ev.ClassifyOnly:
			cr.passed = true
		default:
			*runErrs = (*runErrs)[:0]
			fired := map[string]bool{}
			for _, rec := range recs {
				for _, a := range rs.Evaluate(rec, engine.Source{Service: ev.Service, Entity: ev.Source}) {
					fired[a.RuleName] = true
				}
			}
			got := make([]string, 0, len(fired))
			for n := range fired {
				got = append(got, n)
			}
			slices.Sort(got)
			want := slices.Clone(ev.TriggerRules)
			slices.Sort(want)
			want = slices.Compact(want)
			if slices.Equal(got, want) && len(*runErrs) == 0 {
				cr.passed = true
				break
			}
			fail("want:     rules [%s]\n    got:      rules [%s]", strings.Join(want, " "), strings.Join(got, " "))
			for _, e := range *runErrs {
				cr.detail = append(cr.detail, "error:    "+e.Error())
			}
		}
		out = append(out, cr)
	}
	return out, true, nil
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
