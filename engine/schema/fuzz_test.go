package schema

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzClassifyJSON classifies arbitrary bytes against the test schemas plus
// a schema using every configuration key: it must never panic, and it
// returns records or a *ClassifyError, never both nor neither.
func FuzzClassifyJSON(f *testing.F) {
	f.Add([]byte(osqueryDiff))
	f.Add([]byte(cloudtrailDoc))
	f.Add([]byte(`{"outer":"x","events":[{"msg":"{\"a\":1}"}],"blob":"pre {\"a\": 2} post"}`))
	f.Add([]byte(`[{"a":1},{"a":"x"}]`))
	f.Add([]byte(`{"a":1e999}`))
	files, _ := filepath.Glob("testdata/schemas/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	set := testSet(f)
	extra := loadString(f, "x.yaml", `
fz:embedded:
  parser: json
  schema: {a: integer}
  configuration:
    json_path: "events[*].msg"
    embedded_json: true
    envelope_keys: {outer: string, blob: string}
    optional_envelope_keys: [blob]
fz:regex:
  parser: json
  schema: {a: float}
  configuration:
    json_regex_key: blob
    log_patterns: {a: "[0-9]*"}
fz:list:
  parser: json
  schema: {a: boolean}
  configuration:
    json_path: "[*]"
    normalization: {n: [a]}
`)
	cands := append(set.Types(), extra.Types()...)
	c := NewClassifier(set)
	f.Fuzz(func(t *testing.T, raw []byte) {
		recs, err := c.Classify(raw, cands)
		var ce *ClassifyError
		switch {
		case err != nil && !errors.As(err, &ce):
			t.Fatalf("error %T %v is not a *ClassifyError", err, err)
		case err != nil && recs != nil, err == nil && len(recs) == 0:
			t.Fatalf("records %v with error %v", recs, err)
		}
	})
}
