package rule

import (
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// FuzzParse feeds arbitrary rule files to the loader and the compiler: any
// input must give diagnostics, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(fullRule)
	f.Add("name: a\nlog_types: [x]\ncondition: |\n  record.a == 1\n    && in_cidr(record.ip, lists.nets)\n")
	f.Add("name: a\nlog_types: [x]\ncondition: >\n  glob(record.p, lists.exes) &&\n  record.u in lists.users\n")
	f.Add("name: a\nlog_types: [x]\nmatchers: [{m: 'record.a?.b ?? 1'}]\ntests: [{raw: x, trigger: true}]\n")
	f.Add("matchers:\n  m: 'true'\nlists:\n  l: [1, a, true]\n")
	f.Add("name: [\n")
	f.Add(aliasBomb(9)) // billion laughs: must be refused, not expanded
	f.Add("name: a\nlog_types: &t [x]\ndatatypes: *t\ncondition: &c 'true'\ntests: [{description: *c, record: {a: *t}, trigger: true}]\n")
	f.Fuzz(func(t *testing.T, src string) {
		lib, _ := Parse(mapFS(map[string]string{"r.yaml": src, "lib.yaml": compileLib}))
		c := NewCompiler(lib)
		for _, r := range lib.Rules {
			if r.Condition != nil {
				c.Compile(*r.Condition)
			}
			for _, m := range r.Matchers {
				if m.Local != nil {
					c.Compile(m.Local.Expr)
				}
			}
		}
	})
}

// FuzzCompileRun compiles arbitrary expressions and runs those that compile
// against a record: compile problems are diagnostics, run-time problems are
// errors, never panics.
func FuzzCompileRun(f *testing.F) {
	for _, s := range []string{
		`record.u in lists.users`, `in_cidr(record.ip, lists.nets)`, `glob(record.p, ["*.a"])`,
		`record.l[-1] == 2`, `record.a?.b.c ?? 1 == 1`, `find_keys(record, "k")[0] == 1`,
		`any(values(record), # == "x")`, `try_json(record.j).a == 1`, `record.m["k"] matches "^v"`,
		// The cost rewrites (cost.go) must keep expr's results.
		`record.u + "x" == "bobx"`, `len(reduce(1..8, #acc + #acc, "x")) == 256`, `repeat(record.u, 2) == "bobbob"`,
		`join(map(record.l, string(#)), ",") == "1,2"`, `toJSON(record.m) != ""`, `replace(record.p, "a", "bb") == "x.bb"`,
		`count(record.l, # > 1) == 1`, `sum(record.l, # * 2) == 6`, `len(reduce(1..64, #acc + #acc, "x")) > 0`, `any(1..5000, any(1..5000, # < 0))`,
	} {
		f.Add(s)
	}
	lib, _ := Parse(mapFS(map[string]string{"lib.yaml": compileLib}))
	c := NewCompiler(lib)
	env := c.NewEnv()
	SetEnv(env, map[string]any{
		"u": "bob", "ip": "10.0.0.1", "p": "x.a", "l": []any{int64(1), int64(2)},
		"m": map[string]any{"k": "v"}, "j": `{"a": 1}`,
	}, any("t:x"), &Source{Service: "file"}, map[string]any{"n": []any{"1"}})
	f.Fuzz(func(t *testing.T, src string) {
		prog, _ := c.Compile(NewExpr(src, diagPos("f.yaml", 1, 1)))
		if prog == nil {
			return
		}
		var machine vm.VM
		BudgetOf(env).Reset()
		out, err := machine.Run(prog, env)
		if err != nil {
			return // plain expr has no budget: it might not stop
		}
		// The rewrites must not change what expr itself computes.
		plain, perr := expr.Eval(src, env)
		if _, isBool := plain.(bool); isBool && perr == nil && plain != out {
			t.Errorf("%s: rewritten %v, plain expr %v", src, out, plain)
		}
	})
}
