package lint_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/rule"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "rule keys, comments and test keys",
			in: `# header comment
tests:
    - trigger: true   # fires
      # the record
      record: {a: 1}
      description: one
severity: high
condition: |
  record.a == 1
    && true
# the name
name: r
log_types:
- x:y
`,
			want: `# header comment
# the name
name: r
log_types:
  - x:y
condition: |
  record.a == 1
    && true
severity: high
tests:
  - description: one
    # the record
    record: {a: 1}
    trigger: true   # fires
`,
		},
		{
			name: "library: matchers then lists",
			in:   "lists:\n  a: [1]\n\nmatchers:\n  m: record.x == 1\n",
			want: "matchers:\n  m: record.x == 1\nlists:\n  a: [1]\n",
		},
		{
			name: "already canonical",
			in:   "name: r\nlog_types: [x]\ncondition: >-\n  record.a\n  == 1\n",
			want: "name: r\nlog_types: [x]\ncondition: >-\n  record.a\n  == 1\n",
		},
		{
			name: "unknown keys keep their order after known ones",
			in:   "zz: 1\nname: r\naa: 2\n",
			want: "name: r\nzz: 1\naa: 2\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lint.Format([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			again, err := lint.Format(got)
			if err != nil || string(again) != string(got) {
				t.Errorf("not idempotent (%v):\n%s", err, again)
			}
		})
	}
}

func TestFormatErrors(t *testing.T) {
	for _, in := range []string{"a: [", "a: 1\n---\nb: 2\n"} {
		if _, err := lint.Format([]byte(in)); !errors.Is(err, lint.ErrFormat) {
			t.Errorf("Format(%q) = %v, want ErrFormat", in, err)
		}
	}
}

// TestFormatKeepsMeaning formats every shipped rule and fixture and checks
// that rule.Parse reads the same rules, matchers and lists before and after,
// and that formatting twice changes nothing.
func TestFormatKeepsMeaning(t *testing.T) {
	before, after := fstest.MapFS{}, fstest.MapFS{}
	for _, root := range []string{"../../rules.d", fixtures} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !rule.IsRuleFile(p) || strings.Contains(p, ".bad.") || strings.Contains(p, "schemas") {
				return err
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out, err := lint.Format(src)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				return nil
			}
			if again, err := lint.Format(out); err != nil || string(again) != string(out) {
				t.Errorf("%s: not idempotent", p)
			}
			key := filepath.ToSlash(strings.TrimPrefix(p, "../../"))
			before[key] = &fstest.MapFile{Data: src}
			after[key] = &fstest.MapFile{Data: out}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(before) < 5 {
		t.Fatalf("only %d files", len(before))
	}
	lib1, d1 := rule.Parse(before)
	lib2, d2 := rule.Parse(after)
	if codes(d1) != codes(d2) {
		t.Errorf("diagnostics differ:\n%v\n%v", d1, d2)
	}
	if len(lib1.Rules) != len(lib2.Rules) {
		t.Fatalf("%d rules before, %d after", len(lib1.Rules), len(lib2.Rules))
	}
	for i, r1 := range lib1.Rules {
		if !reflect.DeepEqual(strip(r1), strip(lib2.Rules[i])) {
			t.Errorf("rule %s changed", r1.Name)
		}
	}
	if len(lib1.Matchers) != len(lib2.Matchers) || len(lib1.Lists) != len(lib2.Lists) {
		t.Errorf("library changed")
	}
	for n, m := range lib1.Matchers {
		if lib2.Matchers[n] == nil || lib2.Matchers[n].Expr.Source != m.Expr.Source {
			t.Errorf("matcher %s changed", n)
		}
	}
	for n, l := range lib1.Lists {
		if lib2.Lists[n] == nil || !reflect.DeepEqual(lib2.Lists[n].Values, l.Values) {
			t.Errorf("list %s changed", n)
		}
	}
}

func codes(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString(d.Code + " " + d.Message + "\n")
	}
	return b.String()
}

// strip returns the meaning of a rule: its values without positions.
func strip(r *rule.Rule) rule.Rule {
	c := *r
	c.Pos, c.Keys, c.Items = diag.Pos{}, nil, nil
	if c.Condition != nil {
		e := rule.NewExpr(c.Condition.Source, diag.Pos{})
		c.Condition = &e
	}
	c.Matchers = nil
	for _, m := range r.Matchers {
		ref := rule.MatcherRef{Name: m.Name}
		if m.Local != nil {
			ref.Local = &rule.Matcher{Name: m.Local.Name, Expr: rule.NewExpr(m.Local.Expr.Source, diag.Pos{}), Rule: m.Local.Rule}
		}
		c.Matchers = append(c.Matchers, ref)
	}
	c.Tests = nil
	for _, tc := range r.Tests {
		tc.Pos, tc.Keys = diag.Pos{}, nil
		c.Tests = append(c.Tests, tc)
	}
	return c
}
