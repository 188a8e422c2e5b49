package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/schema"
)

const testSchemas = `osquery:differential:
  parser: json
  schema:
    name: string
    hostIdentifier: string
    unixTime: integer
    columns: {}
    action: string
    decorations: {}
  configuration:
    optional_top_level_keys: [decorations, action]
    normalization:
      userName:
        - {path: [columns, user]}
osquery:snapshot:
  parser: json
  schema:
    name: string
    hostIdentifier: string
    unixTime: integer
    snapshot: []
cloudtrail:events:
  parser: json
  schema:
    eventName: string
    eventSource: string
    sourceIPAddress: string
    awsRegion: string
    userIdentity: {}
    requestParameters: {}
    errorCode: string
  configuration:
    optional_top_level_keys: [requestParameters, errorCode]
    normalization:
      sourceAddress:
        - {path: [sourceIPAddress]}
      userName:
        - {path: [userIdentity, userName]}
`

func testSet(t testing.TB) *schema.Set {
	t.Helper()
	set, diags := schema.Load(fstest.MapFS{"s.yaml": {Data: []byte(testSchemas)}})
	if diags.HasErrors() || set == nil {
		t.Fatalf("schemas: %v", diags)
	}
	return set
}

func rulesFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

func mustBuild(t testing.TB, files map[string]string, opts Options) *Ruleset {
	t.Helper()
	if opts.Schemas == nil {
		opts.Schemas = testSet(t)
	}
	rs, diags := Build(rulesFS(files), opts)
	if diags.HasErrors() || rs == nil {
		var b strings.Builder
		diags.WriteText(&b)
		t.Fatalf("build:\n%s", b.String())
	}
	return rs
}

// classify turns a JSON document into a record of the given log type.
func classify(t testing.TB, set *schema.Set, logType, doc string) schema.Record {
	t.Helper()
	recs, err := schema.NewClassifier(set).Classify([]byte(doc), []*schema.LogType{set.Get(logType)})
	if err != nil || len(recs) != 1 {
		t.Fatalf("classify %s: %v (%d records)", logType, err, len(recs))
	}
	return recs[0]
}

func names(alerts []Alert) []string {
	var out []string
	for _, a := range alerts {
		out = append(out, a.RuleName)
	}
	return out
}

const osqLine = `{"name": "logged_in_users", "hostIdentifier": "h1", "unixTime": 1, "columns": {"user": "mallory", "host": "8.8.8.8"}}`

func TestEvaluateAlert(t *testing.T) {
	set := testSet(t)
	rs := mustBuild(t, map[string]string{
		"lib.yaml": "matchers:\n  logged_in_users: record.name == \"logged_in_users\"\nlists:\n  authorized_users: [alice, bob]\n  corp: [10.0.0.0/8]\n",
		"invalid_user.yaml": `name: osquery_invalid_user
description: Catch unauthorized user logins
log_types: [osquery:differential]
matchers: [logged_in_users]
condition: |
  not (record.columns.user in lists.authorized_users)
  && not in_cidr(record.columns.host, lists.corp)
outputs: [slack:security]
severity: high
tags: [attack.t1078]
context: {runbook: https://wiki/x}
staged: true
`,
	}, Options{Schemas: set})
	rec := classify(t, set, "osquery:differential", osqLine)
	before := time.Now().UTC()
	alerts := rs.Evaluate(rec, Source{Service: "kinesis", Entity: "osquery_stream"})
	if len(alerts) != 1 {
		t.Fatalf("alerts = %v", names(alerts))
	}
	a := alerts[0]
	if a.ID == "" || a.Created.Location() != time.UTC || a.Created.Before(before.Add(-time.Second)) {
		t.Errorf("id/created: %q %v", a.ID, a.Created)
	}
	got, _ := json.Marshal(a)
	var m map[string]any
	json.Unmarshal(got, &m)
	delete(m, "id")
	delete(m, "created")
	want := `{"context":{"runbook":"https://wiki/x"},"log_source":"osquery:differential","log_type":"json","outputs":["slack:security"],` +
		`"record":{"columns":{"host":"8.8.8.8","user":"mallory"},"hostIdentifier":"h1","name":"logged_in_users","unixTime":1},` +
		`"rule_description":"Catch unauthorized user logins","rule_name":"osquery_invalid_user","severity":"high",` +
		`"source_entity":"osquery_stream","source_service":"kinesis","staged":true,"tags":["attack.t1078"]}`
	if b, _ := json.Marshal(m); string(b) != want {
		t.Errorf("alert JSON\n got %s\nwant %s", b, want)
	}
	if b := rs.Evaluate(rec, Source{}); b[0].ID == a.ID {
		t.Error("two alerts share an id")
	}
	ok := classify(t, set, "osquery:differential", strings.Replace(osqLine, "mallory", "alice", 1))
	if alerts := rs.Evaluate(ok, Source{}); alerts != nil {
		t.Errorf("authorized user fired: %v", names(alerts))
	}
}

