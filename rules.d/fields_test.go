package rulesd_test

import (
	"strings"
	"testing"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
	"github.com/streamalert-go/streamalert/schemas"
)

// TestRulesReadDeclaredFields checks that every `record.a.b` path a rule's
// condition or matchers read is declared by the schema of each of the rule's
// log types (an open object {} accepts any deeper key). A typo in a field
// name would otherwise only show up as a rule that never fires.
func TestRulesReadDeclaredFields(t *testing.T) {
	set, diags := schema.Load(schemas.FS)
	if len(diags) > 0 {
		t.Fatalf("embedded schemas do not load:\n%v", diags)
	}
	lib, diags := rule.Parse(rulesd.FS)
	if len(diags) > 0 {
		t.Fatalf("embedded rules do not parse:\n%v", diags)
	}
	for _, r := range lib.Rules {
		t.Run(r.Name, func(t *testing.T) {
			types, err := set.Resolve(r.LogTypes)
			if err != nil {
				t.Fatalf("%s: %v", r.File, err)
			}
			exprs := map[string]string{}
			if r.Condition != nil {
				exprs["condition"] = r.Condition.Source
			}
			for _, m := range r.Matchers {
				switch {
				case m.Local != nil:
					exprs["matcher "+m.Name] = m.Local.Expr.Source
				case lib.Matchers[m.Name] != nil:
					exprs["matcher "+m.Name] = lib.Matchers[m.Name].Expr.Source
				default:
					t.Errorf("%s: unknown matcher %q", r.File, m.Name)
				}
			}
			for what, src := range exprs {
				tree, err := parser.Parse(src)
				if err != nil {
					t.Errorf("%s: %s does not parse: %v", r.File, what, err)
					continue
				}
				for _, path := range recordPaths(tree.Node) {
					for _, lt := range types {
						if bad := undeclared(lt.Schema, path); bad != "" {
							t.Errorf("%s: %s reads record.%s, but %s declares no %q",
								r.File, what, strings.Join(path, "."), lt.Name, bad)
						}
					}
				}
			}
		})
	}
}

// recordPaths returns the constant key paths read from `record`
// (record.a?.b, record["a"].b), one per member expression.
func recordPaths(root ast.Node) [][]string {
	v := &pathVisitor{}
	ast.Walk(&root, v)
	return v.paths
}

type pathVisitor struct{ paths [][]string }

func (v *pathVisitor) Visit(node *ast.Node) {
	if m, ok := (*node).(*ast.MemberNode); ok {
		if p := memberPath(m); p != nil {
			v.paths = append(v.paths, p)
		}
	}
}

// memberPath is the path of m when it is a chain of constant string keys
// starting at the identifier `record`, else nil.
func memberPath(m *ast.MemberNode) []string {
	key, ok := m.Property.(*ast.StringNode)
	if !ok {
		return nil
	}
	base := m.Node
	if c, ok := base.(*ast.ChainNode); ok {
		base = c.Node
	}
	switch b := base.(type) {
	case *ast.IdentifierNode:
		if b.Value == "record" {
			return []string{key.Value}
		}
	case *ast.MemberNode:
		if p := memberPath(b); p != nil {
			return append(p, key.Value)
		}
	}
	return nil
}

// undeclared returns the first key of path the schema does not declare, or
// "" when the path is readable.
func undeclared(f *schema.Field, path []string) string {
	for _, key := range path {
		if f.Kind != schema.KindMapping {
			if f.Kind == schema.KindObject {
				return ""
			}
			return key // a key read from a scalar or a list
		}
		var next *schema.Field
		for _, k := range f.Keys {
			if k.Name == key {
				next = k.Field
			}
		}
		if next == nil {
			return key
		}
		f = next
	}
	return ""
}
