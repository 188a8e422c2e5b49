package rule

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/streamalert-go/streamalert/engine/diag"
)

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

// diagStrings renders diagnostics as "file:line:col: message [code]" lines
// without snippets.
func diagStrings(l diag.List) []string {
	var out []string
	for _, d := range l {
		d.Snippet = ""
		out = append(out, d.String())
	}
	return out
}

func wantDiags(t *testing.T, got diag.List, want ...string) {
	t.Helper()
	gs := diagStrings(got)
	for _, w := range want {
		if !slices.ContainsFunc(gs, func(g string) bool { return strings.Contains(g, w) }) {
			t.Errorf("missing diagnostic containing %q; got:\n%s", w, strings.Join(gs, "\n"))
		}
	}
}

const fullRule = `name: osquery_invalid_user
description: Catch unauthorized user logins
log_types: [osquery:differential]
datatypes: [userName]
matchers: [logged_in_users]
condition: |
  not (record.columns.user in lists.authorized_users)
outputs: [slack:security, pagerduty-v2:oncall]
severity: high
tags: [attack.initial_access]
req_subkeys: {columns: [user, host]}
context: {runbook: https://wiki/runbooks/invalid-user, n: 3}
merge_by_keys: [hostIdentifier]
merge_window: 10m
dedup_period: 1h
dedup_keys: [name]
threshold: 5
staged: true
enabled: false
tests:
  - description: unauthorized user triggers
    record: {name: logged_in_users, unixTime: 1, columns: {user: mallory}}
    trigger: true
  - description: raw line
    raw: '{"a": 1}'
    log_type: osquery:differential
    trigger: false
`

const library = `matchers:
  logged_in_users: record.name == "logged_in_users"
lists:
  authorized_users: [alice, bob]
`