func TestIndexByLogType(t *testing.T) {
	set := testSet(t)
	rs := mustBuild(t, map[string]string{
		"family.yaml":   "name: family\nlog_types: [osquery]\ncondition: 'true'\n",
		"exact.yaml":    "name: exact\nlog_types: [osquery:snapshot]\ncondition: 'true'\n",
		"dt.yaml":       "name: by_datatype\ndatatypes: [sourceAddress]\ncondition: any(normalized.sourceAddress, in_cidr(#, \"1.2.3.0/24\"))\n",
		"user_dt.yaml":  "name: by_username\ndatatypes: [userName]\ncondition: 'true'\n",
		"disabled.yaml": "name: disabled\nlog_types: [osquery]\ncondition: 'true'\nenabled: false\n",
	}, Options{Schemas: set})
	tests := []struct {
		logType string
		want    []string
	}{
		{"osquery:differential", []string{"by_username", "family"}},
		{"osquery:snapshot", []string{"exact", "family"}},
		{"cloudtrail:events", []string{"by_datatype", "by_username"}},
	}
	for _, tc := range tests {
		t.Run(tc.logType, func(t *testing.T) {
			if got := rs.RulesFor(tc.logType); !slices.Equal(got, tc.want) {
				t.Errorf("RulesFor = %v, want %v", got, tc.want)
			}
		})
	}
	if n := len(rs.Rules()); n != 5 {
		t.Errorf("Rules() has %d rules, want 5 (disabled included)", n)
	}
	ct := classify(t, set, "cloudtrail:events", `{"eventName":"x","eventSource":"s","sourceIPAddress":"1.2.3.4","awsRegion":"r","userIdentity":{}}`)
	if got := names(rs.Evaluate(ct, Source{})); !slices.Equal(got, []string{"by_datatype", "by_username"}) {
		t.Errorf("cloudtrail fired %v", got)
	}
}

