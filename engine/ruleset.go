package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// DefaultErrorInterval is how often, at most, OnRuleError hears about one
// rule when Options.ErrorInterval is zero.
const DefaultErrorInterval = time.Minute

// Options configures Build.
type Options struct {
	// Schemas resolves log_types and datatypes; required. A log type or
	// normalized type no schema provides is a diagnostic.
	Schemas *schema.Set
	// Config, when set, declares the outputs; a rule output not declared
	// there is a diagnostic. Nil means outputs are not checked.
	Config *config.Config
	// OnRuleError, when set, is called when a rule fails at run time, at most
	// once per rule per ErrorInterval. It is called synchronously from
	// Evaluate, possibly from many goroutines at once.
	OnRuleError func(RuleError)
	// ErrorInterval rate-limits OnRuleError per rule; zero means
	// DefaultErrorInterval.
	ErrorInterval time.Duration
}

// RuleError describes one run-time failure of a rule (a type error, a nil
// index, a division by zero ...). The rule counted as not triggered.
type RuleError struct {
	Rule    string
	File    string
	Source  Source
	LogType string
	Err     error
}

// Error formats the failure as "rule NAME (FILE) on LOGTYPE: ERR".
func (e RuleError) Error() string {
	return fmt.Sprintf("rule %s (%s) on %s: %v", e.Rule, e.File, e.LogType, e.Err)
}

// Unwrap returns the underlying error.
func (e RuleError) Unwrap() error { return e.Err }

// Ruleset is a compiled, immutable set of rules indexed by log type: a record
// meets only the rules that apply to its log type. Build it once per set of
// rule files and share it; all methods are safe for concurrent use. Swap
// rulesets with an atomic.Pointer to reload.
type Ruleset struct {
	opts     Options
	rules    []*rule.Rule             // all rules, sorted by name
	compiled map[string]*compiledRule // by name, enabled and disabled
	byType   map[string]*typeRules    // log type name → the enabled rules for it
	lists    map[string]*rule.List    // the library's lists
	newEnv   func() map[string]any
	maxMatch int // most distinct matchers of one log type: size of the cache
	maxRules int // most rules of one log type: size of the candidate marks
	maxPaths int // most prefix-guard paths of one log type
	pool     sync.Pool
}

// compiledRule is a rule with its programs and run-time counters.
type compiledRule struct {
	rule     *rule.Rule
	cond     *vm.Program // nil when the rule has only matchers
	matchers []*compiledMatcher
	types    []*schema.LogType
	subkeys  []subkeyReq

	// Copied into alerts; never nil so that JSON shows [] and {}.
	tags    []string
	outputs []string
	context map[string]any

	guard *guard // a necessary condition checked by index, nil when none
	// pre are the guards the condition starts with (see prefixGuards), for
	// a rule without matchers: any false one skips the rule unrun.
	pre []guard
	// readsNormalized: the condition or a matcher names `normalized`, so
	// evaluation must box the record's normalized values; normNames are the
	// types read by name (normalized.X), present in the environment even
	// when the record has no value for them.
	readsNormalized bool
	normNames       []string

	errors     atomic.Uint64
	lastReport atomic.Int64 // unix nanoseconds of the last OnRuleError call
	breaker    breaker      // disables the rule after runs over its cost budget
}

type subkeyReq struct {
	key  string
	subs []string
}

type compiledMatcher struct {
	name string
	prog *vm.Program
}

// typeRules is what one log type meets: its rules in name order and the
// distinct matchers they use, evaluated at most once per record.
type typeRules struct {
	logType  any // the boxed name, so filling the environment does not allocate
	rules    []typeRule
	matchers int // number of distinct matchers

	// Guard index (see guard.go): rules without a guard, and guarded rules
	// grouped by the record path their guard reads.
	always []int32
	groups []*guardGroup

	readsNormalized bool     // some rule or matcher names `normalized`
	normNames       []string // the normalized types they read by name

	paths [][]string // the record paths the rules' prefix guards read
}

type typeRule struct {
	r   *compiledRule
	idx []int // cache slot of each of r.matchers for this log type
	pre []preGuard
}

// preGuard is one of a rule's prefix guards with its path numbered among
// the log type's guard paths (typeRules.paths), so that each path is read
// once per record whatever the number of rules testing it.
type preGuard struct {
	path int
	test *pathTest // an in_cidr or matches test instead of values
	// strArray: expr fails on a key that is not a string (see guard)
	strArray bool
	proved   bool            // by the guard index: only its path's walk is checked
	strs     []string        // the string values (when fewValues or fewer)
	strSet   map[string]bool // the string values (when more)
	ints     []int64         // the integer values
}

