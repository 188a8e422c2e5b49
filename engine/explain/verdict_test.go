package explain

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/bundle"
	"github.com/streamalert-go/streamalert/engine/payload"
)

// shipped loads the embedded schemas and rules, as ruleck explain does
// without flags.
func shipped(t testing.TB) (*engine.Bundle, *Explainer) {
	t.Helper()
	b, diags := bundle.Load(bundle.Options{})
	if b == nil {
		t.Fatalf("the shipped bundle does not load:\n%v", diags)
	}
	x, err := New(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, x
}

// checkReport fails when the explanation's verdict differs from the
// engine's or a clause could not be evaluated by the walker.
func checkReport(t *testing.T, where string, rep RecordReport) (rules, fired int) {
	t.Helper()
	for _, rr := range rep.Rules {
		if !rr.Enabled || !rr.Applies {
			continue
		}
		rules++
		if rr.Fired {
			fired++
			if len(rr.Alert) == 0 {
				t.Errorf("%s: rule %s fired without an alert", where, rr.Name)
			}
		}
		if rr.walked != rr.Fired {
			t.Errorf("%s: rule %s: the engine says fired=%v, the explanation %v (%s)", where, rr.Name, rr.Fired, rr.walked, rr.Why)
		}
		if rr.Fired != (rr.Why == "") {
			t.Errorf("%s: rule %s: fired=%v with why %q", where, rr.Name, rr.Fired, rr.Why)
		}
		var nodes []Node
		nodes = append(nodes, rr.Matchers...)
		if rr.Condition != nil {
			nodes = append(nodes, *rr.Condition)
		}
		for _, n := range nodes {
			walkNodes(n, func(n Node) {
				if strings.HasPrefix(n.Error, "cannot evaluate this clause alone") || strings.HasPrefix(n.Error, "cannot parse") {
					t.Errorf("%s: rule %s: clause %s: %s", where, rr.Name, n.Expr, n.Error)
				}
				if n.Evaluated && n.Error == "" && len(n.Value) == 0 {
					t.Errorf("%s: rule %s: clause %s evaluated without a value", where, rr.Name, n.Expr)
				}
			})
		}
	}
	return rules, fired
}

func walkNodes(n Node, f func(Node)) {
	f(n)
	for _, c := range n.Children {
		walkNodes(c, f)
	}
}

// TestVerdictMatchesEngineOnExamples explains every record of every shipped
// example log against every shipped rule of its type: the verdict must be
// the engine's.
func TestVerdictMatchesEngineOnExamples(t *testing.T) {
	_, x := shipped(t)
	files, err := filepath.Glob("../../examples/logs/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example logs: %v", err)
	}
	var records, rules, fired int
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		err = payload.Read(f, payload.Options{}, func(r payload.Raw) error {
			where := file + ":" + strconv.Itoa(r.Line)
			reps, err := x.Record(r.Data, Options{Location: where, Source: engine.Source{Service: "file", Entity: file}})
			if err != nil {
				t.Errorf("%s: %v", where, err)
				return nil
			}
			for _, rep := range reps {
				records++
				if rep.LogType == "" {
					t.Errorf("%s: a shipped example does not classify: %s", where, rep.Error)
				}
				n, k := checkReport(t, where, rep)
				rules, fired = rules+n, fired+k
			}
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if records < 100 || fired == 0 || fired == rules {
		t.Fatalf("explained %d records, %d rule runs, %d fired: the examples no longer exercise both outcomes", records, rules, fired)
	}
}

// TestVerdictMatchesEngineOnRuleTests explains every test record of every
// shipped rule (raw ones classified, parsed ones checked against the rule's
// log types as ruleck test does) for that rule.
func TestVerdictMatchesEngineOnRuleTests(t *testing.T) {
	b, x := shipped(t)
	cases := b.Rules.Tests()
	if len(cases) == 0 {
		t.Fatal("no rule tests")
	}
	ran := 0
	for _, tc := range cases {
		if !tc.Rule.Enabled {
			continue
		}
		where := tc.Rule.File + ":" + strconv.Itoa(tc.Test.Pos.Line)
		opts := Options{Rule: tc.Rule.Name, Location: where}
		var reps []RecordReport
		if tc.Test.HasRaw {
			var err error
			if reps, err = x.Record([]byte(tc.Test.Raw), opts); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
		} else {
			spec, _ := b.Rules.Spec(tc.Rule.Name)
			for _, name := range spec.LogTypes {
				if tc.Test.LogType != "" && name != tc.Test.LogType {
					continue
				}
				rec, err := b.Schemas.Get(name).Check(tc.Test.Record)
				if err == nil {
					reps = append(reps, x.Classified(rec, opts))
					break
				}
			}
		}
		for _, rep := range reps {
			if n, _ := checkReport(t, where, rep); n > 0 {
				ran++
			}
		}
	}
	if ran < len(cases)/2 {
		t.Fatalf("only %d of %d rule tests explained", ran, len(cases))
	}
}
