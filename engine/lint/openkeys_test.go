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

// TestMergeKeyWithDotsIsATopLevelKey: Zeek's "id.orig_h" is one top-level
// key; merge_by_keys may name it (the merger tries the key as it is first).
func TestMergeKeyWithDotsIsATopLevelKey(t *testing.T) {
	set, diags := schema.Load(fstest.MapFS{"s.yaml": {Data: []byte("z:conn:\n  parser: json\n  schema: {\"id.orig_h\": string, uid: string}\n")}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rules := fstest.MapFS{"r.yaml": {Data: []byte("name: r\ndescription: d\nlog_types: [z:conn]\ncondition: record.uid != \"\"\nseverity: low\nmerge_by_keys: [id.orig_h]\nmerge_window: 5m\n")}}
	if ds := Check(rules, Options{Schemas: set}); ds.HasErrors() {
		t.Fatalf("a dotted top-level merge key was refused: %v", ds)
	}
}
