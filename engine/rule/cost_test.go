package rule

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

func costProgram(t *testing.T, src string) (*vm.Program, map[string]any) {
	t.Helper()
	lib, _ := Parse(mapFS(map[string]string{"lib.yaml": compileLib}))
	c := NewCompiler(lib)
	prog, diags := c.Compile(NewExpr(src, diagPos("r.yaml", 1, 1)))
	if prog == nil {
		t.Fatalf("%s: %v", src, diags)
	}
	env := c.NewEnv()
	big := make([]any, 20_000)
	for i := range big {
		big[i] = int64(i)
	}
	SetEnv(env, map[string]any{"list": big, "s": "abc", "n": int64(3), "big": strings.Repeat("y", 1000)}, any("t:x"), &Source{}, nil)
	return prog, env
}

// Issue 12 item 3: `len(reduce(1..64, #acc + #acc, "x")) > 0` passed lint
// and ended the process in an unrecoverable out-of-memory (expr's memory
// budget does not count strings); a nested any over a 20,000-element list
// took 53 s on one record. Both stop at their budget with an error.
func TestRuleCostIsBoundedInsteadOfExhaustingMemoryOrTime(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want error
	}{
		{`len(reduce(1..64, #acc + #acc, "x")) > 0`, ErrStringBudget},
		{`any(record.list, any(record.list, # == -1))`, ErrTimeBudget},
		{`len(repeat(record.s, 100000) + repeat(record.s, 900000) + repeat(repeat(record.s, 1000000), 10)) > 0`, ErrStringBudget},
		{`len(replace(repeat("ab", 100000), "", repeat("x", 1000))) > 0`, ErrStringBudget},
		{`len(toJSON(map(1..20000, record.big))) > 0`, ErrStringBudget},
		{`len(join(map(1..20000, record.big), ",")) > 0`, ErrStringBudget},
		{`len(string(map(1..20000, record.big))) > 0`, ErrStringBudget},
	} {
		t.Run(tc.src, func(t *testing.T) {
			prog, env := costProgram(t, tc.src)
			b := BudgetOf(env)
			b.Reset()
			if tc.want == ErrStringBudget {
				b.Time = time.Hour // a loaded machine must not turn these into time overruns
			}
			var machine vm.VM
			start := time.Now()
			out, err := machine.Run(prog, env)
			if !errors.Is(err, tc.want) || !IsCostError(err) {
				t.Fatalf("Run = %v, %v; want %v", out, err, tc.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Logf("took %v", d) // no timing assert; this only informs
			}
		})
	}
}

// The rewrites change no result: each expression gives what expr alone
// gives, and the budget resets between runs.
func TestCostRewritesKeepResults(t *testing.T) {
	for _, src := range []string{
		`record.s + "d" == "abcd"`, `record.n + 1 == 4`, `1 + 2 == 3`, `"a" + "b" == "ab"`,
		`repeat(record.s, 2) == "abcabc"`, `replace(record.s, "b", "xx") == "axxc"`, `replace("aaa", "a", "b", 2) == "bba"`,
		`join(["a", "b"], "-") == "a-b"`, `join(["a", "b"]) == "ab"`, `toJSON({"a": [1, "x"]}) == "{\n  \"a\": [\n    1,\n    \"x\"\n  ]\n}"`,
		`string(1.5) == "1.5"`, `string(record.s) == "abc"`, `len(filter(record.list, # < 10)) == 10`,
		`count(record.list, # % 2 == 0) == 10000`, `sum(map(1..4, # * 2)) == 20`, `reduce(1..4, #acc + #, 0) == 10`,
		`len(reduce(1..10, #acc + "x", "")) == 10`, `sortBy([3, 1, 2], #)[0] == 1`, `find(record.list, # > 5) == 6`,
	} {
		prog, env := costProgram(t, src)
		// The results are under test, not the clock: a loaded machine
		// (-race, CI) must not trip the time budget here.
		BudgetOf(env).Time = time.Minute
		for range 3 {
			BudgetOf(env).Reset()
			var machine vm.VM
			out, err := machine.Run(prog, env)
			plain, perr := expr.Eval(src, env)
			if err != nil || perr != nil || out != true || plain != true {
				t.Errorf("%s: rewritten %v, %v; plain expr %v, %v", src, out, err, plain, perr)
			}
		}
	}
	// Type errors are still expr's, at compile time.
	lib, _ := Parse(mapFS(map[string]string{"lib.yaml": compileLib}))
	c := NewCompiler(lib)
	for _, src := range []string{`any([1], "x")`, `repeat(1, "a") == ""`, `len(1 + "a") > 0`} {
		if prog, diags := c.Compile(NewExpr(src, diagPos("r.yaml", 1, 1))); prog != nil || !diags.HasErrors() {
			t.Errorf("%s compiled", src)
		}
	}
	if prog, diags := c.Compile(NewExpr(strings.Repeat(" ", MaxExprSource)+"true", diagPos("r.yaml", 1, 1))); prog != nil || len(diags) != 1 || diags[0].Code != "expr-too-large" {
		t.Errorf("oversize source: %v", diags)
	}
}
