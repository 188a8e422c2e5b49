package schema

import (
	"reflect"
	"strings"
	"testing"
)

// TestCSVHeaderLine: a header_line type names its columns from the record's
// first line (package payload joins a flow log file's header to each line),
// in any order and subset; null_value leaves a column out.
func TestCSVHeaderLine(t *testing.T) {
	set := loadString(t, "h.yaml", `
flow:custom:
  parser: csv
  schema: {version: integer, account_id: string, srcaddr: string, srcport: integer, action: string}
  configuration:
    delimiter: " "
    header_line: true
    null_value: "-"
    optional_top_level_keys: [version, account_id, srcaddr, srcport, action]
flow:fixed:
  parser: csv
  schema: {a: string, b: integer}
  configuration: {delimiter: " ", null_value: "-", optional_top_level_keys: [b]}
`)
	c := NewClassifier(set)
	custom, _ := set.Resolve([]string{"flow:custom"})
	tests := []struct {
		name, raw string
		want      map[string]any // nil: no match, reason holds err
		err       string
	}{
		{"any order and subset", "srcport srcaddr action\n22 10.0.0.1 ACCEPT",
			map[string]any{"srcport": int64(22), "srcaddr": "10.0.0.1", "action": "ACCEPT"}, ""},
		{"dashes become underscores, - is left out", "version account-id srcaddr\n2 123456789010 -",
			map[string]any{"version": int64(2), "account_id": "123456789010"}, ""},
		{"undeclared column", "version bytes\n2 10", nil, `extra key "bytes"`},
		{"column count", "version srcaddr\n2", nil, "CSV has 1 columns, its header names 2"},
		{"no header", "2 10.0.0.1", nil, "no header line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := c.Classify([]byte(tc.raw), custom)
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, %v; want error with %q", recs, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(recs[0].Data, tc.want) {
				t.Errorf("got %#v, want %#v", recs[0].Data, tc.want)
			}
		})
	}
	fixed, _ := set.Resolve([]string{"flow:fixed"})
	recs, err := c.Classify([]byte("x -"), fixed)
	if err != nil || !reflect.DeepEqual(recs[0].Data, map[string]any{"a": "x"}) {
		t.Errorf("null_value without a header: %v, %v", recs, err)
	}
}
