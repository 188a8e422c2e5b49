package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/examples.golden from the current output")

// TestExamples runs `streamalert run examples/logs/` (the README's first
// command) with the embedded rules and
// schemas and compares the set of (rule_name, source_entity) pairs with
// testdata/examples.golden (refresh with -update, then read the diff).
func TestExamples(t *testing.T) {
	examples := filepath.Join("..", "..", "examples", "logs")
	if _, err := os.Stat(examples); err != nil {
		t.Fatalf("examples/logs: %v", err)
	}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"run", examples}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), ", 0 rule errors") || !strings.Contains(stderr.String(), " 0 unclassified") {
		t.Errorf("rule errors or unclassified records on the examples:\n%s", stderr.String())
	}
	seen := map[string]bool{}
	var summaries []string
	for _, line := range bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n")) {
		var a struct {
			Rule   string `json:"rule_name"`
			Entity string `json:"source_entity"`
			Record struct {
				AlertCount *int            `json:"AlertCount"`
				MergedBy   json.RawMessage `json:"MergedBy"`
			} `json:"record"`
		}
		if err := json.Unmarshal(line, &a); err != nil {
			t.Fatalf("alert line %q: %v", line, err)
		}
		if a.Record.AlertCount != nil {
			summaries = append(summaries, fmt.Sprintf("%s\tAlertCount %d\tMergedBy %s", a.Rule, *a.Record.AlertCount, a.Record.MergedBy))
		}
		// Entities relative to the repository root, whatever the cwd.
		entity := filepath.ToSlash(a.Entity)
		if i := strings.Index(entity, "examples/"); i >= 0 {
			entity = entity[i:]
		}
		seen[a.Rule+"\t"+entity] = true
	}
	var got []string
	for k := range seen {
		got = append(got, k)
	}
	slices.Sort(got)
	text := strings.Join(got, "\n") + "\n"

	// The merge summaries the shipped merging rules send (the first alert
	// of each group is among the alerts above): a golden of their counts.
	slices.Sort(summaries)
	checkGolden(t, filepath.Join("testdata", "examples.summaries.golden"), strings.Join(summaries, "\n")+"\n")

	checkGolden(t, filepath.Join("testdata", "examples.golden"), text)
}

// checkGolden compares text, sorted lines, with the golden file (rewritten
// with -update) and reports each line missing or unexpected.
func checkGolden(t *testing.T, golden, text string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) == text {
		return
	}
	got, wantSet := strings.Split(strings.TrimSpace(text), "\n"), strings.Split(strings.TrimSpace(string(want)), "\n")
	for _, g := range got {
		if !slices.Contains(wantSet, g) {
			t.Errorf("%s: unexpected: %s", golden, g)
		}
	}
	for _, w := range wantSet {
		if !slices.Contains(got, w) {
			t.Errorf("%s: missing: %s", golden, w)
		}
	}
}
