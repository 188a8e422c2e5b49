package lint_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// TestLoadSemantics checks, through lint.Load (the one loading path), the
// datatypes rule (a missing datatype warns unless none is provided) and the
// boolean checks of conditions and matchers against the schemas.
func TestLoadSemantics(t *testing.T) {
	set, _ := loadFixtureSchemas(t)
	const tests = "tests:\n  - {description: y, record: {name: x, host: h, unixTime: 1, columns: {}, action: added}, trigger: true}\n" +
		"  - {description: n, record: {name: y, host: h, unixTime: 1, columns: {}, action: added}, trigger: false}\n"
	rule := func(head string) string { return "name: r\n" + head + "outputs: [slack:security]\n" + tests }
	cases := []struct {
		name  string
		files map[string]string
		live  bool     // the ruleset loads
		want  []string // diagnostics as text, each a substring of one line, in order
	}{
		{"one datatype missing warns, with did you mean", map[string]string{"r.yaml": rule("datatypes: [userName, fileNme]\ncondition: record.name == \"x\"\n")},
			true, []string{`r.yaml:2:23: warning: no schema provides normalized type "fileNme" (the rule still applies`}},
		{"missing datatype suggestion", map[string]string{"r.yaml": rule("datatypes: [sourceAdress, userName]\ncondition: record.name == \"x\"\n")},
			true, []string{`r.yaml:2:13: warning: no schema provides normalized type "sourceAdress"; did you mean "sourceAddress"?`}},
		{"no datatype provided is an error", map[string]string{"r.yaml": rule("datatypes: [fileName, sourceAdress]\ncondition: record.name == \"x\"\n")},
			false, []string{`r.yaml:2:13: no schema provides normalized type "fileName" [unknown-datatype]`,
				`r.yaml:2:23: no schema provides normalized type "sourceAdress"; did you mean "sourceAddress"? [unknown-datatype]`}},
		{"string field as the condition", map[string]string{"r.yaml": rule("log_types: [host:event]\ncondition: record.name\n")},
			false, []string{`r.yaml:3:12: record.name is a string in log type host:event, not a boolean: condition must be a boolean (compare it, e.g. record.name == "...") [expr-type]`}},
		{"operand of && and not", map[string]string{"r.yaml": rule("log_types: [host:event]\ncondition: |\n  record.action == \"added\" && not record?.unixTime\n")},
			false, []string{`r.yaml:4:35: record.unixTime is an integer in log type host:event, not a boolean: condition must be a boolean (compare it, e.g. record.unixTime > 0)`}},
		{"branches of ?: and ??", map[string]string{"r.yaml": rule("log_types: [host:event]\ncondition: 'record.name == \"x\" ? record.score : (record.user ?? false)'\n")},
			false, []string{`r.yaml:3:34: record.score is a float in log type host:event`, `r.yaml:3:50: record.user is an object in log type host:event, not a boolean: condition must be a boolean (compare it, e.g. record.user != nil)`}},
		{"a list field and a normalized type", map[string]string{"r.yaml": rule("log_types: [host:event]\ncondition: record.tags || normalized.userName\n")},
			false, []string{`r.yaml:3:12: record.tags is a list in log type host:event, not a boolean: condition must be a boolean (compare it, e.g. len(record.tags) > 0)`, `r.yaml:3:27: normalized.userName is a list of values, not a boolean`}},
		{"library matcher", map[string]string{"l.yaml": "matchers:\n  m: record.host\n", "r.yaml": rule("log_types: [host:event]\nmatchers: [m]\n")},
			false, []string{`l.yaml:2:6: record.host is a string in log type host:event, not a boolean: matcher m must be a boolean`}},
		{"local matcher", map[string]string{"r.yaml": rule("log_types: [host:event]\nmatchers:\n  - m: record.name\ncondition: record.name == \"x\"\n")},
			false, []string{`r.yaml:4:8: record.name is a string in log type host:event, not a boolean: matcher m must be a boolean (compare it, e.g. record.name == "...")`}},
		{"boolean and {} fields are fine", map[string]string{"r.yaml": rule("log_types: [host:event]\ncondition: (record.ok ?? false) || record.columns.flag\n")},
			true, nil},
		{"a boolean in one log type is not certainly wrong", map[string]string{
			"s.yaml": "web:a:\n  parser: json\n  schema: {flag: boolean, n: integer}\nweb:b:\n  parser: json\n  schema: {flag: string, n: string}\n",
			"r.yaml": "name: r\nlog_types: [web]\ncondition: record.flag || record.n\noutputs: [slack:security]\n"},
			false, []string{`r.yaml:3:27: record.n is an integer in log type web:a; a string in log type web:b, not a boolean`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			set := set
			for k, v := range tc.files {
				if k == "s.yaml" { // the test's own schemas
					var sd diag.List
					if set, sd = schema.Load(fstest.MapFS{k: {Data: []byte(v)}}); sd.HasErrors() {
						t.Fatal(sd)
					}
					continue
				}
				fsys[k] = &fstest.MapFile{Data: []byte(v)}
			}
			rs, ds := lint.Load(fsys, lint.Options{Schemas: set})
			if (rs != nil) != tc.live {
				t.Errorf("ruleset live = %v, want %v", rs != nil, tc.live)
			}
			var got []string
			for _, d := range ds {
				if d.Code == "expr-type" || d.Code == "unknown-datatype" {
					got = append(got, d.String())
				} else if d.Severity == diag.Error {
					t.Errorf("unexpected error %v", d)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("diagnostic %d:\n%s\nwant it to contain:\n%s", i, got[i], w)
				}
			}
		})
	}
}