func TestParseFullRule(t *testing.T) {
	lib, diags := Parse(mapFS(map[string]string{"rules/r.yaml": fullRule, "lib.yml": library}))
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics:\n%s", strings.Join(diagStrings(diags), "\n"))
	}
	if len(lib.Rules) != 1 {
		t.Fatalf("got %d rules", len(lib.Rules))
	}
	r := lib.Rules[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", r.Name, "osquery_invalid_user"},
		{"log_types", strings.Join(r.LogTypes, ","), "osquery:differential"},
		{"datatypes", strings.Join(r.Datatypes, ","), "userName"},
		{"matchers", r.Matchers[0].Name, "logged_in_users"},
		{"condition", r.Condition.Source, "not (record.columns.user in lists.authorized_users)\n"},
		{"outputs", strings.Join(r.Outputs, ","), "slack:security,pagerduty-v2:oncall"},
		{"severity", r.Severity, "high"},
		{"req_subkeys", strings.Join(r.ReqSubkeys["columns"], ","), "user,host"},
		{"context", r.Context["runbook"], "https://wiki/runbooks/invalid-user"},
		{"merge_window", r.MergeWindow, 10 * time.Minute},
		{"dedup_period", r.DedupPeriod, time.Hour},
		{"threshold", r.Threshold, 5},
		{"staged", r.Staged, true},
		{"enabled", r.Enabled, false},
		{"tests", len(r.Tests), 2},
		{"test 0 trigger", r.Tests[0].Trigger, true},
		{"test 0 record", r.Tests[0].Record["name"], "logged_in_users"},
		{"test 1 raw", r.Tests[1].Raw, `{"a": 1}`},
		{"test 1 log_type", r.Tests[1].LogType, "osquery:differential"},
		{"file", r.File, "rules/r.yaml"},
		{"pos", r.Pos.String(), "rules/r.yaml:1:1"},
		{"key pos", r.KeyPos("severity").String(), "rules/r.yaml:9:1"},
		{"item pos", r.ItemPos("outputs", 1).String(), "rules/r.yaml:8:27"},
		{"matcher ref pos", r.Matchers[0].Pos.String(), "rules/r.yaml:5:12"},
		{"test pos", r.Tests[1].Pos.String(), "rules/r.yaml:24:5"},
		{"test key pos", r.Tests[1].Keys["trigger"].String(), "rules/r.yaml:27:5"},
		{"library matcher", lib.Matchers["logged_in_users"].Pos.String(), "lib.yml:2:3"},
		{"library list", strings.Join(anyStrings(lib.Lists["authorized_users"].Values), ","), "alice,bob"},
		{"list item pos", lib.Lists["authorized_users"].ItemPos[1].String(), "lib.yml:4:29"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func anyStrings(vs []any) []string {
	var out []string
	for _, v := range vs {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"unknown key with suggestion", "name: a\nlog_types: [x]\nconditon: 'true'\n",
			[]string{`r.yaml:3:1: unknown key "conditon" in rule; did you mean "condition"? [unknown-key]`,
				`r.yaml:1:1: rule a needs a condition or matchers [missing-key]`}},
		{"unknown key far from any", "name: a\nlog_types: [x]\ncondition: 'true'\nfrobnicate: 1\n",
			[]string{`r.yaml:4:1: unknown key "frobnicate" in rule [unknown-key]`}},
		{"lists in a rule", "name: a\nlog_types: [x]\ncondition: 'true'\nlists: {a: [1]}\n",
			[]string{`unknown key "lists" in rule (lists belong in a library file`}},
		{"missing keys", "description: nothing\n",
			[]string{"r.yaml:1:1: rule has no name [missing-key]", "needs log_types or datatypes", "needs a condition or matchers"}},
		{"merge keys without a window", "name: a\nlog_types: [x]\ncondition: 'true'\nmerge_by_keys: [host]\n",
			[]string{"r.yaml:4:1: merge_by_keys needs a merge_window (how long to gather alerts before sending one) [missing-key]"}},
		{"dedup keys alone", "name: a\nlog_types: [x]\ncondition: 'true'\ndedup_keys: [host]\n",
			[]string{"r.yaml:4:1: dedup_keys needs dedup_period or a threshold above 1 (they group the alerts those count) [missing-key]"}},
		{"a window without merge keys", "name: a\nlog_types: [x]\ncondition: 'true'\nmerge_window: 5m\n",
			[]string{"r.yaml:4:1: merge_window needs merge_by_keys (the keys whose equal values make alerts one) [missing-key]"}},
		{"bad name", "name: Bad-Name\nlog_types: [x]\ncondition: 'true'\n",
			[]string{`r.yaml:1:7: rule name "Bad-Name" must match [a-z0-9_]+ [bad-name]`}},
		{"bad severity", "name: a\nlog_types: [x]\ncondition: 'true'\nseverity: hihg\n",
			[]string{`r.yaml:4:11: severity "hihg" must be one of info, low, medium, high, critical; did you mean "high"? [bad-severity]`}},
		{"bad durations", "name: a\nlog_types: [x]\ncondition: 'true'\nmerge_window: 10 minutes\ndedup_period: -1s\n",
			[]string{`r.yaml:4:15: merge_window "10 minutes" is not a duration`, `r.yaml:5:15: dedup_period must not be negative`}},
		{"wrong types collected", "name: [a]\nlog_types: x\ncondition: {a: 1}\noutputs: [1]\nthreshold: many\nstaged: yes please\ntags: [[x]]\nreq_subkeys: [a]\ncontext: [1]\ntests: {}\n",
			[]string{
				"r.yaml:1:7: name must be a string, found a list",
				"r.yaml:2:12: log_types must be a list of strings, found a string",
				"r.yaml:3:12: condition must be an expression (a string), found a mapping",
				"r.yaml:4:11: outputs items must be strings, found an integer",
				"r.yaml:5:12: threshold must be a non-negative integer",
				"r.yaml:6:9: staged must be true or false",
				"r.yaml:7:8: tags items must be strings, found a list",
				"r.yaml:8:14: req_subkeys must be a mapping",
				"r.yaml:9:10: context must be a mapping",
				"r.yaml:10:8: tests must be a list of test cases",
			}},
		{"bad output form", "name: a\nlog_types: [x]\ncondition: 'true'\noutputs: [slack]\n",
			[]string{`r.yaml:4:11: output "slack" must be service:descriptor [bad-output]`}},
		{"duplicate key", "name: a\nname: b\nlog_types: [x]\ncondition: 'true'\n",
			[]string{`r.yaml:2:1: duplicate key "name" (first at r.yaml:1:1) [duplicate-key]`}},
		{"bad tests", "name: a\nlog_types: [x]\ncondition: 'true'\ntests:\n  - {description: d, triger: true, record: {a: 1}}\n  - {record: {}, raw: x, trigger: true}\n  - {trigger: maybe, raw: x}\n",
			[]string{
				`r.yaml:5:22: unknown key "triger" in test case; did you mean "trigger"?`,
				"r.yaml:5:5: a test case needs trigger: true or false",
				"r.yaml:6:5: a test case has record or raw, not both",
				"r.yaml:7:15: trigger must be true or false",
			}},
		{"yaml syntax", "name: a\n  bad: [\n", []string{"r.yaml:2:1:", "[yaml-syntax]"}},
		{"not a mapping", "- a\n- b\n", []string{"r.yaml:1:1: a rule file must be a mapping, found a list"}},
		{"two documents", "name: a\nlog_types: [x]\ncondition: 'true'\n---\nname: b\n", []string{"r.yaml:4:1: a file holds one rule or one library"}},
		{"empty file", "", []string{"r.yaml: warning: file holds no rule [empty-file]"}},
		{"unknown matcher", "name: a\nlog_types: [x]\nmatchers: [loged_in]\n",
			[]string{`r.yaml:3:12: unknown matcher "loged_in"; did you mean "logged_in"? [unknown-matcher]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Parse(mapFS(map[string]string{"r.yaml": tc.file, "lib.yaml": "matchers:\n  logged_in: 'true'\n"}))
			wantDiags(t, diags, tc.want...)
		})
	}
}

func TestParseAcrossFiles(t *testing.T) {
	fsys := mapFS(map[string]string{
		"a/one.yaml":   "name: dup\nlog_types: [x]\nmatchers: [shared_a, shared_b]\n",
		"b/two.yaml":   "name: dup\nlog_types: [x]\ncondition: 'true'\n",
		"lib/a.yaml":   "matchers:\n  shared_a: 'true'\nlists:\n  l1: [a]\n",
		"lib/b.yaml":   "matchers:\n  shared_b: 'false'\nlists:\n  l1: [b]\n",
		"lib/c.yml":    "matchers:\n  shared_a: 'true'\n",
		".hidden.yaml": "garbage: [",
		"notes.txt":    "not a rule",
	})
	lib, diags := Parse(fsys)
	wantDiags(t, diags,
		`b/two.yaml:1:1: rule "dup" is already defined at a/one.yaml:1:1 [duplicate-rule]`,
		`lib/b.yaml:4:3: list "l1" is already defined at lib/a.yaml:4:3 [duplicate-list]`,
		`lib/c.yml:2:3: matcher "shared_a" is already defined at lib/a.yaml:2:3 [duplicate-matcher]`,
	)
	if len(diags) != 3 {
		t.Errorf("want exactly 3 diagnostics, got:\n%s", strings.Join(diagStrings(diags), "\n"))
	}
	if got := len(lib.Matchers); got != 2 {
		t.Errorf("matchers = %d, want 2 (shared across files)", got)
	}
	if !slices.Equal(lib.Files, []string{"a/one.yaml", "b/two.yaml", "lib/a.yaml", "lib/b.yaml", "lib/c.yml"}) {
		t.Errorf("files = %v", lib.Files)
	}
}

func TestParseLocalMatchers(t *testing.T) {
	fsys := mapFS(map[string]string{
		"r.yaml": "name: a\nlog_types: [x]\nmatchers:\n  - lib_m\n  - local_m: record.x == 1\n  - {lib_m: 'true'}\n",
		"l.yaml": "matchers:\n  lib_m: 'true'\n",
	})
	lib, diags := Parse(fsys)
	wantDiags(t, diags, `r.yaml:6:6: matcher "lib_m" is listed twice (first at r.yaml:4:5)`)
	r := lib.Rules[0]
	if len(r.Matchers) != 3 || r.Matchers[1].Local == nil || r.Matchers[1].Local.Expr.Source != "record.x == 1" || r.Matchers[0].Local != nil {
		t.Errorf("matchers = %+v", r.Matchers)
	}
}
