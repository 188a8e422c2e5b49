package lint

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// Options configures Check.
type Options struct {
	// Schemas resolves log types; required (without it only the engine's
	// "no-schemas" error comes back).
	Schemas *schema.Set
	// Config, when set, declares the outputs rules may name.
	Config *config.Config
	// Build holds the other engine.Build options (its Schemas and Config
	// are ignored: the fields above win).
	Build engine.Options
}

// Check loads and compiles every rule and library file of rules with
// engine.Build, then runs the checks of this package on what parsed. It
// returns every problem, sorted, errors and warnings; it never panics on bad
// input. It is Load without the ruleset: what lint reports is exactly what
// loading refuses.
func Check(rules fs.FS, opts Options) diag.List {
	_, diags := Load(rules, opts)
	return diags
}

// Library runs the checks of this package on a parsed library (see the
// package comment). It does not repeat the engine's own diagnostics.
func Library(lib *rule.Library, set *schema.Set) diag.List {
	l := &linter{lib: lib, set: set, classifier: schema.NewClassifier(set), usedLists: map[string]bool{}}
	l.run()
	l.diags.Sort()
	return l.diags
}

type linter struct {
	lib        *rule.Library
	set        *schema.Set
	classifier *schema.Classifier
	diags      diag.List
	usedLists  map[string]bool
	allLists   bool // some expression uses `lists` dynamically
}

func (l *linter) run() {
	matcherTypes := map[string][]*schema.LogType{}
	usedMatchers := map[string]bool{}
	for _, r := range l.lib.Rules {
		types := RuleTypes(r, l.set)
		for _, ref := range r.Matchers {
			if ref.Local != nil {
				l.expr(ref.Local.Expr, "matcher "+ref.Name, types)
				continue
			}
			usedMatchers[ref.Name] = true
			matcherTypes[ref.Name] = appendTypes(matcherTypes[ref.Name], types)
		}
		if r.Condition != nil {
			l.expr(*r.Condition, "condition", types)
		}
		l.keys(r, types)
		l.warnings(r, types)
	}
	for _, name := range sortedKeys(l.lib.Matchers) {
		m := l.lib.Matchers[name]
		l.expr(m.Expr, "matcher "+name, matcherTypes[name])
		if !usedMatchers[name] {
			l.diags.Warnf(m.Pos, "unused-matcher", "matcher %q is not used by any rule", name)
		}
	}
	if !l.allLists {
		for _, name := range sortedKeys(l.lib.Lists) {
			if !l.usedLists[name] {
				l.diags.Warnf(l.lib.Lists[name].Pos, "unused-list", "list %q is not used by any expression", name)
			}
		}
	}
}

// RuleTypes returns the log types a rule applies to, as the engine resolves
// them: exact names, families (a name without ':'), and every log type
// providing one of the rule's datatypes. Unknown names are skipped (the
// engine diagnoses them). The result is in the set's name order.
func RuleTypes(r *rule.Rule, set *schema.Set) []*schema.LogType {
	want := map[string]bool{}
	names := set.Names()
	for _, lt := range r.LogTypes {
		if set.Get(lt) != nil {
			want[lt] = true
		} else if !strings.Contains(lt, ":") {
			for _, n := range names {
				if set.Get(n).Family() == lt {
					want[n] = true
				}
			}
		}
	}
	for _, dt := range r.Datatypes {
		for _, n := range names {
			if slices.Contains(set.Get(n).NormalizedTypes(), dt) {
				want[n] = true
			}
		}
	}
	var out []*schema.LogType
	for _, n := range names {
		if want[n] {
			out = append(out, set.Get(n))
		}
	}
	return out
}

func appendTypes(dst, src []*schema.LogType) []*schema.LogType {
	for _, t := range src {
		if !slices.Contains(dst, t) {
			dst = append(dst, t)
		}
	}
	slices.SortFunc(dst, func(a, b *schema.LogType) int { return strings.Compare(a.Name, b.Name) })
	return dst
}

// keys checks merge_by_keys, dedup_keys and req_subkeys against the schemas.
func (l *linter) keys(r *rule.Rule, types []*schema.LogType) {
	for _, key := range []string{"merge_by_keys", "dedup_keys"} {
		list := r.MergeByKeys
		if key == "dedup_keys" {
			list = r.DedupKeys
		}
		for i, k := range list {
			var missing []string
			for _, lt := range types {
				if !hasKey(lt, k) {
					missing = append(missing, lt.Name)
				}
			}
			if len(missing) > 0 {
				msg := fmt.Sprintf("%s: %q is not a field of %s", key, k, typeList(missing))
				if s := diag.Suggest(k, declaredKeys(l.set.Get(missing[0]).Schema, "")); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				l.diags.Errorf(r.ItemPos(key, i), "unknown-field", "%s", msg)
			}
		}
	}
	for _, k := range sortedKeys(r.ReqSubkeys) {
		for _, lt := range types {
			f, ok := lt.Lookup([]string{k})
			if !ok {
				msg := fmt.Sprintf("req_subkeys: %q is not a field of log type %s", k, lt.Name)
				if s := diag.Suggest(k, childNames(lt.Schema)); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				l.diags.Errorf(r.KeyPos("req_subkeys"), "unknown-field", "%s", msg)
				continue
			}
			switch f.Kind {
			case schema.KindObject:
			case schema.KindMapping:
				for _, sub := range r.ReqSubkeys[k] {
					if _, ok := lt.Lookup([]string{k, sub}); !ok {
						l.diags.Errorf(r.KeyPos("req_subkeys"), "unknown-field", "req_subkeys: %q is not a field of %s in log type %s", sub, k, lt.Name)
					}
				}
			default:
				l.diags.Errorf(r.KeyPos("req_subkeys"), "field-type", "req_subkeys: %s is %s in log type %s, not a mapping", k, f.Kind.Noun(), lt.Name)
			}
		}
	}
}

