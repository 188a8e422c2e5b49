package engine

import (
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
)

// RuleSpec is one rule of a Ruleset as it was compiled: what a tool that
// explains the rule's verdict (ruleck explain, the playground) needs beyond
// the rule file itself. It shares the Ruleset's data: do not modify it.
type RuleSpec struct {
	Rule *rule.Rule
	// LogTypes names the log types the rule applies to (from log_types and
	// datatypes), in schema name order, whether or not it is enabled.
	LogTypes []string
	// Matchers are the rule's matchers in the order the engine runs them.
	Matchers []MatcherSpec
}

// MatcherSpec is one matcher of a rule.
type MatcherSpec struct {
	// Name is the name the rule gives it (library or rule-local).
	Name string
	// Library is true for a matcher of a library file.
	Library bool
	// Expr is the matcher's expression. A rule-local matcher's Expr maps
	// positions into the rule file; a library matcher's carries no position
	// (the ruleset keeps only its source), see Pos.
	Expr rule.Expr
	// Pos is where the rule names the matcher.
	Pos diag.Pos
}

// Spec returns the rule named name (enabled or not); ok is false when the
// ruleset has no such rule.
func (rs *Ruleset) Spec(name string) (spec RuleSpec, ok bool) {
	cr := rs.compiled[name]
	if cr == nil {
		return RuleSpec{}, false
	}
	spec.Rule = cr.rule
	for _, lt := range cr.types {
		spec.LogTypes = append(spec.LogTypes, lt.Name)
	}
	i := 0
	for _, ref := range cr.rule.Matchers {
		if i >= len(cr.matchers) {
			break
		}
		m := MatcherSpec{Name: ref.Name, Library: ref.Local == nil, Pos: ref.Pos}
		if ref.Local != nil {
			m.Expr = ref.Local.Expr
		} else if p := cr.matchers[i].prog; p != nil {
			m.Expr = rule.NewExpr(p.Source().String(), diag.Pos{})
		}
		spec.Matchers = append(spec.Matchers, m)
		i++
	}
	return spec, true
}

// Lists returns the named lists the ruleset's expressions see. The map is
// shared: do not modify it.
func (rs *Ruleset) Lists() map[string]*rule.List { return rs.lists }
