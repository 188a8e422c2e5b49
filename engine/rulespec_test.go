package engine

import "testing"

func TestRuleSpec(t *testing.T) {
	rs := mustBuild(t, map[string]string{
		"lib.yaml": "matchers:\n  added: record.action == \"added\"\nlists:\n  users: [alice]\n",
		"r.yaml": `name: r
description: d
log_types: [osquery]
matchers:
  - added
  - local_one: record.name != ""
condition: not (record.columns.user in lists.users)
outputs: [slack:x]
severity: low
enabled: false
`,
	}, Options{})
	spec, ok := rs.Spec("r")
	if !ok || spec.Rule.Name != "r" || spec.Rule.Enabled {
		t.Fatalf("Spec(r) = %+v, %v", spec, ok)
	}
	if len(spec.LogTypes) != 2 || spec.LogTypes[0] != "osquery:differential" || spec.LogTypes[1] != "osquery:snapshot" {
		t.Errorf("log types of a family: %v", spec.LogTypes)
	}
	if len(spec.Matchers) != 2 {
		t.Fatalf("matchers: %+v", spec.Matchers)
	}
	lib, local := spec.Matchers[0], spec.Matchers[1]
	if lib.Name != "added" || !lib.Library || lib.Expr.Source != `record.action == "added"` || lib.Expr.Pos.Line != 0 || lib.Pos.Line != 5 {
		t.Errorf("library matcher: %+v", lib)
	}
	if local.Name != "local_one" || local.Library || local.Expr.Source != `record.name != ""` || local.Expr.Pos.Line != 6 {
		t.Errorf("rule-local matcher: %+v", local)
	}
	if _, ok := rs.Spec("nope"); ok {
		t.Error("Spec of an unknown rule")
	}
	if l := rs.Lists()["users"]; l == nil || len(l.Values) != 1 {
		t.Errorf("Lists: %v", rs.Lists())
	}
}
