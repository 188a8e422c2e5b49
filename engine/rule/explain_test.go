package rule

import (
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/streamalert-go/streamalert/engine/diag"
)

func TestCompileValue(t *testing.T) {
	lib, diags := Parse(mapFS(map[string]string{"lib.yaml": compileLib}))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := NewCompiler(lib)
	env := c.NewEnv()
	SetEnv(env, map[string]any{"user": "alice", "n": 3}, "t", &Source{}, nil)
	for _, tc := range []struct {
		src  string
		want any
	}{
		{"record.user", "alice"},
		{"len(record.user) + record.n", 8},
		{"record.user in lists.users", true}, // the set rewrite, as Compile does
		{`in_cidr("10.1.1.1", lists.nets)`, true},
	} {
		prog, ds := c.CompileValue(NewExpr(tc.src, diag.Pos{}))
		if prog == nil {
			t.Fatalf("CompileValue(%q): %v", tc.src, ds)
		}
		got, err := expr.Run(prog, env)
		if err != nil || got != tc.want {
			t.Errorf("%s = %v, %v; want %v", tc.src, got, err, tc.want)
		}
	}
	// Compile still wants a bool after CompileValue.
	if prog, _ := c.Compile(NewExpr("len(record.user)", diag.Pos{})); prog != nil {
		t.Error("Compile accepted an int expression after CompileValue")
	}
	// The same limits and diagnostics.
	if prog, ds := c.CompileValue(NewExpr("in_cidr(record.user, \"nope\")", diag.Pos{File: "f", Line: 1, Col: 1})); prog != nil || len(ds) == 0 {
		t.Errorf("a bad constant CIDR compiled: %v", ds)
	}
}

func TestCompilerParse(t *testing.T) {
	c := NewCompiler(&Library{})
	tr, err := c.Parse(NewExpr(`any(record.xs, # > 1) && glob(record.p, "*.sh")`, diag.Pos{}))
	if err != nil {
		t.Fatal(err)
	}
	b, ok := tr.Node.(*ast.BinaryNode)
	if !ok || b.Operator != "&&" {
		t.Fatalf("root: %T %v", tr.Node, tr.Node)
	}
	if _, ok := b.Left.(*ast.BuiltinNode); !ok {
		t.Errorf("any(...) is %T, want a builtin", b.Left)
	}
	if call, ok := b.Right.(*ast.CallNode); !ok || call.Callee.(*ast.IdentifierNode).Value != "glob" {
		t.Errorf("glob(...) is %T, want a call of the function, not rewritten", b.Right)
	}
	if _, err := c.Parse(NewExpr("record.a ==", diag.Pos{})); err == nil {
		t.Error("a syntax error parsed")
	}
}
