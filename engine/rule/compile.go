package rule

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/streamalert-go/streamalert/engine/diag"
)

// MaxExprNodes bounds the size of one expression (expr.MaxNodes), so that a
// runaway generated rule cannot make compilation or evaluation explode.
const MaxExprNodes = 5000

// Names of the expression environment. They are a contract: rules written
// today must keep working.
const (
	EnvRecord     = "record"
	EnvLogType    = "log_type"
	EnvSource     = "source"
	EnvLists      = "lists"
	EnvNormalized = "normalized"
)

// Source is the `source` of the expression environment: where a record came
// from. Its field names in expressions are service and entity. It has the
// same fields as engine.Source, so the two convert into each other.
type Source struct {
	Service string `json:"service" expr:"service"`
	Entity  string `json:"entity" expr:"entity"`
}

// Compiler compiles expressions against the environment and a Library's
// lists. Lists' sets, CIDR sets and glob sets are built once per Compiler
// and shared by every program it compiles. Compile is safe for concurrent
// use, and so are the programs it returns.
type Compiler struct {
	mu       sync.Mutex // guards the list caches: Compile runs on several goroutines
	lib      *Library
	lists    map[string]any // list name → []any, boxed once so lists.x reads do not allocate
	opts     []expr.Option
	sets     map[string]*Set
	prefixes map[string]listParse[*PrefixSet]
	globs    map[string]listParse[*GlobSet]
}

type listParse[T any] struct {
	val T
	err string
}

// NewCompiler returns a Compiler for lib's lists.
func NewCompiler(lib *Library) *Compiler {
	c := &Compiler{
		lib:      lib,
		lists:    map[string]any{},
		sets:     map[string]*Set{},
		prefixes: map[string]listParse[*PrefixSet]{},
		globs:    map[string]listParse[*GlobSet]{},
	}
	for name, l := range lib.Lists {
		c.lists[name] = l.Values
	}
	c.opts = []expr.Option{
		expr.Env(c.NewEnv()),
		expr.AsBool(),
		expr.MaxNodes(MaxExprNodes),
		expr.Function("in_cidr", InCIDR, new(func(ip any, cidrs any) bool)),
		expr.Function("glob", GlobMatch, new(func(s any, patterns any) bool)),
		expr.Function("find_keys", FindKeys, new(func(x any, key string) []any)),
		expr.Function("values", Values, new(func(x any) []any)),
		expr.Function("try_json", TryJSON, new(func(s any) any)),
	}
	return c
}

// NewEnv returns a fresh environment map for programs of this Compiler, with
// lists filled in. Fill the rest with SetEnv before each run. The map may be
// reused for many runs but not by two goroutines at once.
func (c *Compiler) NewEnv() map[string]any {
	env := map[string]any{
		EnvRecord:     map[string]any(nil),
		EnvLogType:    "",
		EnvSource:     &Source{},
		EnvLists:      c.lists,
		EnvNormalized: map[string]any(nil),
	}
	for name, fn := range rewriteFuncs {
		env[name] = fn
	}
	addCostFuncs(env)
	return env
}

// SetEnv fills env (from NewEnv) for one record. logType is the log type's
// name, boxed once by the caller to avoid an allocation per record; src must
// stay valid while programs run. normalized maps a normalized type to its
// []any values (see BoxNormalized).
func SetEnv(env map[string]any, data map[string]any, logType any, src *Source, normalized map[string]any) {
	env[EnvRecord] = data
	env[EnvLogType] = logType
	env[EnvSource] = src
	env[EnvNormalized] = normalized
}

// BoxNormalized copies a record's normalized values into dst (cleared
// first) as the environment holds them: each []any boxed once per record
// rather than at every normalized.X read. Every name in names is present,
// as an empty list when the record has no value for it, so that
// any(normalized.X, ...) works on every record. It returns dst.
func BoxNormalized(dst map[string]any, normalized map[string][]any, names []string) map[string]any {
	clear(dst)
	for _, n := range names {
		dst[n] = normalized[n] // a nil []any boxes without allocating
	}
	for k, v := range normalized {
		dst[k] = v
	}
	return dst
}

