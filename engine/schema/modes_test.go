package schema

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestJSONIsNotText: a JSON document is never read by the csv, kv or syslog
// parsers, even when its text would split into the right number of columns.
func TestJSONIsNotText(t *testing.T) {
	set, diags := Load(fstest.MapFS{"s.yaml": {Data: []byte(`
text:csv:
  parser: csv
  schema: {a: string, b: string}
`)}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := NewClassifier(set)
	if _, err := c.Classify([]byte(`{"x": 1, "y": 2}`), nil); err == nil || !strings.Contains(err.Error(), "a JSON document, not csv text") {
		t.Errorf("JSON object as csv: err = %v", err)
	}
	if recs, err := c.Classify([]byte(`one,two`), nil); err != nil || recs[0].Data["b"] != "two" {
		t.Errorf("csv line: %v %v", recs, err)
	}
	// A line that only starts like JSON is still text.
	if recs, err := c.Classify([]byte(`{not json,two`), nil); err != nil || recs[0].Data["a"] != "{not json" {
		t.Errorf("csv line starting with {: %v %v", recs, err)
	}
}

// TestReasonNamesClosest: the fast first pass stops at the first problem,
// yet the error still names the candidate with the fewest problems and
// describes them all.
func TestReasonNamesClosest(t *testing.T) {
	set, diags := Load(fstest.MapFS{"s.yaml": {Data: []byte(`
a:one:
  parser: json
  schema: {k1: string, k2: string, k3: string}
a:two:
  parser: json
  schema: {k1: string, z1: integer, z2: integer, z3: integer}
`)}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, err := NewClassifier(set).Classify([]byte(`{"k1": "x", "k2": "y", "k4": 1}`), nil)
	want := `no schema matched: closest a:one: missing key "k3", extra key "k4"`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
