package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeadLetterKeepsWhatWasNotJudged: the dead-letter file gets every
// record that did not classify, and every record a rule failed on (with the
// rule), while the other rules still alert on it.
func TestDeadLetterKeepsWhatWasNotJudged(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{
		"broken.yaml": "name: broken\nlog_types: [test:event]\ncondition: record.kind == 'x' || record.n % (record.n - record.n) == 0\n",
		"fine.yaml":   testRule("fine", "boom"),
	})
	dir := t.TempDir()
	in, dl := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "dead.jsonl")
	writeFile(t, in, `{"kind":"boom","user":"u","n":1}`+"\n"+`not json at all`+"\n")
	var stdout, stderr syncBuffer
	if code := run(t.Context(), []string{"run", "--rules", rules, "--schemas", schemas, "--dead-letter", dl, in}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"rule_name":"fine"`) {
		t.Errorf("the working rule did not alert:\n%s", stdout.String())
	}
	data, err := os.ReadFile(dl)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("dead-letter line %q: %v", line, err)
		}
		got = append(got, m)
	}
	if len(got) != 2 {
		t.Fatalf("dead letters = %d, want 2:\n%s", len(got), data)
	}
	if got[0]["rule"] != "broken" || got[0]["raw"] != `{"kind":"boom","user":"u","n":1}` || got[0]["line"] != 1.0 ||
		!strings.Contains(got[0]["reason"].(string), "divide by zero") {
		t.Errorf("rule-error dead letter = %v", got[0])
	}
	if got[1]["rule"] != nil || got[1]["raw"] != "not json at all" || !strings.Contains(got[1]["reason"].(string), "not valid JSON") {
		t.Errorf("unclassified dead letter = %v", got[1])
	}
	if !strings.Contains(stderr.String(), "1 rule errors") {
		t.Errorf("summary:\n%s", stderr.String())
	}
}

// TestDeadLetterFileThatCannotBeWrittenIsLoud: a dead-letter file that fails
// to take a record (a full disk) is an error naming it, exit 2, and the
// summary is still printed.
func TestDeadLetterFileThatCannotBeWrittenIsLoud(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	in := filepath.Join(t.TempDir(), "in.log")
	if err := os.WriteFile(in, []byte("not a log line of any type\x01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"run", "--dead-letter", "/dev/full", in}, strings.NewReader(""), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "dead-letter file: write /dev/full") || !strings.Contains(stderr.String(), "1 unclassified") {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
}
