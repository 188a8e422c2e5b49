package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// FuzzParseRuleFile feeds arbitrary bytes to the rule-file loader, the
// compiler, the lint checks and the formatter: none may panic, and every
// diagnostic must point inside the file (line 1..number of lines, column >=
// 1), or at the whole file (line 0).
func FuzzParseRuleFile(f *testing.F) {
	for _, pat := range []string{fixtures + "/*.yaml", fixtures + "/lib/*.yaml", "../../rules.d/*/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, p := range files {
			if src, err := os.ReadFile(p); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte("name: x\ncondition: |\n  record.a ==\n"))
	f.Add([]byte("matchers:\n  m: >\n    record.a\n\n    == 1\n"))
	// An alias bomb (10^9 values from a kilobyte): refused, never expanded.
	bomb := "name: bomb\nlog_types: [x]\ncondition: 'true'\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i <= 9; i++ {
		bomb += fmt.Sprintf("l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	f.Add([]byte(bomb + "tests:\n  - {description: d, trigger: true, record: {a: *l9}}\n"))
	set, diags := schema.Load(os.DirFS(filepath.Join(fixtures, "schemas")))
	if diags.HasErrors() {
		f.Fatal(diags)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		const file = "f.yaml"
		lib := &rule.Library{Matchers: map[string]*rule.Matcher{}, Lists: map[string]*rule.List{}}
		var ds diag.List
		rule.ParseFile(lib, file, src, &ds)
		rule.Resolve(lib, &ds)
		c := rule.NewCompiler(lib)
		for _, m := range lib.Matchers {
			_, d := c.Compile(m.Expr)
			ds.Add(d...)
		}
		for _, r := range lib.Rules {
			if r.Condition != nil {
				_, d := c.Compile(*r.Condition)
				ds.Add(d...)
			}
			for _, m := range r.Matchers {
				if m.Local != nil {
					_, d := c.Compile(m.Local.Expr)
					ds.Add(d...)
				}
			}
		}
		ds.Add(lint.Library(lib, set)...)
		// YAML breaks lines at LF, CRLF and a lone CR alike.
		lines := strings.Count(strings.ReplaceAll(strings.ReplaceAll(string(src), "\r\n", "\n"), "\r", "\n"), "\n") + 1
		for _, d := range ds {
			p := d.Pos
			if p.File != file {
				t.Errorf("diagnostic in file %q: %v", p.File, d)
			}
			if p.Line == 0 && p.Col == 0 {
				continue
			}
			if p.Line < 1 || p.Line > lines || p.Col < 1 {
				t.Errorf("position outside the file (%d lines): %v", lines, d)
			}
		}
		if out, err := lint.Format(src); err == nil {
			if again, err := lint.Format(out); err != nil || string(again) != string(out) {
				t.Errorf("Format not idempotent:\n%s\n---\n%s", out, again)
			}
		}
	})
}