// hasKey reports whether a merge or dedup key exists in lt: a dotted path
// that Lookup finds, or a bare name declared at any depth (StreamAlert finds
// these keys at any depth), or any name when the schema has an open object
// or list where it could hide (or a mapping that keeps undeclared keys).
func hasKey(lt *schema.LogType, k string) bool {
	// The merger tries the top-level key first, dots and all (Zeek's
	// "id.orig_h"), then the dotted path.
	if _, ok := lt.Lookup([]string{k}); ok {
		return true
	}
	if _, ok := lt.Lookup(strings.Split(k, ".")); ok {
		return true
	}
	if strings.Contains(k, ".") {
		// Under a mapping that keeps undeclared keys, any path may exist.
		if open, near := lt.Undeclared(strings.Split(k, ".")); open && near == "" {
			return true
		}
		return false
	}
	return slices.Contains(declaredKeys(lt.Schema, ""), k) || hasOpen(lt.Schema)
}

// declaredKeys returns every key declared at any depth of f, both bare
// ("name") and as a dotted path from f ("user.name").
func declaredKeys(f *schema.Field, prefix string) []string {
	var out []string
	if f == nil {
		return nil
	}
	for _, k := range f.Keys {
		if prefix != "" {
			out = append(out, k.Name)
		}
		out = append(out, prefix+k.Name)
		out = append(out, declaredKeys(k.Field, prefix+k.Name+".")...)
	}
	return out
}

func hasOpen(f *schema.Field) bool {
	if f == nil {
		return false
	}
	if f.Kind == schema.KindObject || f.Kind == schema.KindList || f.Open {
		return true
	}
	return slices.ContainsFunc(f.Keys, func(k schema.NamedField) bool { return hasOpen(k.Field) })
}

func childNames(f *schema.Field) []string {
	if f == nil {
		return nil
	}
	out := make([]string, len(f.Keys))
	for i, k := range f.Keys {
		out[i] = k.Name
	}
	return out
}

func typeList(names []string) string {
	if len(names) == 1 {
		return "log type " + names[0]
	}
	return "log types " + strings.Join(names, ", ")
}

// warnings adds the rule-level warnings.
func (l *linter) warnings(r *rule.Rule, types []*schema.LogType) {
	namePos := r.KeyPos("name")
	if len(r.Tests) == 0 {
		l.diags.Warnf(namePos, "no-tests", "rule %s has no tests", r.Name)
	} else if fires, quiet := testKinds(r); !fires || !quiet {
		missing := "that fires (trigger: true)"
		if fires {
			missing = "that stays quiet (trigger: false)"
		}
		l.diags.Warnf(r.KeyPos("tests"), "weak-tests", "rule %s has no test case %s: its tests would pass a condition that always or never fires", r.Name, missing)
	}
	if len(r.Outputs) == 0 {
		l.diags.Warnf(r.KeyPos("outputs"), "no-outputs", "rule %s has no outputs: its alerts go nowhere", r.Name)
	}
	if len(types) == 0 {
		return
	}
	for i := range r.Tests {
		l.testFits(r, &r.Tests[i], types)
	}
}

// testKinds reports whether r has a test case expecting it to fire and one
// expecting it not to.
func testKinds(r *rule.Rule) (fires, quiet bool) {
	for _, t := range r.Tests {
		if t.Trigger {
			fires = true
		} else {
			quiet = true
		}
	}
	return fires, quiet
}

// testFits warns when a test's input does not classify as one of the rule's
// log types (or the test's log_type).
func (l *linter) testFits(r *rule.Rule, t *rule.Test, types []*schema.LogType) {
	cands := types
	if t.LogType != "" {
		cands = slices.DeleteFunc(slices.Clone(types), func(lt *schema.LogType) bool { return lt.Name != t.LogType })
		if len(cands) == 0 {
			return // the engine reports bad-test
		}
	}
	name := t.Description
	if name == "" {
		name = fmt.Sprintf("at line %d", t.Pos.Line)
	}
	if t.HasRaw {
		if _, err := l.classifier.Classify([]byte(t.Raw), cands); err != nil {
			l.diags.Warnf(t.Keys["raw"], "test-classify", "test %q: raw input does not classify as %s: %v", name, typeNames(cands), err)
		}
		return
	}
	if t.Record == nil {
		return
	}
	var reasons []string
	for _, lt := range cands {
		if _, err := lt.Check(t.Record); err == nil {
			return
		} else {
			reasons = append(reasons, err.Error())
		}
	}
	l.diags.Warnf(t.Keys["record"], "test-classify", "test %q: record %s", name, strings.Join(reasons, "; "))
}

func typeNames(types []*schema.LogType) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.Name
	}
	return strings.Join(names, " or ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