func TestReqSubkeysAndMatchers(t *testing.T) {
	set := testSet(t)
	rs := mustBuild(t, map[string]string{
		"lib.yaml":    "matchers:\n  is_login: record.name == 'logged_in_users'\n  never: 'false'\n",
		"a.yaml":      "name: a_sub\nlog_types: [osquery:differential]\nreq_subkeys: {columns: [user, host]}\ncondition: record.columns.user == 'mallory'\n",
		"b.yaml":      "name: b_sub_missing\nlog_types: [osquery:differential]\nreq_subkeys: {columns: [pid]}\ncondition: 'true'\n",
		"c.yaml":      "name: c_sub_not_map\nlog_types: [osquery:differential]\nreq_subkeys: {name: [x]}\ncondition: 'true'\n",
		"d.yaml":      "name: d_matcher_only\nlog_types: [osquery:differential]\nmatchers: [is_login]\n",
		"e.yaml":      "name: e_matcher_false\nlog_types: [osquery:differential]\nmatchers: [is_login, never]\ncondition: 'true'\n",
		"f.yaml":      "name: f_local\nlog_types: [osquery:differential]\nmatchers: [is_login, {host_h1: record.hostIdentifier == 'h1'}]\ncondition: 'true'\n",
		"g.yaml":      "name: g_local_false\nlog_types: [osquery:differential]\nmatchers: [{host_h2: record.hostIdentifier == 'h2'}]\n",
		"h_diff.yaml": "name: h_shared\nlog_types: [osquery:differential]\nmatchers: [is_login]\ncondition: record.unixTime == 1\n",
	}, Options{Schemas: set})
	got := names(rs.Evaluate(classify(t, set, "osquery:differential", osqLine), Source{}))
	want := []string{"a_sub", "d_matcher_only", "f_local", "h_shared"}
	if !slices.Equal(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
	// is_login is shared by d, e, f, h: one cache slot, evaluated once.
	tr := rs.byType["osquery:differential"]
	if tr.matchers != 4 { // is_login, never, f.host_h1, g.host_h2
		t.Errorf("distinct matchers = %d, want 4", tr.matchers)
	}
}

func TestBuildDiagnostics(t *testing.T) {
	cfg, cd := config.Load([]byte("outputs:\n  slack:\n    security: {}\n"), "streamalert.yaml")
	if cd.HasErrors() {
		t.Fatal(cd)
	}
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"unknown log type", map[string]string{"r.yaml": "name: a\nlog_types: [osquery:diferential, nope]\ncondition: 'true'\n"},
			[]string{`r.yaml:2:13: unknown log type "osquery:diferential"; did you mean "osquery:differential"? [unknown-log-type]`,
				`r.yaml:2:34: unknown log type "nope" [unknown-log-type]`}},
		{"unknown datatype", map[string]string{"r.yaml": "name: a\ndatatypes: [sourceAdress]\ncondition: 'true'\n"},
			[]string{`r.yaml:2:13: no schema provides normalized type "sourceAdress"; did you mean "sourceAddress"? [unknown-datatype]`}},
		{"undeclared output", map[string]string{"r.yaml": "name: a\nlog_types: [osquery]\ncondition: 'true'\noutputs: [slack:securty, pagerduty:x]\n"},
			[]string{`r.yaml:4:11: output "slack:securty" is not declared in streamalert.yaml; did you mean "slack:security"? [unknown-output]`,
				`r.yaml:4:26: output "pagerduty:x" is not declared in streamalert.yaml`}},
		{"disabled rule still validated", map[string]string{"r.yaml": "name: a\nlog_types: [osquery]\nenabled: false\ncondition: |\n  record.x ==\n"},
			[]string{`r.yaml:5:14: expression: unexpected token EOF`}},
		{"bad library matcher", map[string]string{"l.yaml": "matchers:\n  m: recod.x == 1\n"},
			[]string{`l.yaml:2:6: expression: unknown name recod`}},
		{"bad local matcher", map[string]string{"r.yaml": "name: a\nlog_types: [osquery]\nmatchers:\n  - m: 1 +\n"},
			[]string{`r.yaml:4:`, `[expr-compile]`}},
		{"test log_type not the rule's", map[string]string{"r.yaml": "name: a\nlog_types: [osquery]\ncondition: 'true'\ntests:\n  - {raw: x, log_type: cloudtrail:events, trigger: true}\n"},
			[]string{`r.yaml:5:14: test log_type "cloudtrail:events" is not one of the log types rule a applies to [bad-test]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, diags := Build(rulesFS(tc.files), Options{Schemas: testSet(t), Config: cfg})
			if rs != nil {
				t.Error("Build returned a ruleset despite errors")
			}
			var b strings.Builder
			for _, d := range diags {
				d.Snippet = ""
				b.WriteString(d.String() + "\n")
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("missing %q in:\n%s", w, b.String())
				}
			}
		})
	}
	if _, diags := Build(rulesFS(nil), Options{}); !diags.HasErrors() {
		t.Error("Build without schemas did not fail")
	}
}

func TestRuleErrorIsolation(t *testing.T) {
	set := testSet(t)
	var mu sync.Mutex
	var reported []RuleError
	rs := mustBuild(t, map[string]string{
		"a.yaml": "name: a_divide\nlog_types: [osquery:differential]\ncondition: record.unixTime % (record.unixTime - 1) == 0\n",
		"b.yaml": "name: b_nil_index\nlog_types: [osquery:differential]\ncondition: record.missing.x == 1\n",
		"c.yaml": "name: c_type\nlog_types: [osquery:differential]\ncondition: record.name + 1 > 0\n",
		"d.yaml": "name: d_not_bool\nlog_types: [osquery:differential]\ncondition: record.columns.user\n",
		"e.yaml": "name: e_fine\nlog_types: [osquery:differential]\ncondition: record.hostIdentifier == 'h1'\n",
		"f.yaml": "name: f_matcher_error\nlog_types: [osquery:differential]\nmatchers: [{bad: 'record.columns[0] == 1'}]\n",
	}, Options{Schemas: set, ErrorInterval: time.Hour, OnRuleError: func(e RuleError) {
		mu.Lock()
		reported = append(reported, e)
		mu.Unlock()
	}})
	rec := classify(t, set, "osquery:differential", osqLine)
	src := Source{Service: "file", Entity: "x.json"}
	for range 5 {
		if got := names(rs.Evaluate(rec, src)); !slices.Equal(got, []string{"e_fine"}) {
			t.Fatalf("fired %v, want only e_fine", got)
		}
	}
	counts := rs.RuleErrorCounts()
	for _, n := range []string{"a_divide", "b_nil_index", "c_type", "d_not_bool", "f_matcher_error"} {
		if counts[n] != 5 {
			t.Errorf("errors[%s] = %d, want 5", n, counts[n])
		}
	}
	if counts["e_fine"] != 0 {
		t.Errorf("errors[e_fine] = %d", counts["e_fine"])
	}
	if len(reported) != 5 {
		t.Fatalf("OnRuleError called %d times, want once per failing rule (5): %v", len(reported), reported)
	}
	r := reported[0]
	if r.Rule != "a_divide" || r.File != "a.yaml" || r.LogType != "osquery:differential" || r.Source != src || r.Err == nil {
		t.Errorf("report = %+v", r)
	}
	if !strings.Contains(reported[4].Error(), "matcher f_matcher_error.bad") {
		t.Errorf("matcher error = %v", reported[4])
	}
	var re RuleError
	if !errors.As(error(r), &re) {
		t.Error("RuleError is not an error")
	}
}

func TestRuleErrorInterval(t *testing.T) {
	set := testSet(t)
	var calls atomic.Int32
	rs := mustBuild(t, map[string]string{
		"a.yaml": "name: a\nlog_types: [osquery:differential]\ncondition: record.missing.x == 1\n",
	}, Options{Schemas: set, ErrorInterval: 20 * time.Millisecond, OnRuleError: func(RuleError) { calls.Add(1) }})
	rec := classify(t, set, "osquery:differential", osqLine)
	rs.Evaluate(rec, Source{})
	rs.Evaluate(rec, Source{})
	if n := calls.Load(); n != 1 {
		t.Fatalf("calls within one interval = %d, want 1", n)
	}
	time.Sleep(30 * time.Millisecond)
	rs.Evaluate(rec, Source{})
	if n := calls.Load(); n != 2 {
		t.Fatalf("calls after the interval = %d, want 2", n)
	}
}

func TestEvaluateConcurrent(t *testing.T) {
	set := testSet(t)
	files := map[string]string{
		"lib.yaml": "matchers:\n  login: record.name == 'logged_in_users'\nlists:\n  users: [alice]\n",
	}
	for i := range 20 {
		files[fmt.Sprintf("r%02d.yaml", i)] = fmt.Sprintf("name: r%02d\nlog_types: [osquery]\nmatchers: [login]\ncondition: record.unixTime %% %d == 0 && record.columns.user not in lists.users\n", i, i+1)
	}
	files["err.yaml"] = "name: zz_err\nlog_types: [osquery]\ncondition: record.nope.x == 1\n"
	rs := mustBuild(t, files, Options{Schemas: set, OnRuleError: func(RuleError) {}})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				ts := int64(g*1000 + i + 1)
				rec := classify(t, set, "osquery:differential", strings.Replace(osqLine, `"unixTime": 1`, fmt.Sprintf(`"unixTime": %d`, ts), 1))
				alerts := rs.Evaluate(rec, Source{Service: "stdin"})
				want := 0
				for d := int64(1); d <= 20; d++ {
					if ts%d == 0 {
						want++
					}
				}
				if len(alerts) != want {
					t.Errorf("ts %d: %d alerts, want %d", ts, len(alerts), want)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := rs.RuleErrorCounts()["zz_err"]; n != 1600 {
		t.Errorf("error count = %d, want 1600", n)
	}
}

func TestEvaluateNoRules(t *testing.T) {
	set := testSet(t)
	rs := mustBuild(t, map[string]string{"r.yaml": "name: a\nlog_types: [cloudtrail]\ncondition: 'true'\n"}, Options{Schemas: set})
	if a := rs.Evaluate(classify(t, set, "osquery:differential", osqLine), Source{}); a != nil {
		t.Errorf("alerts for a log type without rules: %v", a)
	}
	if a := rs.Evaluate(schema.Record{}, Source{}); a != nil {
		t.Errorf("alerts for a record without type: %v", a)
	}
}

func TestRunTests(t *testing.T) {
	set := testSet(t)
	rs := mustBuild(t, map[string]string{
		"r.yaml": `name: invalid_user
log_types: [osquery]
condition: record.columns.user == "mallory" && record.unixTime > 0
tests:
  - description: record triggers
    record: {name: logged_in_users, hostIdentifier: h1, unixTime: 1, columns: {user: mallory}}
    log_type: osquery:differential
    trigger: true
  - description: raw does not trigger
    raw: '{"name": "x", "hostIdentifier": "h1", "unixTime": 1, "columns": {"user": "alice"}}'
    trigger: false
  - description: wrong expectation
    record: {name: x, hostIdentifier: h1, unixTime: 1, columns: {user: alice}}
    log_type: osquery:differential
    trigger: true
  - description: raw that does not classify
    raw: 'not json'
    trigger: false
  - description: record that does not fit
    record: {name: x, columns: {user: mallory}}
    log_type: osquery:differential
    trigger: true
`,
		"d.yaml": "name: disabled_errs\nlog_types: [osquery:differential]\nenabled: false\ncondition: record.nope.x == 1\ntests:\n  - {raw: '" + osqLine + "', trigger: false}\n",
	}, Options{Schemas: set})
	if n := len(rs.Tests()); n != 6 {
		t.Fatalf("Tests() = %d, want 6", n)
	}
	res := rs.RunTests(schema.NewClassifier(set))
	type sum struct {
		desc           string
		passed, actual bool
		hasErr         bool
		pos            string
	}
	var got []sum
	for _, r := range res {
		got = append(got, sum{r.Description, r.Passed(), r.Actual, r.Err != nil, r.Pos.String()})
	}
	want := []sum{
		{"", false, false, true, "d.yaml:6:5"},
		{"record triggers", true, true, false, "r.yaml:5:5"},
		{"raw does not trigger", true, false, false, "r.yaml:9:5"},
		{"wrong expectation", false, false, false, "r.yaml:12:5"},
		{"raw that does not classify", false, false, true, "r.yaml:16:5"},
		{"record that does not fit", false, false, true, "r.yaml:19:5"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("results\n got %+v\nwant %+v", got, want)
	}
	if res[1].LogType != "osquery:differential" || res[1].Rule != "invalid_user" || res[1].File != "r.yaml" {
		t.Errorf("result = %+v", res[1])
	}
	if counts := rs.RuleErrorCounts(); counts["disabled_errs"] != 0 {
		t.Error("test runs counted as run-time errors")
	}
}

var _ = diag.Pos{}
