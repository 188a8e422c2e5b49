package engine

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/streamalert-go/streamalert/engine/rule"
)

func TestGuardOf(t *testing.T) {
	lists := map[string]*rule.List{
		"events": {Values: []any{"A", "B"}},
		"mixed":  {Values: []any{"A", 1.5}},
		"ports":  {Values: []any{int64(22), int64(3389)}},
	}
	tests := []struct {
		src    string
		path   []string
		values []any // nil: no guard
	}{
		{`record.name == "x"`, []string{"name"}, []any{"x"}},
		{`"x" == record.a.b`, []string{"a", "b"}, []any{"x"}},
		{`record.a?.b == "x" && foo`, []string{"a", "b"}, []any{"x"}},
		{`record["a"]["b c"] == "x"`, []string{"a", "b c"}, []any{"x"}},
		{`lower(record.a) == "x" and record.port == 22`, []string{"port"}, []any{int64(22)}},
		{`record.e in ["A", "B"] && record.x == "y"`, []string{"e"}, []any{"A", "B"}},
		{`record.e in lists.events`, []string{"e"}, []any{"A", "B"}},
		{`record.p in lists.ports`, []string{"p"}, []any{int64(22), int64(3389)}},
		{`(record.a == "x" && record.b == "y") && true`, []string{"a"}, []any{"x"}},
		{`(record.e ?? "") in ["A", "B"]`, []string{"e"}, []any{"A", "B"}},
		{`(record.p ?? 0) in lists.ports`, []string{"p"}, []any{int64(22), int64(3389)}},
		// Not guards: alternatives, negations, non-constant or mixed values.
		{`record.a == "x" || record.b == "y"`, nil, nil},
		{`not (record.a == "x")`, nil, nil},
		{`record.a != "x"`, nil, nil},
		{`record.a == record.b`, nil, nil},
		{`record.e in lists.mixed`, nil, nil},
		{`record.e in lists.unknown`, nil, nil},
		{`(record.e ?? "A") in lists.events`, nil, nil},  // absent is in the list
		{`in_cidr(record.ip, ["10.0.0.0/8"])`, nil, nil}, // a prefix test, never an index guard
		{`record.c matches "x"`, nil, nil},
		{`record.f == 1.5`, nil, nil},
		{`normalized.userName == "x"`, nil, nil},
		{`record == "x"`, nil, nil},
		{`record.a ==`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			g, ok := guardOf(&rule.Library{Lists: lists}, tt.src)
			if ok != (tt.values != nil) {
				t.Fatalf("guardOf ok = %v, want %v (%+v)", ok, tt.values != nil, g)
			}
			if ok && (!slices.Equal(g.path, tt.path) || !reflect.DeepEqual(g.values, tt.values)) {
				t.Errorf("guard = %q %v, want %q %v", g.path, g.values, tt.path, tt.values)
			}
		})
	}
}