// Compile compiles one expression into a program returning a bool, its cost
// bounded (see Budget): an expression over MaxExprSource bytes or
// MaxExprNodes nodes is an error, and the program charges the run's Budget
// in its loops and as it builds strings. Constant
// arguments of in_cidr and glob (a string, an array of strings or a list
// name) are parsed now, `x in lists.name` becomes a set lookup, and constant
// regexps are compiled by expr. Problems come back as diagnostics positioned
// in the expression's file; the program is nil when there is an error.
func (c *Compiler) Compile(e Expr) (prog *vm.Program, diags diag.List) {
	defer func() {
		if r := recover(); r != nil { // a bug in expr or in the rewrites: never crash a reload
			prog = nil
			diags.Errorf(e.Pos, "expr-compile", "expression: internal compiler error: %v", r)
		}
	}()
	if len(e.Source) > MaxExprSource {
		diags.Errorf(e.Pos, "expr-too-large", "expression: %d bytes of source, more than the limit of %d", len(e.Source), MaxExprSource)
		return nil, diags
	}
	chains := &chainMarker{in: map[*ast.MemberNode]bool{}}
	p := &patcher{c: c, expr: e, inChain: chains.in}
	opts := append(c.opts[:len(c.opts):len(c.opts)], expr.Patch(chains), expr.Patch(p), expr.Patch(costPatcher{}))
	prog, err := expr.Compile(e.Source, opts...)
	diags = p.diags
	if err != nil {
		diags = append(diags, exprDiag(e, err))
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return prog, diags
}

// exprDiag turns an expr compile error into a positioned diagnostic with
// expr's caret snippet.
func exprDiag(e Expr, err error) diag.Diagnostic {
	d := diag.Diagnostic{Pos: e.Pos, Severity: diag.Error, Code: "expr-compile", Message: err.Error()}
	var fe *file.Error
	if errors.As(err, &fe) {
		d.Pos = e.PosAt(fe.Line, fe.Column)
		d.Message = fe.Message
		d.Snippet = strings.TrimLeft(fe.Snippet, "\n")
	}
	switch msg := d.Message; {
	case strings.Contains(msg, "error parsing regexp"):
		d.Code = "bad-regexp"
	case strings.Contains(msg, "unknown name"):
		d.Code = "unknown-name"
	case strings.Contains(msg, "mismatched types"), strings.Contains(msg, "invalid operation"),
		strings.Contains(msg, "expected bool"), strings.Contains(msg, "cannot use"),
		strings.Contains(msg, "not enough arguments"), strings.Contains(msg, "too many arguments"):
		d.Code = "expr-type"
	}
	d.Message = "expression: " + d.Message
	return d
}

// patcher rewrites one expression's tree (see Compile) and collects the
// problems found in constant arguments.
type patcher struct {
	c       *Compiler
	expr    Expr
	inChain map[*ast.MemberNode]bool
	diags   diag.List
}

// chainMarker finds the member accesses inside optional chains (a?.b.c):
// the compiler gives those nil short-circuit jumps, so they must stay
// member nodes.
type chainMarker struct{ in map[*ast.MemberNode]bool }

// Visit implements ast.Visitor.
func (m *chainMarker) Visit(node *ast.Node) {
	if ch, ok := (*node).(*ast.ChainNode); ok {
		ast.Walk(&ch.Node, memberMarker(m.in))
	}
}

type memberMarker map[*ast.MemberNode]bool

func (m memberMarker) Visit(node *ast.Node) {
	if mn, ok := (*node).(*ast.MemberNode); ok {
		m[mn] = true
	}
}

// Functions the rewrites call. They live in the environment (not in the
// constant pool: expr's optimizer prints constants as JSON, and funcs do not
// print) under names with a space, which no expression can spell. Their
// signatures are ones expr's VM calls directly (OpCallTyped: no argument
// slice, no reflection).
const (
	fnFetch   = "fetch member"
	fnChain   = "fetch chain"
	fnInSet   = "in set"
	fnInCIDRs = "in cidr set"
	fnGlobSet = "in glob set"
	fnMatches = "matches regexp"
)

var rewriteFuncs = map[string]any{
	fnFetch:   fetch,
	fnChain:   func(v, path any) any { return path.(*chainPath).fetch(v) },
	fnInSet:   func(v, set any) bool { return set.(*Set).Has(v) },
	fnInCIDRs: func(v, set any) bool { return set.(*PrefixSet).Contains(v) },
	fnGlobSet: func(v, set any) bool { return set.(*GlobSet).Match(v) },
	fnMatches: matchRegexp,
}

// typedCall replaces *node with a call of one of rewriteFuncs.
func typedCall(node *ast.Node, fn string, args ...ast.Node) {
	callee := &ast.IdentifierNode{Value: fn}
	callee.SetLocation((*node).Location())
	ast.Patch(node, &ast.CallNode{Callee: callee, Arguments: args})
}

// constant returns a constant node holding v, placed at at's location.
func constant(v any, at ast.Node) ast.Node {
	n := &ast.ConstantNode{Value: v}
	n.SetLocation(at.Location())
	return n
}

// fetch is member access (record.a, x["k"], list[0]) for the values records
// hold, without reflection; anything else goes to expr's own Fetch, so the
// semantics (absent key is nil, negative index from the end) are expr's.
func fetch(from, key any) any {
	switch x := from.(type) {
	case map[string]any:
		if k, ok := key.(string); ok {
			return x[k]
		}
	case []any:
		if i, ok := key.(int); ok {
			if i < 0 {
				i += len(x)
			}
			if i < 0 || i >= len(x) {
				panic(fmt.Sprintf("index out of range: %v (array length is %v)", key, len(x)))
			}
			return x[i]
		}
	}
	return runtime.Fetch(from, key)
}

// chainPath is an optional chain such as record.a?.b.c[0] with constant
// keys, evaluated as expr does: a `?.` step on nil makes the whole chain nil,
// a plain step on nil is an error.
type chainPath struct {
	steps []chainStep
}

type chainStep struct {
	key      any // string or int
	optional bool
}

func (c *chainPath) fetch(v any) any {
	for _, st := range c.steps {
		if v == nil && st.optional {
			return nil
		}
		v = fetch(v, st.key)
	}
	return v
}

// MarshalJSON prints the path (expr prints constants as JSON).
func (c *chainPath) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	for _, st := range c.steps {
		if st.optional {
			b.WriteString("?")
		}
		fmt.Fprintf(&b, ".%v", st.key)
	}
	return json.Marshal(b.String())
}