func (g *preGuard) holds(k any) bool {
	switch x := k.(type) {
	case string:
		if g.strSet != nil {
			return g.strSet[x]
		}
		return slices.Contains(g.strs, x)
	case int64:
		return slices.Contains(g.ints, x)
	}
	return false
}

// fewValues is how many string values a prefix guard scans before it
// hashes instead.
const fewValues = 8

// Build parses every rule and library file in rules, resolves log types and
// data types against opts.Schemas, and compiles every expression once. It
// returns every problem found, sorted; rs is nil when any is an error.
// Disabled rules (enabled: false) are validated and compiled but not
// evaluated.
func Build(rules fs.FS, opts Options) (*Ruleset, diag.List) {
	lib, diags := rule.Parse(rules)
	return BuildLibrary(lib, diags, opts)
}

// BuildLibrary is Build on a library rule.Parse returned, with the
// diagnostics it gave (lint parses once and checks the same library). lib
// is not modified.
func BuildLibrary(lib *rule.Library, diags diag.List, opts Options) (*Ruleset, diag.List) {
	diags = slices.Clone(diags)
	if opts.Schemas == nil {
		diags.Errorf(diag.Pos{File: "."}, "no-schemas", "no schemas to resolve log types against")
		return nil, diags
	}
	if opts.ErrorInterval <= 0 {
		opts.ErrorInterval = DefaultErrorInterval
	}
	rs := &Ruleset{opts: opts, rules: lib.Rules, compiled: map[string]*compiledRule{}, byType: map[string]*typeRules{}, lists: lib.Lists}
	c := rule.NewCompiler(lib)
	rs.newEnv = c.NewEnv

	libMatchers := map[string]*compiledMatcher{}
	for _, name := range sortedKeys(lib.Matchers) {
		prog, ds := c.Compile(lib.Matchers[name].Expr)
		diags.Add(ds...)
		libMatchers[name] = &compiledMatcher{name: name, prog: prog}
	}
	typeNames := opts.Schemas.Names()
	// Each rule's expressions compile on every core; what follows uses the
	// programs in rule order, so the result is that of compiling in order.
	progs := compileRules(c, lib)
	families := map[string]bool{}
	for _, n := range typeNames {
		families[strings.SplitN(n, ":", 2)[0]] = true
	}
	for ri, r := range lib.Rules {
		pr := &progs[ri]
		diags.Add(pr.diags...)
		cr := &compiledRule{rule: r, tags: r.Tags, outputs: r.Outputs, context: r.Context}
		if cr.tags == nil {
			cr.tags = []string{}
		}
		if cr.outputs == nil {
			cr.outputs = []string{}
		}
		if cr.context == nil {
			cr.context = map[string]any{}
		}
		for i, ref := range r.Matchers {
			if ref.Local != nil {
				cr.matchers = append(cr.matchers, &compiledMatcher{name: r.Name + "." + ref.Name, prog: pr.local[i]})
			} else if m := libMatchers[ref.Name]; m != nil {
				cr.matchers = append(cr.matchers, m)
			}
		}
		cr.cond = pr.cond
		ms := pr.matchers
		cr.guard, cr.pre = pr.guard, pr.pre
		if r.Condition != nil {
			cr.noteNormalized(r.Condition.Source)
		}
		for _, m := range ms {
			if m != nil {
				cr.noteNormalized(m.Expr.Source)
			}
		}
		for _, k := range sortedKeys(r.ReqSubkeys) {
			cr.subkeys = append(cr.subkeys, subkeyReq{key: k, subs: r.ReqSubkeys[k]})
		}
		cr.types = resolveTypes(r, opts.Schemas, typeNames, families, &diags)
		if opts.Config != nil {
			for i, o := range r.Outputs {
				if !opts.Config.HasOutput(o) {
					msg := fmt.Sprintf("output %q is not declared in %s", o, opts.Config.File)
					if s := diag.Suggest(o, opts.Config.OutputNames()); s != "" {
						msg += fmt.Sprintf("; did you mean %q?", s)
					}
					diags.Errorf(r.ItemPos("outputs", i), "unknown-output", "%s", msg)
				}
			}
		}
		checkTests(cr, &diags)
		if r.Name != "" && rs.compiled[r.Name] == nil {
			rs.compiled[r.Name] = cr
		}
	}
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	rs.index()
	rs.pool.New = func() any {
		return &evalState{env: rs.newEnv(), cache: make([]uint8, rs.maxMatch), mark: make([]bool, rs.maxRules), norm: map[string]any{},
			keys: make([]pathKeyState, rs.maxPaths)}
	}
	return rs, diags
}

// rulePrograms are one rule's compiled expressions.
type rulePrograms struct {
	local    []*vm.Program // by index of Rule.Matchers (nil for library matchers)
	cond     *vm.Program
	matchers []*rule.Matcher // the rule's matchers, local or from the library
	guard    *guard
	pre      []guard
	diags    diag.List
}

