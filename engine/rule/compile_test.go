package rule

import (
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

const compileLib = `lists:
  users: [alice, bob, 7]
  nets: [10.0.0.0/8, "2001:db8::/32"]
  exes: ["*.exe", "[ab]?.sh"]
  bad_nets: [10.0.0.0/8, not-a-cidr]
  bad_globs: ["ok*", "[oops"]
matchers:
  always: 'true'
`

// compileRule parses one rule file next to compileLib and compiles its
// condition.
func compileRule(t *testing.T, ruleYAML string) (*Compiler, *vm.Program, []string) {
	t.Helper()
	lib, diags := Parse(mapFS(map[string]string{"r.yaml": ruleYAML, "lib.yaml": compileLib}))
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	c := NewCompiler(lib)
	prog, ds := c.Compile(*lib.Rules[0].Condition)
	return c, prog, diagStrings(ds)
}

func TestCompileErrorPositions(t *testing.T) {
	tests := []struct {
		name string
		rule string
		want string
	}{
		{"literal block, second line", "name: a\nlog_types: [x]\ncondition: |\n  record.a == 1\n    && recrod.b == 2\n",
			`r.yaml:5:8: expression: unknown name recrod [unknown-name]`},
		{"literal block, first line", "name: a\nlog_types: [x]\ncondition: |\n    record.a +\n",
			`r.yaml:4:15: expression: unexpected token EOF`},
		{"literal block with blank line", "name: a\nlog_types: [x]\ncondition: |\n  record.a == 1\n\n  && nope\n",
			`r.yaml:6:6: expression: unknown name nope`},
		{"literal block, keep indicator", "name: a\nlog_types: [x]\ncondition: |-\n      true &&\n      nope\n",
			`r.yaml:5:7: expression: unknown name nope`},
		{"folded block", "name: a\nlog_types: [x]\ncondition: >\n  record.a == 1 &&\n  nope\n",
			`r.yaml:5:3: expression: unknown name nope`},
		{"plain scalar", "name: a\nlog_types: [x]\ncondition: record.a == nope\n",
			`r.yaml:3:24: expression: unknown name nope`},
		{"double quoted", "name: a\nlog_types: [x]\ncondition: \"record.a == nope\"\n",
			`r.yaml:3:25: expression: unknown name nope`},
		{"single quoted", "name: a\nlog_types: [x]\ncondition: 'record.a == nope'\n",
			`r.yaml:3:25: expression: unknown name nope`},
		{"type error", "name: a\nlog_types: [x]\ncondition: |\n  log_type + 1 > 0\n",
			`r.yaml:4:12: expression: invalid operation: + (mismatched types string and int) [expr-type]`},
		{"not a bool", "name: a\nlog_types: [x]\ncondition: log_type\n",
			`expected bool`},
		{"bad regexp", "name: a\nlog_types: [x]\ncondition: |\n  record.a matches \"(\"\n",
			`r.yaml:4:12: expression: error parsing regexp: missing closing ): ` + "`(`" + ` [bad-regexp]`},
		{"bad constant cidr", "name: a\nlog_types: [x]\ncondition: |\n  in_cidr(record.ip, [\"10.0.0.0/8\", \"10.0.0.0/33\"])\n",
			`r.yaml:4:37: in_cidr: "10.0.0.0/33" is not a CIDR [bad-cidr]`},
		{"bad cidr in list", "name: a\nlog_types: [x]\ncondition: |\n  in_cidr(record.ip, lists.bad_nets)\n",
			`r.yaml:4:28: in_cidr: list bad_nets: "not-a-cidr" is not a CIDR or IP address (list item at lib.yaml:5:26) [bad-cidr]`},
		{"bad constant glob", "name: a\nlog_types: [x]\ncondition: |\n  glob(record.p, \"[x\")\n",
			`r.yaml:4:18: glob: glob "[x": unterminated [ [bad-glob]`},
		{"bad glob in list", "name: a\nlog_types: [x]\ncondition: |\n  glob(record.p, lists.bad_globs)\n",
			`r.yaml:4:24: glob: list bad_globs: glob "[oops": unterminated [ (list item at lib.yaml:6:22) [bad-glob]`},
		{"unknown list", "name: a\nlog_types: [x]\ncondition: |\n  record.u in lists.usres\n",
			`r.yaml:4:21: unknown list "usres"; did you mean "users"? [unknown-list]`},
		{"helper arity", "name: a\nlog_types: [x]\ncondition: |\n  in_cidr(record.ip)\n",
			`not enough arguments to call in_cidr`},
		{"internal function not callable", "name: a\nlog_types: [x]\ncondition: |\n  in list(1, 2)\n",
			`r.yaml:4:`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, prog, ds := compileRule(t, tc.rule)
			if prog != nil {
				t.Errorf("program compiled, want an error")
			}
			found := false
			for _, d := range ds {
				found = found || strings.Contains(d, tc.want)
			}
			if !found {
				t.Errorf("want a diagnostic containing %q, got:\n%s", tc.want, strings.Join(ds, "\n"))
			}
		})
	}
}

