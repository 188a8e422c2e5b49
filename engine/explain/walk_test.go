package explain

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/bundle"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
)

// tricky is a rule set exercising the walk: predicates, spellings of the
// logical operators, short circuits, ??, ?:, nested lets, constant sets,
// a non-boolean condition, a failing matcher.
var tricky = fstest.MapFS{
	"schemas/t.yaml": {Data: []byte(`
t:event:
  parser: json
  schema:
    name: string
    n: integer
    items: []
    flag: {}
    ip: string
    nested: {}
  configuration:
    optional_top_level_keys: [flag, nested, items, ip]
    json_path: "Records[*]"
`)},
	"rules/lib.yaml": {Data: []byte(`
matchers:
  named: record.name != ""
  nested_ok: record.nested.deep.x == 1
lists:
  bad: [evil, worse]
  nets: [10.0.0.0/8]
`)},
	"rules/pred.yaml": {Data: []byte(`
name: pred
description: d
log_types: [t:event]
condition: |
  any(record.items ?? [], # > 2) && !(record.name in lists.bad) || len(record.items ?? []) == 0
outputs: [slack:x]
severity: low
`)},
	"rules/lets.yaml": {Data: []byte(`
name: lets
description: d
log_types: [t:event]
condition: |
  let a = record.n * 2;
  let b = a + 1;
  (b > 5 ? record.name matches "^x" : in_cidr(record.ip ?? "", lists.nets)) or a == 0
outputs: [slack:x]
severity: low
`)},
	"rules/notbool.yaml": {Data: []byte(`
name: notbool
description: d
log_types: [t:event]
condition: record.flag
outputs: [slack:x]
severity: low
`)},
	"rules/subkeys.yaml": {Data: []byte(`
name: subkeys
description: d
log_types: [t:event]
req_subkeys: {nested: [deep]}
condition: record.n >= 0
outputs: [slack:x]
severity: low
`)},
	"rules/matcher_error.yaml": {Data: []byte(`
name: matcher_error
description: d
log_types: [t:event]
matchers: [named, nested_ok]
condition: record.n > 0
outputs: [slack:x]
severity: low
`)},
}