// compileRules compiles every rule's local matchers and condition and finds
// its guard, on every core.
func compileRules(c *rule.Compiler, lib *rule.Library) []rulePrograms {
	out := make([]rulePrograms, len(lib.Rules))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(lib.Rules)/32)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(lib.Rules) {
					return
				}
				r, pr := lib.Rules[i], &out[i]
				pr.local = make([]*vm.Program, len(r.Matchers))
				for j, ref := range r.Matchers {
					if ref.Local != nil {
						prog, ds := c.Compile(ref.Local.Expr)
						pr.diags = append(pr.diags, ds...)
						pr.local[j] = prog
						pr.matchers = append(pr.matchers, ref.Local)
					} else {
						pr.matchers = append(pr.matchers, lib.Matchers[ref.Name])
					}
				}
				if r.Condition != nil {
					prog, ds := c.Compile(*r.Condition)
					pr.diags = append(pr.diags, ds...)
					pr.cond = prog
				}
				if g, ok := ruleGuard(lib, r, pr.matchers); ok {
					pr.guard = &g
				}
				if r.Condition != nil && len(r.Matchers) == 0 {
					pr.pre = prefixGuards(lib, r.Condition.Source)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// normalizedName matches normalized.X, normalized?.X and normalized["X"].
var normalizedName = regexp.MustCompile(`\bnormalized\s*(?:\??\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*["'\x60]([^"'\x60]+)["'\x60]\s*\])`)

// noteNormalized records whether src reads `normalized`, and which types.
func (cr *compiledRule) noteNormalized(src string) {
	if !strings.Contains(src, rule.EnvNormalized) {
		return
	}
	cr.readsNormalized = true
	for _, m := range normalizedName.FindAllStringSubmatch(src, -1) {
		n := m[1] + m[2]
		if !slices.Contains(cr.normNames, n) {
			cr.normNames = append(cr.normNames, n)
		}
	}
}

// resolveTypes turns a rule's log_types and datatypes into log types,
// diagnosing names no schema provides.
func resolveTypes(r *rule.Rule, set *schema.Set, names []string, families map[string]bool, diags *diag.List) []*schema.LogType {
	want := map[string]bool{}
	for i, lt := range r.LogTypes {
		found := false
		if set.Get(lt) != nil {
			want[lt], found = true, true
		} else if !strings.Contains(lt, ":") {
			for _, n := range names {
				if t := set.Get(n); t.Family() == lt {
					want[n], found = true, true
				}
			}
		}
		if !found {
			msg := fmt.Sprintf("unknown log type %q", lt)
			cands := append(slices.Clone(names), sortedKeys(families)...)
			if s := diag.Suggest(lt, cands); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			diags.Errorf(r.ItemPos("log_types", i), "unknown-log-type", "%s", msg)
		}
	}
	// As in StreamAlert, datatypes name every log type providing at least
	// one of them: a datatype no schema provides is only a warning, unless
	// none of the rule's is provided.
	var missing []int
	for i, dt := range r.Datatypes {
		found := false
		for _, n := range names {
			if slices.Contains(set.Get(n).NormalizedTypes(), dt) {
				want[n], found = true, true
			}
		}
		if !found {
			missing = append(missing, i)
		}
	}
	var provided []string
	if len(missing) > 0 {
		for _, n := range names {
			for _, t := range set.Get(n).NormalizedTypes() {
				if !slices.Contains(provided, t) {
					provided = append(provided, t)
				}
			}
		}
		slices.Sort(provided)
	}
	for _, i := range missing {
		dt := r.Datatypes[i]
		msg := fmt.Sprintf("no schema provides normalized type %q", dt)
		if s := diag.Suggest(dt, provided); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		if len(missing) == len(r.Datatypes) {
			diags.Errorf(r.ItemPos("datatypes", i), "unknown-datatype", "%s", msg)
		} else {
			diags.Warnf(r.ItemPos("datatypes", i), "unknown-datatype", "%s (the rule still applies to the log types providing its other datatypes)", msg)
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

// checkTests diagnoses test cases whose log_type the rule does not apply to.
func checkTests(cr *compiledRule, diags *diag.List) {
	for _, t := range cr.rule.Tests {
		if t.LogType == "" {
			continue
		}
		if !slices.ContainsFunc(cr.types, func(lt *schema.LogType) bool { return lt.Name == t.LogType }) {
			diags.Errorf(t.Keys["log_type"], "bad-test", "test log_type %q is not one of the log types rule %s applies to", t.LogType, cr.rule.Name)
		}
	}
}

// index precomputes, per log type, the enabled rules and their matchers.
func (rs *Ruleset) index() {
	for _, r := range rs.rules {
		cr := rs.compiled[r.Name]
		if cr == nil || cr.rule != r || !r.Enabled {
			continue
		}
		for _, lt := range cr.types {
			tr := rs.byType[lt.Name]
			if tr == nil {
				tr = &typeRules{logType: any(lt.Name)}
				rs.byType[lt.Name] = tr
			}
			tr.rules = append(tr.rules, typeRule{r: cr})
		}
	}
	for _, tr := range rs.byType {
		slot := map[*compiledMatcher]int{}
		for i := range tr.rules {
			trr := &tr.rules[i]
			for _, m := range trr.r.matchers {
				s, ok := slot[m]
				if !ok {
					s = len(slot)
					slot[m] = s
				}
				trr.idx = append(trr.idx, s)
			}
		}
		tr.matchers = len(slot)
		tr.numberPrefixGuards()
		rs.maxPaths = max(rs.maxPaths, len(tr.paths))
		rs.maxMatch = max(rs.maxMatch, tr.matchers)
		rs.maxRules = max(rs.maxRules, len(tr.rules))
		tr.buildGuards()
		for _, trr := range tr.rules {
			tr.readsNormalized = tr.readsNormalized || trr.r.readsNormalized
			for _, n := range trr.r.normNames {
				if !slices.Contains(tr.normNames, n) {
					tr.normNames = append(tr.normNames, n)
				}
			}
		}
	}
}

// Rules returns every rule, enabled and disabled, sorted by name. The rules
// are shared: do not modify them.
func (rs *Ruleset) Rules() []*rule.Rule { return slices.Clone(rs.rules) }

// RuleErrorCounts returns, for every rule, the number of run-time errors
// since Build (test runs excluded).
func (rs *Ruleset) RuleErrorCounts() map[string]uint64 {
	out := make(map[string]uint64, len(rs.compiled))
	for name, cr := range rs.compiled {
		out[name] = cr.errors.Load()
	}
	return out
}

// LogTypes returns the names of the log types at least one enabled rule
// applies to, sorted.
func (rs *Ruleset) LogTypes() []string { return sortedKeys(rs.byType) }

// RulesFor returns the names of the enabled rules that apply to a log type,
// in evaluation (name) order.
func (rs *Ruleset) RulesFor(logType string) []string {
	tr := rs.byType[logType]
	if tr == nil {
		return nil
	}
	out := make([]string, len(tr.rules))
	for i, r := range tr.rules {
		out[i] = r.r.rule.Name
	}
	return out
}

// reportError counts a rule's run-time error and calls OnRuleError unless
// it was called for this rule less than ErrorInterval ago.
func (rs *Ruleset) reportError(cr *compiledRule, logType string, src Source, err error) RuleError {
	cr.errors.Add(1)
	re := RuleError{Rule: cr.rule.Name, File: cr.rule.File, Source: src, LogType: logType, Err: err}
	if rs.opts.OnRuleError == nil {
		return re
	}
	now := time.Now().UnixNano()
	last := cr.lastReport.Load()
	if last != 0 && now-last < int64(rs.opts.ErrorInterval) {
		return re
	}
	if !cr.lastReport.CompareAndSwap(last, now) {
		return re // another goroutine reports this interval
	}
	rs.opts.OnRuleError(re)
	return re
}

// errNotBool guards AsBool: a condition's value must be a bool.
var errNotBool = errors.New("expression did not return a bool")

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// numberPrefixGuards numbers the paths of the rules' prefix guards.
func (tr *typeRules) numberPrefixGuards() {
	ids := map[string]int{}
	for i := range tr.rules {
		trr := &tr.rules[i]
		// The index proves the guard it files the rule under: a rule is
		// reached through that guard's bucket, or when its path cannot be
		// walked. Only the walk is checked again then, not the value.
		ig := trr.r.guard
		for j, g := range trr.r.pre {
			proved := j == 0 && g.test == nil && ig != nil && slices.Equal(g.path, ig.path) && reflect.DeepEqual(g.values, ig.values)
			key := pathKey(g.path)
			id, ok := ids[key]
			if !ok {
				id = len(tr.paths)
				ids[key] = id
				tr.paths = append(tr.paths, g.path)
			}
			pg := preGuard{path: id, proved: proved, test: g.test, strArray: g.strArray}
			if !proved && g.test == nil {
				for _, v := range g.values {
					switch x := v.(type) {
					case string:
						pg.strs = append(pg.strs, x)
					case int64:
						pg.ints = append(pg.ints, x)
					}
				}
				if len(pg.strs) > fewValues {
					pg.strSet = make(map[string]bool, len(pg.strs))
					for _, s := range pg.strs {
						pg.strSet[s] = true
					}
					pg.strs = nil
				}
			}
			trr.pre = append(trr.pre, pg)
		}
	}
}
