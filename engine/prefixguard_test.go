package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
	"github.com/streamalert-go/streamalert/schemas"
)

// TestPrefixGuardsChangeNothing evaluates records with and without the
// prefix-guard pruning (and the alerts without the guard index too): the alerts (rule names, in order) and the rule
// errors must be the same. Rules: the shipped pack on every example log, and
// generated rules whose conditions start with every guard form (==, in a
// list, in lists.X, (x ?? "") == and in, [not] in_cidr, [not] matches) on
// osquery-shaped records that include the
// awkward cases: the path missing, null, a number, a list, through a value
// that is not a mapping.
func TestPrefixGuardsChangeNothing(t *testing.T) {
	set, gen, n := guardFormRules(t)
	shippedRules, diags := engine.Build(rulesd.FS, engine.Options{Schemas: set})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := schema.NewClassifier(set)
	var recs []schema.Record
	for _, col := range guardFormColumns {
		for _, host := range []string{"h1", "h2"} {
			line := fmt.Sprintf(`{"name":"q","hostIdentifier":%q,"calendarTime":"t","unixTime":1,"columns":%s,"action":"added"}`, host, col)
			rs, err := c.Classify([]byte(line), nil)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			recs = append(recs, rs...)
		}
	}
	logs, _ := filepath.Glob(filepath.Join("..", "examples", "logs", "*"))
	for _, f := range logs {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if rs, err := c.Classify([]byte(line), nil); err == nil {
				recs = append(recs, rs...)
			}
		}
	}
	fired := 0
	for _, rs := range []*engine.Ruleset{gen, shippedRules} {
		for _, rec := range recs {
			fired += compareGuards(t, rs, rec)
		}
	}
	if fired < 50 {
		t.Fatalf("only %d alerts over %d generated rules: the comparison checked little", fired, n)
	}
}

// compareGuards evaluates rec with the prefix guards and without them (the
// alerts and the number of rule errors must be the same), and without the
// guard index too (every rule run in full: the alerts must be the same; the
// errors need not be, as a rule whose guard is a later conjunct, false
// here, is not run to fail on an earlier one). It returns the alerts.
func compareGuards(t *testing.T, rs *engine.Ruleset, rec schema.Record) int {
	t.Helper()
	defer func() {
		engine.SetPrefixGuards(true)
		engine.SetGuardIndex(true)
	}()
	a1, e1 := rs.EvaluateAll(rec, engine.Source{})
	engine.SetPrefixGuards(false)
	a2, e2 := rs.EvaluateAll(rec, engine.Source{})
	engine.SetGuardIndex(false)
	a3, _ := rs.EvaluateAll(rec, engine.Source{})
	if !slices.Equal(names(a1), names(a2)) || len(e1) != len(e2) {
		t.Errorf("%s record %v: with prefix guards %v (%d errors), without %v (%d errors)", rec.Type.Name, rec.Data, names(a1), len(e1), names(a2), len(e2))
	}
	if !slices.Equal(names(a1), names(a3)) {
		t.Errorf("%s record %v: with the guard index %v, every rule run %v", rec.Type.Name, rec.Data, names(a1), names(a3))
	}
	return len(a1)
}

// guardFormColumns are osquery columns with the awkward cases for the
// guard forms: absent, null, numbers, booleans, lists, a value that is not
// a mapping on the way, mapped IPv6.
var guardFormColumns = []string{`{"user":"alice","uid":"0","cmdline":"curl x"}`, `{"user":"bob","uid":7}`, `{"user":"mallory","uid":"12"}`,
	`{"uid":null}`, `{"user":["alice"],"nested":"flat"}`, `{"user":"alice","nested":{"x":"y"},"uid":"9"}`, `{}`,
	`{"user":"7","host":"10.1.2.3","cmdline":"crl http://x","uid":"12"}`, `{"host":"192.0.2.7","cmdline":"curl","uid":"x1"}`,
	`{"host":true,"cmdline":7,"uid":1.5}`, `{"host":null,"cmdline":null,"user":null}`, `{"host":["10.0.0.1"],"cmdline":["curl"],"uid":[1]}`,
	`{"host":"::ffff:10.9.9.9","cmdline":"wget","user":"bob","uid":"10"}`, `{"host":7,"cmdline":"","user":7}`}

// FuzzPrefixGuards is TestPrefixGuardsChangeNothing's comparison on fuzzed
// column values, against the generated rules of every guard form.
func FuzzPrefixGuards(f *testing.F) {
	for _, col := range guardFormColumns {
		f.Add([]byte(col))
	}
	set, gen, _ := guardFormRules(f)
	c := schema.NewClassifier(set)
	cands, err := set.Resolve([]string{"osquery:differential"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, cols []byte) {
		line := fmt.Sprintf(`{"name":"q","hostIdentifier":"h1","calendarTime":"t","unixTime":1,"columns":%s,"action":"added"}`, cols)
		rs, err := c.Classify([]byte(line), cands)
		if err != nil {
			return // not an object of columns
		}
		for _, rec := range rs {
			compareGuards(t, gen, rec)
		}
	})
}

// guardFormRules builds rules whose conditions start with two of every
// guard form, then a tail (one that passes, one that fails on some values).
func guardFormRules(t testing.TB) (*schema.Set, *engine.Ruleset, int) {
	t.Helper()
	set, diags := schema.Load(schemas.FS)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files := fstest.MapFS{"lib/l.yaml": {Data: []byte("lists:\n  users: [alice, bob, \"7\"]\n  nets: [10.0.0.0/8, 192.0.2.7]\n")}}
	forms := []string{
		`record.columns.user == "alice"`, `"bob" == record.columns.user`, `record.columns.user in ["alice", "mallory"]`,
		`record.columns.user in lists.users`, `(record.columns.uid ?? "") == "0"`, `(record.columns.uid ?? "0") == "0"`,
		`record.columns.uid == 7`, `record.hostIdentifier == "h1"`, `record.columns.nested.x == "y"`,
		`(record.columns.user ?? "") in ["bob", "7"]`, `(record.columns.user ?? "alice") in lists.users`,
		`in_cidr(record.columns.host ?? "", ["10.0.0.0/8", "192.0.2.7"])`, `not in_cidr(record.columns.host, lists.nets)`,
		`in_cidr(record.columns.host ?? "10.1.1.1", lists.nets)`, `(record.columns.cmdline ?? "") matches "cu?rl"`,
		`record.columns.cmdline matches "^curl"`, `!(record.columns.uid matches "^[0-9]+$")`, `(record.columns.uid ?? 0) matches "1"`,
	}
	tails := []string{`true`, `int(record.columns.uid) > 5`, `record.columns.cmdline matches "curl"`, `len(record.columns.user) > 3`}
	n := 0
	for i, a := range forms {
		for j, b := range forms {
			for k, tail := range tails {
				src := fmt.Sprintf("name: g_%d_%d_%d\ndescription: generated\nlog_types: [osquery:differential]\ncondition: |\n  %s and %s and %s\nseverity: low\n", i, j, k, a, b, tail)
				files[fmt.Sprintf("g_%d_%d_%d.yaml", i, j, k)] = &fstest.MapFile{Data: []byte(src)}
				n++
			}
		}
	}
	gen, diags := engine.Build(files, engine.Options{Schemas: set})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return set, gen, n
}

func names(as []engine.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.RuleName)
	}
	return out
}