func TestCompileSnippet(t *testing.T) {
	lib, _ := Parse(mapFS(map[string]string{"r.yaml": "name: a\nlog_types: [x]\ncondition: |\n  record.a == 1\n    && nope\n"}))
	_, ds := NewCompiler(lib).Compile(*lib.Rules[0].Condition)
	if len(ds) != 1 {
		t.Fatalf("diags = %v", ds)
	}
	want := " |   && nope\n | .....^"
	if ds[0].Snippet != want {
		t.Errorf("snippet = %q, want %q", ds[0].Snippet, want)
	}
}

func TestCompileMaxNodes(t *testing.T) {
	src := "record.a == 1" + strings.Repeat(" || record.a == 1", MaxExprNodes/4)
	lib := &Library{Lists: map[string]*List{}, Matchers: map[string]*Matcher{}}
	_, ds := NewCompiler(lib).Compile(NewExpr(src, diagPos("x.yaml", 1, 1)))
	if !ds.HasErrors() {
		t.Fatal("an expression above MaxExprNodes compiled")
	}
}

func TestCompiledPrograms(t *testing.T) {
	rec := map[string]any{
		"user": "bob", "n": int64(7), "ip": "10.1.2.3", "ip6": "2001:db8::5", "p": "cmd.exe",
		"nested": map[string]any{"list": []any{map[string]any{"id": "x"}, map[string]any{"id": "y"}}},
		"json":   `{"k": [1, 2]}`,
	}
	norm := map[string][]any{"sourceAddress": {"8.8.8.8", "10.0.0.1"}}
	tests := []struct {
		cond string
		want bool
	}{
		{`record.user in lists.users`, true},
		{`record.user not in lists.users`, false},
		{`record.n in lists.users`, true},
		{`"carol" in lists.users`, false},
		{`record.missing in lists.users`, false},
		{`len(lists.users) == 3`, true},
		{`any(lists.users, # == "alice")`, true},
		{`all(lists.users, # != "carol")`, true},
		{`lists.users[0] == "alice"`, true},
		{`in_cidr(record.ip, lists.nets)`, true},
		{`in_cidr(record.ip6, lists.nets)`, true},
		{`in_cidr(record.ip, "192.168.0.0/16")`, false},
		{`in_cidr(record.ip, ["192.168.0.0/16", ["10.0.0.0/8"]])`, true},
		{`in_cidr(record.user, lists.nets)`, false},
		{`in_cidr(record.missing, lists.nets)`, false},
		{`any(normalized.sourceAddress, in_cidr(#, "10.0.0.0/8"))`, true},
		{`all(normalized.sourceAddress, in_cidr(#, "10.0.0.0/8"))`, false},
		{`glob(record.p, lists.exes)`, true},
		{`glob(record.p, "*.sh")`, false},
		{`glob(record.p, ["*.sh", "cmd.*"])`, true},
		{`find_keys(record, "id") == ["x", "y"]`, true},
		{`len(values(record.nested)) == 2`, true},
		{`try_json(record.json).k[1] == 2`, true},
		{`try_json(record.user) == nil`, true},
		{`log_type == "osquery:differential"`, true},
		{`source.service == "kinesis" && source.entity == "stream1"`, true},
		{`record.p matches "^cmd\\.exe$"`, true},
		{`(record.a?.b ?? "") == ""`, true},
		{`let u = record.user; u startsWith "b"`, true},
		// expr's optimizer prints and compares sub-trees holding rewritten calls.
		{`any(find_keys(record.nested?.list, "id"), any(type(#) == "array" ? # : [#], # == "q")) || any(find_keys(record.nested?.list, "id"), # == "y")`, true},
		{`any(["8.8.8.8"], in_cidr(#, "10.0.0.0/8")) || any(["8.8.8.8", "10.1.1.1"], in_cidr(#, lists.nets))`, true},
	}
	lib, diags := Parse(mapFS(map[string]string{"lib.yaml": compileLib}))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := NewCompiler(lib)
	env := c.NewEnv()
	SetEnv(env, rec, any("osquery:differential"), &Source{Service: "kinesis", Entity: "stream1"}, BoxNormalized(map[string]any{}, norm, nil))
	var machine vm.VM
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			prog, ds := c.Compile(NewExpr(tc.cond, diagPos("t.yaml", 1, 1)))
			if prog == nil {
				t.Fatalf("compile: %v", ds)
			}
			out, err := machine.Run(prog, env)
			if err != nil {
				t.Fatal(err)
			}
			if out != tc.want {
				t.Errorf("= %v, want %v", out, tc.want)
			}
		})
	}
}

