package lint_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// TestOpenLogType: on a log type with undeclared_keys: keep, a field the
// schema does not declare is a warning (records may carry it, untyped), but
// a near miss of a declared field is still an unknown-field error with
// "did you mean"; on a closed type both are errors.
func TestOpenLogType(t *testing.T) {
	set, diags := schema.Load(fstest.MapFS{"s.yaml": {Data: []byte(`
v:open:
  parser: json
  schema: {eventName: string, detail: {severity: float}}
  configuration: {undeclared_keys: keep}
v:closed:
  parser: json
  schema: {eventName: string, detail: {severity: float}}
`)}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rule := func(lt, cond string) fstest.MapFS {
		return fstest.MapFS{"r.yaml": {Data: []byte(`name: r
description: d
log_types: [` + lt + `]
condition: ` + cond + `
outputs: [slack:sec]
tests:
  - {description: a, record: {eventName: x, detail: {severity: 1}}, trigger: false}
  - {description: b, record: {eventName: y, detail: {severity: 1}}, trigger: true}
`)}}
	}
	tests := []struct {
		lt, cond string
		sev      diag.Severity
		code     string
		msg      string
	}{
		{"v:open", `(record.newField ?? "") == "" && record.eventName == "y"`, diag.Warning, "undeclared-field", `field "record.newField" is not declared by log type v:open`},
		{"v:open", `record.eventNmae == "y"`, diag.Error, "unknown-field", `did you mean "eventName"?`},
		{"v:open", `(record.detail.sevrity ?? 0) > 1 || record.eventName == "y"`, diag.Error, "unknown-field", `did you mean "severity"?`},
		{"v:closed", `(record.newField ?? "") == "" && record.eventName == "y"`, diag.Error, "unknown-field", `unknown field "record.newField"`},
	}
	for _, tc := range tests {
		t.Run(tc.lt+" "+tc.cond, func(t *testing.T) {
			var found bool
			got := lint.Check(rule(tc.lt, tc.cond), lint.Options{Schemas: set})
			for _, d := range got {
				if d.Code == tc.code && d.Severity == tc.sev && strings.Contains(d.Message, tc.msg) {
					found = true
				}
				if d.Code == "unknown-field" || d.Code == "undeclared-field" {
					if d.Code != tc.code {
						t.Errorf("unexpected %v", d)
					}
				}
			}
			if !found {
				t.Errorf("no %v %s %q in:\n%v", tc.sev, tc.code, tc.msg, got)
			}
		})
	}
}