// rewriteChain turns an optional chain of member accesses with constant keys
// into one call; ok is false for chains holding calls, methods or computed
// keys, which expr keeps compiling itself.
func rewriteChain(node *ast.Node, ch *ast.ChainNode) bool {
	var steps []chainStep
	n := ch.Node
	for {
		m, ok := n.(*ast.MemberNode)
		if !ok {
			break
		}
		if m.Method {
			return false
		}
		var key any
		switch k := m.Property.(type) {
		case *ast.StringNode:
			key = k.Value
		case *ast.IntegerNode:
			key = k.Value
		default:
			return false
		}
		steps = append(steps, chainStep{key: key, optional: m.Optional})
		n = m.Node
	}
	if len(steps) == 0 || !fetchable(n.Type()) {
		return false
	}
	if _, isChain := n.(*ast.ChainNode); isChain {
		return false
	}
	slices.Reverse(steps)
	typedCall(node, fnChain, n, constant(&chainPath{steps: steps}, ch))
	return true
}

// fetchable reports whether member access on a value of type t may take the
// fetch fast path: record-shaped values, not the typed parts of the
// environment (source), whose fields the checker verifies.
func fetchable(t reflect.Type) bool {
	if t == nil {
		return true
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Slice:
		return true
	case reflect.Map:
		return t.Key().Kind() == reflect.String
	}
	return false
}

func (p *patcher) posOf(n ast.Node) diag.Pos {
	return p.expr.PosAtOffset(n.Location().From)
}