// TestGuardIndexSameResult evaluates a mix of guarded and unguarded rules on
// many records with the index and with every rule run, and requires the
// same alerts and the same rule errors.
func TestGuardIndexSameResult(t *testing.T) {
	files := map[string]string{
		"lib.yaml": "matchers:\n  login: record.name == 'logged_in_users'\nlists:\n  users: [alice, bob]\n",
		"a.yaml":   "name: a\nlog_types: [osquery]\ncondition: record.columns.user == 'alice'\n",
		"b.yaml":   "name: b\nlog_types: [osquery]\ncondition: record.columns.user in lists.users && record.unixTime > 5\n",
		"c.yaml":   "name: c\nlog_types: [osquery]\nmatchers: [login]\ncondition: record.unixTime % 2 == 0\n",
		"d.yaml":   "name: d\nlog_types: [osquery]\ncondition: record.unixTime == 7 || record.action == 'removed'\n",
		"e.yaml":   "name: e\nlog_types: [osquery]\ncondition: record.unixTime == 8\n",
		"f.yaml":   "name: f\nlog_types: [osquery]\ncondition: record.decorations.site == 'x'\n", // errors when decorations is absent
		"g.yaml":   "name: g\nlog_types: [osquery]\ncondition: record.decorations?.site == 'x'\n",
		"h.yaml":   "name: h\nlog_types: [osquery]\ncondition: (record.decorations?.site ?? '') in ['x', 'y'] && record.unixTime > 6\n",
	}
	set := testSet(t)
	guarded := mustBuild(t, files, Options{Schemas: set})
	plain := mustBuild(t, files, Options{Schemas: set})
	for _, tr := range plain.byType {
		tr.groups, tr.always = nil, nil
		for i := range tr.rules {
			tr.always = append(tr.always, int32(i))
		}
	}
	n := 0
	for _, name := range []string{"logged_in_users", "processes"} {
		for _, user := range []string{"alice", "bob", "mallory"} {
			for ts := 5; ts <= 8; ts++ {
				for _, deco := range []string{``, `, "decorations": {"site": "x"}`, `, "decorations": {"site": 1}`} {
					for _, action := range []string{"added", "removed"} {
						doc := fmt.Sprintf(`{"name": %q, "hostIdentifier": "h", "unixTime": %d, "action": %q, "columns": {"user": %q}%s}`, name, ts, action, user, deco)
						rec := classify(t, set, "osquery:differential", doc)
						g, p := names(guarded.Evaluate(rec, Source{})), names(plain.Evaluate(rec, Source{}))
						if !slices.Equal(g, p) {
							t.Errorf("%s: guarded %q, plain %q", doc, g, p)
						}
						n++
					}
				}
			}
		}
	}
	if ge, pe := guarded.RuleErrorCounts(), plain.RuleErrorCounts(); !reflect.DeepEqual(ge, pe) {
		t.Errorf("rule errors differ: guarded %v, plain %v", ge, pe)
	} else if pe["f"] == 0 {
		t.Errorf("rule f never failed on %d records: the test lost its error case", n)
	}
	if tr := guarded.byType["osquery:differential"]; len(tr.groups) == 0 || len(tr.always) == 0 {
		t.Errorf("index has %d groups and %d unguarded rules, want both", len(tr.groups), len(tr.always))
	}
}

// TestSecondIndexLevel checks that the rules one guard value reaches are
// filtered by their second guard before they run: of 90 rules under one
// query name (30 by uid, 30 by address range, 30 by command-line pattern),
// a record matching one of each gets only those three as candidates.
func TestSecondIndexLevel(t *testing.T) {
	files := map[string]string{}
	for i := range 30 {
		files[fmt.Sprintf("u%d.yaml", i)] = fmt.Sprintf("name: u%d\nlog_types: [osquery]\ncondition: record.name == 'q' && (record.columns.uid ?? '') == '%d' && record.unixTime > 0\n", i, i)
		files[fmt.Sprintf("n%d.yaml", i)] = fmt.Sprintf("name: n%d\nlog_types: [osquery]\ncondition: record.name == 'q' && in_cidr(record.columns.host ?? '', ['10.%d.0.0/16']) && record.unixTime > 0\n", i, i)
		files[fmt.Sprintf("m%d.yaml", i)] = fmt.Sprintf("name: m%d\nlog_types: [osquery]\ncondition: record.name == 'q' && record.columns.cmd matches 'curl .*/stage%d/' && record.unixTime > 0\n", i, i)
	}
	set := testSet(t)
	rs := mustBuild(t, files, Options{Schemas: set})
	rec := classify(t, set, "osquery:differential", `{"name": "q", "hostIdentifier": "h", "unixTime": 5, "action": "added", "columns": {"uid": "7", "host": "10.12.3.4", "cmd": "curl http://x/stage21/a"}}`)
	tr := rs.byType["osquery:differential"]
	keys := make([]pathKeyState, len(tr.paths))
	mark := make([]bool, len(tr.rules))
	var got []string
	for _, i := range tr.candidates(rec.Data, keys, mark, nil) {
		got = append(got, tr.rules[i].r.rule.Name)
	}
	slices.Sort(got)
	if want := []string{"m21", "n12", "u7"}; !slices.Equal(got, want) {
		t.Errorf("candidates %q, want %q", got, want)
	}
	if fired := names(rs.Evaluate(rec, Source{})); !slices.Equal(fired, []string{"m21", "n12", "u7"}) {
		t.Errorf("fired %q", fired)
	}
}
