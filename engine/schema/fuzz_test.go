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
fz:open:
  parser: json
  schema: {a: integer, m: {b: float}}
  configuration:
    json_path: "@[*] || [@]"
    undeclared_keys: keep
    optional_top_level_keys: [m]
fz:header:
  parser: csv
  schema: {a: integer, b_c: string}
  configuration: {delimiter: " ", header_line: true, null_value: "-", undeclared_keys: keep, optional_top_level_keys: [a]}
fz:audit:
  parser: kv
  schema: {type: string, msg: string}
  configuration: {undeclared_keys: keep}
`)
	f.Add([]byte("a b_c x\n1 - y"))
	f.Add([]byte("type=SYSCALL msg=audit(1.2:3): arch=c000003e key=\"k\"\x1dARCH=x86_64 SADDR={ a=b }"))
	f.Add([]byte(`[{"a":1,"x":{"y":2}},{"a":"2","m":{"b":"3","z":[]}}]`))
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