// TestCompilePatchesConstants checks the compile-time rewrites: constant
// list membership, CIDRs and globs become direct typed calls on prebuilt
// values (no OpIn, no call of in_cidr or glob that would parse per record),
// record member access avoids reflection (no OpFetch), and optional chains
// keep expr's own nil handling.
func TestCompilePatchesConstants(t *testing.T) {
	lib, _ := Parse(mapFS(map[string]string{"lib.yaml": compileLib}))
	c := NewCompiler(lib)
	tests := []struct {
		cond    string
		want    []string
		notWant []string
	}{
		{`record.u in lists.users`, []string{"in set"}, []string{"OpIn", "OpFetch", "OpCall2"}},
		{`in_cidr(record.ip, lists.nets)`, []string{"in cidr set"}, []string{"OpCall2", "OpFetch"}},
		{`in_cidr(record.ip, "10.0.0.0/8")`, []string{"in cidr set"}, []string{"OpCall2"}},
		{`in_cidr(record.ip, record.nets)`, []string{"in_cidr"}, nil}, // not constant: parsed at run time
		{`glob(record.p, ["*.a", "*.b"])`, []string{"in glob set"}, []string{"OpCall2"}},
		{`any(lists.nets, in_cidr(#, "10.0.0.0/8")) || any(lists.nets, in_cidr(#, "11.0.0.0/8"))`, []string{"in cidr set"}, nil},
		{`record.p matches "^a"`, []string{"matches regexp"}, []string{"OpMatchesConst"}},
		{`record.a.b[0] == 1`, []string{"OpCallTyped"}, []string{"OpFetch"}},
		{`record.a?.b.c[0] == nil`, []string{"fetch chain"}, []string{"OpFetch", "OpJumpIfNil"}},
		{`record.a?.[record.k] == nil`, []string{"OpJumpIfNil"}, nil}, // computed key: expr's own chain
		{`source.service == "s3"`, []string{"OpFetchField"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			prog, ds := c.Compile(NewExpr(tc.cond, diagPos("t.yaml", 1, 1)))
			if prog == nil {
				t.Fatal(ds)
			}
			dis := prog.Disassemble()
			for _, w := range tc.want {
				if !strings.Contains(dis, w) {
					t.Errorf("program does not contain %q:\n%s", w, dis)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(dis, w) {
					t.Errorf("program contains %q:\n%s", w, dis)
				}
			}
		})
	}
}

func TestFetch(t *testing.T) {
	lib, _ := Parse(mapFS(map[string]string{"lib.yaml": compileLib}))
	c := NewCompiler(lib)
	env := c.NewEnv()
	SetEnv(env, map[string]any{"m": map[string]any{"k": "v"}, "l": []any{int64(1), int64(2)}, "i": int64(1), "s": "str"}, any("t"), &Source{}, nil)
	tests := []struct {
		cond string
		want any // bool, or "error"
	}{
		{`record.m.k == "v"`, true},
		{`record["m"]["k"] == "v"`, true},
		{`record.m.absent == nil`, true},
		{`record.l[0] == 1`, true},
		{`record.l[-1] == 2`, true},
		{`record.l[record.i] == 2`, true},
		{`record.l[5] == 1`, "error"},
		{`record.absent.k == 1`, "error"},
		{`record.absent?.k == nil`, true},
		{`record.absent?.k.j == nil`, true},
		{`(record.absent?.k ?? "d") == "d"`, true},
		{`record.s.x == 1`, "error"},
		{`record.m?.k == "v"`, true},
		{`record.l?.[1] == 2`, true},
		{`record.m.absent?.x == nil`, true},
		{`record.m?.k.x == 1`, "error"},
		{`record.m?.absent.x == 1`, "error"},
		{`record.l?.[7] == 1`, "error"},
		{`record.m?.[record.s] == nil`, true},
		{`lists.users[1] == "bob"`, true},
	}
	var machine vm.VM
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			prog, ds := c.Compile(NewExpr(tc.cond, diagPos("t.yaml", 1, 1)))
			if prog == nil {
				t.Fatal(ds)
			}
			out, err := machine.Run(prog, env)
			// The rewrites must not change what expr itself computes.
			plain, perr := expr.Eval(tc.cond, env)
			if (perr != nil) != (err != nil) || (err == nil && plain != out) {
				t.Errorf("rewritten: %v, %v; plain expr: %v, %v", out, err, plain, perr)
			}
			if tc.want == "error" {
				if err == nil {
					t.Errorf("= %v, want an error", out)
				}
				return
			}
			if err != nil || out != tc.want {
				t.Errorf("= %v, %v; want %v", out, err, tc.want)
			}
		})
	}
}
