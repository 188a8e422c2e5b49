package lint

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/schema"
)

// TestMergeKeysOnOpenTypes: merge_by_keys may name a field a type that keeps
// undeclared keys does not declare (the vendor may send it); on a closed type
// it is still an error.
func TestMergeKeysOnOpenTypes(t *testing.T) {
	schemas := fstest.MapFS{"s.yaml": {Data: []byte(`open:one:
  parser: json
  schema: {name: string, detail: {id: string}}
  configuration: {undeclared_keys: keep}
closed:one:
  parser: json
  schema: {name: string, detail: {id: string}}
`)}}
	set, diags := schema.Load(schemas)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, tc := range []struct {
		logType string
		wantErr bool
	}{{"open:one", false}, {"closed:one", true}} {
		rules := fstest.MapFS{"r.yaml": {Data: []byte(`name: r
description: d
log_types: [` + tc.logType + `]
condition: record.name == "x"
severity: low
merge_by_keys: [detail.host]
merge_window: 5m
`)}}
		ds := Check(rules, Options{Schemas: set})
		got := false
		for _, d := range ds.Errors() {
			if d.Code == "unknown-field" && strings.Contains(d.Message, "detail.host") {
				got = true
			}
		}
		if got != tc.wantErr {
			t.Errorf("%s: unknown-field for detail.host = %v, want %v (%v)", tc.logType, got, tc.wantErr, ds)
		}
	}
}