// listRef reports whether n is `lists.name` (or `lists["name"]`).
func listRef(n ast.Node) (string, bool) {
	m, ok := n.(*ast.MemberNode)
	if !ok {
		return "", false
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != EnvLists {
		return "", false
	}
	s, ok := m.Property.(*ast.StringNode)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// Visit implements ast.Visitor; Walk calls it children first.
func (p *patcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		if name, ok := listRef(n); ok {
			if _, known := p.c.lib.Lists[name]; !known {
				msg := fmt.Sprintf("unknown list %q", name)
				if s := diag.Suggest(name, mapKeys(p.c.lib.Lists)); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				p.diags.Errorf(p.posOf(n.Property), "unknown-list", "%s", msg)
			}
			return // left for the in / in_cidr / glob rewrites
		}
		if n.Method || n.Optional || p.inChain[n] || !fetchable(n.Node.Type()) {
			return
		}
		typedCall(node, fnFetch, n.Node, n.Property)
	case *ast.ChainNode:
		rewriteChain(node, n)
	case *ast.BinaryNode:
		if n.Operator == "matches" {
			// A constant pattern gets a literal prefilter; a bad one is
			// left to expr, which reports it.
			if pat, ok := n.Right.(*ast.StringNode); ok {
				if re, err := CompileRegexp(pat.Value); err == nil {
					typedCall(node, fnMatches, n.Left, constant(re, n.Right))
				}
			}
			return
		}
		if n.Operator != "in" {
			return
		}
		name, ok := listRef(n.Right)
		if !ok {
			return
		}
		if _, known := p.c.lib.Lists[name]; !known {
			return
		}
		p.c.mu.Lock()
		set := p.c.sets[name]
		if set == nil {
			set = NewSet(p.c.lib.Lists[name].Values)
			p.c.sets[name] = set
		}
		p.c.mu.Unlock()
		typedCall(node, fnInSet, n.Left, constant(set, n.Right))
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || len(n.Arguments) != 2 {
			return
		}
		switch id.Value {
		case "in_cidr":
			if set := p.constPrefixes(n.Arguments[1]); set != nil {
				typedCall(node, fnInCIDRs, n.Arguments[0], constant(set, n.Arguments[1]))
			}
		case "glob":
			if set := p.constGlobs(n.Arguments[1]); set != nil {
				typedCall(node, fnGlobSet, n.Arguments[0], constant(set, n.Arguments[1]))
			}
		}
	}
}

// constStrings returns the strings of a string literal or an array of them
// (nested arrays flattened); ok is false when n is not constant.
func constStrings(n ast.Node) (vals []any, nodes []ast.Node, ok bool) {
	switch x := n.(type) {
	case *ast.StringNode:
		return []any{x.Value}, []ast.Node{x}, true
	case *ast.ArrayNode:
		for _, el := range x.Nodes {
			v, ns, ok := constStrings(el)
			if !ok {
				return nil, nil, false
			}
			vals, nodes = append(vals, v...), append(nodes, ns...)
		}
		return vals, nodes, true
	}
	return nil, nil, false
}

// constPrefixes parses a constant CIDR argument; nil when not constant or bad
// (bad ones are diagnosed).
func (p *patcher) constPrefixes(n ast.Node) *PrefixSet {
	if name, ok := listRef(n); ok {
		l := p.c.lib.Lists[name]
		if l == nil {
			return nil
		}
		p.c.mu.Lock()
		lp, done := p.c.prefixes[name]
		if !done {
			set := &PrefixSet{}
			for i, v := range l.Values {
				s, _ := v.(string)
				pr, err := parsePrefix(s)
				if err != nil {
					lp.err = fmt.Sprintf("%v (list item at %s)", err, l.ItemPos[i])
					break
				}
				set.prefixes = append(set.prefixes, pr)
			}
			lp.val = set
			p.c.prefixes[name] = lp
		}
		p.c.mu.Unlock()
		if lp.err != "" {
			p.diags.Errorf(p.posOf(n), "bad-cidr", "in_cidr: list %s: %s", name, lp.err)
			return nil
		}
		return lp.val
	}
	vals, nodes, ok := constStrings(n)
	if !ok {
		return nil
	}
	set := &PrefixSet{}
	for i, v := range vals {
		pr, err := parsePrefix(v.(string))
		if err != nil {
			p.diags.Errorf(p.posOf(nodes[i]), "bad-cidr", "in_cidr: %v", err)
			return nil
		}
		set.prefixes = append(set.prefixes, pr)
	}
	return set
}

// constGlobs compiles a constant glob argument; nil when not constant or bad
// (bad ones are diagnosed).
func (p *patcher) constGlobs(n ast.Node) *GlobSet {
	if name, ok := listRef(n); ok {
		l := p.c.lib.Lists[name]
		if l == nil {
			return nil
		}
		p.c.mu.Lock()
		lp, done := p.c.globs[name]
		if !done {
			set := &GlobSet{}
			for i, v := range l.Values {
				s, ok := v.(string)
				var g *Glob
				var err error
				if !ok {
					err = fmt.Errorf("%v is not a glob pattern", v)
				} else {
					g, err = CompileGlob(s)
				}
				if err != nil {
					lp.err = fmt.Sprintf("%v (list item at %s)", err, l.ItemPos[i])
					break
				}
				set.globs = append(set.globs, g)
			}
			lp.val = set
			p.c.globs[name] = lp
		}
		p.c.mu.Unlock()
		if lp.err != "" {
			p.diags.Errorf(p.posOf(n), "bad-glob", "glob: list %s: %s", name, lp.err)
			return nil
		}
		return lp.val
	}
	vals, nodes, ok := constStrings(n)
	if !ok {
		return nil
	}
	set := &GlobSet{}
	for i, v := range vals {
		g, err := CompileGlob(v.(string))
		if err != nil {
			p.diags.Errorf(p.posOf(nodes[i]), "bad-glob", "glob: %v", err)
			return nil
		}
		set.globs = append(set.globs, g)
	}
	return set
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