func trickyExplainer(t *testing.T) *Explainer {
	t.Helper()
	schemas, _ := fsSub(t, "schemas")
	rules, _ := fsSub(t, "rules")
	b, diags := bundle.Load(bundle.Options{Schemas: bundle.Tree{FS: schemas}, Rules: bundle.Tree{FS: rules}})
	if b == nil {
		t.Fatalf("tricky rules do not load:\n%v", diags)
	}
	x, err := New(b)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func fsSub(t *testing.T, dir string) (fstest.MapFS, error) {
	out := fstest.MapFS{}
	for k, v := range tricky {
		if rest, ok := strings.CutPrefix(k, dir+"/"); ok {
			out[rest] = v
		}
	}
	return out, nil
}

func find(n *Node, expr string) *Node {
	if n.Expr == expr {
		return n
	}
	for i := range n.Children {
		if f := find(&n.Children[i], expr); f != nil {
			return f
		}
	}
	return nil
}

func ruleOf(t *testing.T, rep RecordReport, name string) RuleReport {
	t.Helper()
	for _, r := range rep.Rules {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no rule %s in %+v", name, rep)
	return RuleReport{}
}

func TestWalkTricky(t *testing.T) {
	x := trickyExplainer(t)
	raw := `{"Records":[` +
		`{"name":"xavier","n":3,"items":[1,5],"flag":true,"ip":"10.1.2.3","nested":{"deep":{"x":1}}},` +
		`{"name":"evil","n":0,"items":[],"nested":{}},` +
		`{"name":"bob","n":1,"ip":"8.8.8.8","flag":"yes"}]}`
	reps, err := x.Record([]byte(raw), Options{Location: "mem:1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 3 || reps[0].Index != 1 || reps[2].Index != 3 {
		t.Fatalf("want 3 reports with indexes, got %d", len(reps))
	}
	for i, rep := range reps {
		checkReport(t, "record "+string(rune('1'+i)), rep)
	}

	// Record 1: pred fires through the left of ||; the right is not
	// evaluated; the predicate's body is not broken down.
	p := ruleOf(t, reps[0], "pred")
	if !p.Fired || p.Condition.Op != "or" || len(p.Condition.Children) != 2 {
		t.Fatalf("pred on record 1: %+v", p)
	}
	if right := p.Condition.Children[1]; right.Evaluated {
		t.Errorf("the right of a true || was evaluated: %+v", right)
	}
	and := p.Condition.Children[0]
	if and.Op != "and" || len(and.Children) != 2 || and.Children[1].Op != "not" {
		t.Errorf("!(...) under && : %+v", and)
	}
	anyNode := find(p.Condition, "any(record.items ?? [], # > 2)")
	if anyNode == nil || string(anyNode.Value) != "true" || len(anyNode.Children) != 1 || anyNode.Children[0].Op != "??" {
		t.Errorf("any(...): %+v", anyNode)
	}

	// lets: b = 7 > 5 takes the matches branch; in_cidr is not evaluated.
	l := ruleOf(t, reps[0], "lets")
	if !l.Fired || l.Condition.Op != "let" {
		t.Fatalf("lets on record 1: %+v", l)
	}
	a := l.Condition.Children[0]
	if a.Name != "a" || string(a.Value) != "6" {
		t.Errorf("let a: %+v", a)
	}
	if b := find(l.Condition, "a + 1"); b == nil || string(b.Value) != "7" {
		t.Errorf("let b = a + 1 (a from the enclosing let): %+v", b)
	}
	if c := find(l.Condition, `in_cidr(record.ip ?? "", lists.nets)`); c == nil || c.Evaluated {
		t.Errorf("the branch not taken: %+v", c)
	}
	if m := find(l.Condition, `record.name matches "^x"`); m == nil || string(m.Value) != "true" || m.Line != 8 || m.Col != 12 {
		t.Errorf("matches: %+v", m)
	}

	// notbool: a condition of type any that is not a bool is an error for
	// the engine and for the explanation.
	nb := ruleOf(t, reps[2], "notbool")
	if nb.Fired || !strings.Contains(nb.Why, "bool") {
		t.Errorf("notbool on a string flag: %+v", nb)
	}
	if !ruleOf(t, reps[0], "notbool").Fired {
		t.Error("notbool on flag true did not fire")
	}

	// matcher_error: record 2's nested.deep is nil: the second matcher
	// fails, the condition is not evaluated.
	me := ruleOf(t, reps[1], "matcher_error")
	if me.Fired || !strings.HasPrefix(me.Why, "matcher nested_ok failed: ") || me.Condition.Evaluated || me.Matchers[1].Error == "" {
		t.Errorf("matcher_error on record 2: %+v", me)
	}
	if me.Matchers[1].Line == 0 || me.Matchers[1].File == "" {
		t.Errorf("a library matcher has the position of its reference: %+v", me.Matchers[1])
	}
	// record 3 has no nested at all: nested_ok fails, named holds.
	me3 := ruleOf(t, reps[2], "matcher_error")
	if string(me3.Matchers[0].Value) != "true" || me3.Matchers[1].Error == "" {
		t.Errorf("matcher_error on record 3: %+v", me3)
	}

	// subkeys: its condition holds on every record; only req_subkeys
	// keep it quiet.
	if sk := ruleOf(t, reps[0], "subkeys"); !sk.Fired || len(sk.ReqSubkeys) != 1 || !sk.ReqSubkeys[0].Present {
		t.Errorf("subkeys on record 1: %+v", sk)
	}
	for i, want := range map[int]string{1: "req_subkeys: nested.deep is missing", 2: `req_subkeys: the record has no key "nested" (needed for nested.deep)`} {
		sk := ruleOf(t, reps[i], "subkeys")
		if sk.Fired || sk.Why != want || sk.ReqSubkeys[0].Present || sk.Condition.Evaluated {
			t.Errorf("subkeys on record %d: %+v", i+1, sk)
		}
	}

	// The reports are JSON.
	if _, err := json.Marshal(reps); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownRule(t *testing.T) {
	x := trickyExplainer(t)
	_, err := x.Record([]byte(`{"Records":[{"name":"a","n":1}]}`), Options{Rule: "lest"})
	if !errors.Is(err, ErrUnknownRule) || !strings.Contains(err.Error(), `did you mean "lets"?`) {
		t.Fatalf("got %v", err)
	}
}

func TestRejected(t *testing.T) {
	x := trickyExplainer(t)
	reps, err := x.Record([]byte(`{"Records":[{"nam":"a","n":1}]}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || reps[0].LogType != "" || len(reps[0].Rejected) != 1 || reps[0].Rules == nil {
		t.Fatalf("%+v", reps)
	}
	c := reps[0].Rejected[0]
	if c.LogType != "t:event" || !strings.Contains(c.Reason, `"name"`) {
		t.Errorf("candidate: %+v", c)
	}
}

func TestNoRules(t *testing.T) {
	if _, err := New(nil); !errors.Is(err, ErrNoRules) {
		t.Fatalf("New(nil): %v", err)
	}
}

func TestSourceOf(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`not (a in b)`, `not (a in b)`},
		{`f(x, "y)")`, `f(x, "y)")`},
		{`(a) + b`, `(a) + b`},
		{"let x = 1;\nx > 0", "let x = 1;\nx > 0"},
		{`a[0] == "]"`, `a[0] == "]"`},
	} {
		tr, err := trickyExplainer(t).c.Parse(ruleExpr(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		got, _, ok := sourceOf([]rune(tc.src), tr.Node)
		if !ok || got != tc.want {
			t.Errorf("sourceOf(%q) = %q, %v; want %q", tc.src, got, ok, tc.want)
		}
	}
}

func ruleExpr(src string) rule.Expr { return rule.NewExpr(src, diag.Pos{}) }

// TestConcurrentRecords: an Explainer serves many goroutines (go test -race).
func TestConcurrentRecords(t *testing.T) {
	x := trickyExplainer(t)
	raw := []byte(`{"Records":[{"name":"xavier","n":3,"items":[1,5],"flag":true,"ip":"10.1.2.3","nested":{"deep":{"x":1}}}]}`)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				reps, err := x.Record(raw, Options{})
				if err != nil || len(reps) != 1 || !ruleOf(t, reps[0], "lets").Fired {
					t.Errorf("concurrent explain: %v %+v", err, reps)
					return
				}
			}
		}()
	}
	wg.Wait()
}
