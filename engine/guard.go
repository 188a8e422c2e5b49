package engine

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/streamalert-go/streamalert/engine/rule"
)

// A guard is a necessary condition of a rule that costs one map walk to
// check: record.<path> is one of a few strings or integers. Most detections start with
// one ("record.name == 'logged_in_users' && ...", "record.eventName in
// lists.iam_changes && ..."), so Evaluate groups a log type's rules by guard
// path, reads each path once per record, and runs only the rules whose guard
// holds (plus every rule without a guard). The result is the same as running
// every rule: a false guard makes the rule's && chain false.
type guard struct {
	path   []string
	values []any // string or int64
	// strArray: the values are an array literal of strings, which expr
	// turns into a map lookup that fails on a key of another type.
	strArray bool

	// A prefix guard may instead be a test (see conjunctTest); the index
	// never files a rule under one.
	test *pathTest
}

// pathTest is a prefix guard that is not an equality: [not] in_cidr(P,
// CIDRS) or [not] P matches "RE", with P record.a.b or (record.a.b ?? D) and
// the CIDRs and the pattern constant. It calls the functions the compiled
// rule calls (rule.PrefixSet.Contains, which is rule.ParseIP then
// ContainsAddr, and rule.Regexp.MatchString), so its verdict is the
// condition's.
type pathTest struct {
	cidrs *rule.PrefixSet
	re    *rule.Regexp
	def   any // D of (path ?? D); nil when there is none
	neg   bool

	defAddr   netip.Addr // D as an address, for in_cidr
	defAddrOK bool
}

// judge returns the test's verdict on the value at its path (ks, read
// by readKey), and false in known when expr would raise an error there
// (matches on a non-string), which the rule must then run to report. The
// value's address is parsed once per record, for every in_cidr test of its
// path.
func (pt *pathTest) judge(ks *pathKeyState) (holds, known bool) {
	if pt.cidrs != nil {
		var a netip.Addr
		var ok bool
		switch {
		case ks.ok:
			if !ks.addrRead {
				ks.addr, ks.addrOK = rule.ParseIP(ks.key)
				ks.addrRead = true
			}
			a, ok = ks.addr, ks.addrOK
		case ks.null && pt.def != nil:
			a, ok = pt.defAddr, pt.defAddrOK
		}
		// Anything else (null, a boolean, a number) is no address.
		return (ok && pt.cidrs.ContainsAddr(a)) != pt.neg, true
	}
	var s string
	var isStr bool
	switch {
	case ks.ok:
		s, isStr = ks.key.(string)
	case ks.null && pt.def != nil:
		s, isStr = pt.def.(string)
	}
	if !isStr {
		return false, false // matches fails on it
	}
	return pt.re.MatchString(s) != pt.neg, true
}

// guardOf returns the guard of an expression: the first conjunct of its
// top-level && chain of the form
//
//	record.a.b == "s"   "s" == record.a.b   record.a.b in ["s", 7, ...]   record.a.b in lists.L
//
// (optional chaining and record["a"] included; record.a.b may also be
// (record.a.b ?? D) with D a literal the guard's values do not hold) whose
// constants are all strings or integers. ok is false when there is none.
func guardOf(lib *rule.Library, src string) (g guard, ok bool) {
	lists := lib.Lists
	tree, err := lib.Tree(src)
	if err != nil {
		return guard{}, false
	}
	for _, n := range conjuncts(tree.Node, nil) {
		if g, ok := conjunctGuard(n, lists); ok {
			return g, true
		}
	}
	return guard{}, false
}

func conjuncts(n ast.Node, out []ast.Node) []ast.Node {
	if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "&&" || b.Operator == "and") {
		return conjuncts(b.Right, conjuncts(b.Left, out))
	}
	return append(out, n)
}

func conjunctGuard(n ast.Node, lists map[string]*rule.List) (guard, bool) {
	b, ok := n.(*ast.BinaryNode)
	if !ok {
		return guard{}, false
	}
	switch b.Operator {
	case "==":
		if p, def, ok := guardOperand(b.Left); ok {
			if v, ok := constKey(b.Right); ok && (def == nil || def != v) {
				return guard{path: p, values: []any{v}}, true
			}
		}
		if p, def, ok := guardOperand(b.Right); ok {
			if v, ok := constKey(b.Left); ok && (def == nil || def != v) {
				return guard{path: p, values: []any{v}}, true
			}
		}
	case "in":
		p, def, ok := guardOperand(b.Left)
		if !ok {
			return guard{}, false
		}
		var vals []any
		strArray := false
		switch r := b.Right.(type) {
		case *ast.ArrayNode:
			strArray = len(r.Nodes) > 0
			for _, e := range r.Nodes {
				v, ok := constKey(e)
				if !ok {
					return guard{}, false
				}
				_, isStr := v.(string)
				strArray = strArray && isStr
				vals = append(vals, v)
			}
			if _, isStr := def.(string); strArray && def != nil && !isStr {
				return guard{}, false // the default would make expr fail
			}
		default:
			name, ok := listName(r)
			if !ok || lists[name] == nil {
				return guard{}, false
			}
			vals = lists[name].Values
		}
		g := guard{path: p, strArray: strArray}
		for _, v := range vals {
			switch x := v.(type) {
			case string, int64:
				g.values = append(g.values, x)
			case int:
				g.values = append(g.values, int64(x))
			default:
				return guard{}, false
			}
		}
		if def != nil && slices.Contains(g.values, def) {
			return guard{}, false // an absent value would be in the list
		}
		return g, len(g.values) > 0
	}
	return guard{}, false
}

// guardOperand returns the path of record.a.b, or of (record.a.b ?? D)
// with D a string or integer literal (def): compared with a constant other
// than D, the default never equals it, so the path's value must.
func guardOperand(n ast.Node) (path []string, def any, ok bool) {
	if b, isBin := n.(*ast.BinaryNode); isBin && b.Operator == "??" {
		p, ok := recordPath(b.Left)
		if !ok {
			return nil, nil, false
		}
		d, ok := constKey(b.Right)
		return p, d, ok
	}
	p, ok := recordPath(n)
	return p, nil, ok
}

// prefixGuards returns the guards among the first conjuncts of src's
// top-level && chain, up to the first conjunct that is not one. These run
// first and cannot fail (a path through a value that is not a mapping is
// not judged, see keyAt), so when one of them is false the condition is
// false without any other part of it having run.
func prefixGuards(lib *rule.Library, src string) []guard {
	lists := lib.Lists
	tree, err := lib.Tree(src)
	if err != nil {
		return nil
	}
	var out []guard
	for _, n := range conjuncts(tree.Node, nil) {
		g, ok := conjunctGuard(n, lists)
		if !ok {
			g, ok = conjunctTest(n, lists)
		}
		if !ok {
			break
		}
		out = append(out, g)
	}
	return out
}

// conjunctTest returns the pathTest guard of a conjunct
//
//	in_cidr(P, CIDRS)   P matches "RE"   not ...   ! ...
//
// with P record.a.b or (record.a.b ?? D) (D a string or integer literal),
// CIDRS a string, an array of strings or lists.L, and RE a valid pattern.
func conjunctTest(n ast.Node, lists map[string]*rule.List) (guard, bool) {
	neg := false
	if u, ok := n.(*ast.UnaryNode); ok && (u.Operator == "not" || u.Operator == "!") {
		neg, n = true, u.Node
	}
	var operand ast.Node
	pt := &pathTest{neg: neg}
	switch x := n.(type) {
	case *ast.CallNode:
		id, ok := x.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != "in_cidr" || len(x.Arguments) != 2 {
			return guard{}, false
		}
		var vals []any
		if name, ok := listName(x.Arguments[1]); ok {
			if lists[name] == nil {
				return guard{}, false
			}
			vals = lists[name].Values
		} else if vals, ok = constStringsOf(x.Arguments[1]); !ok {
			return guard{}, false
		}
		set, err := rule.ParsePrefixes(vals...)
		if err != nil {
			return guard{}, false // reported by the compiler
		}
		operand, pt.cidrs = x.Arguments[0], set
	case *ast.BinaryNode:
		pat, ok := x.Right.(*ast.StringNode)
		if x.Operator != "matches" || !ok {
			return guard{}, false
		}
		re, err := rule.CompileRegexp(pat.Value)
		if err != nil {
			return guard{}, false // reported by the compiler
		}
		operand, pt.re = x.Left, re
	default:
		return guard{}, false
	}
	p, def, ok := guardOperand(operand)
	if !ok {
		return guard{}, false
	}
	pt.def = def
	pt.defAddr, pt.defAddrOK = rule.ParseIP(def)
	return guard{path: p, test: pt}, true
}

// constStringsOf returns the strings of a string literal or an array of
// them (nested arrays flattened), as in_cidr takes them.
func constStringsOf(n ast.Node) ([]any, bool) {
	switch x := n.(type) {
	case *ast.StringNode:
		return []any{x.Value}, true
	case *ast.ArrayNode:
		var out []any
		for _, el := range x.Nodes {
			v, ok := constStringsOf(el)
			if !ok {
				return nil, false
			}
			out = append(out, v...)
		}
		return out, true
	}
	return nil, false
}

// constKey returns the value of a string or integer literal as a guard key.
func constKey(n ast.Node) (any, bool) {
	switch c := n.(type) {
	case *ast.StringNode:
		return c.Value, true
	case *ast.IntegerNode:
		return int64(c.Value), true
	}
	return nil, false
}

// recordPath returns the constant path of record.a.b / record?.a / record["a"].
func recordPath(n ast.Node) ([]string, bool) {
	if c, ok := n.(*ast.ChainNode); ok {
		n = c.Node
	}
	var rev []string
	for {
		switch m := n.(type) {
		case *ast.MemberNode:
			s, ok := m.Property.(*ast.StringNode)
			if !ok {
				return nil, false
			}
			rev = append(rev, s.Value)
			n = m.Node
		case *ast.IdentifierNode:
			if m.Value != "record" || len(rev) == 0 {
				return nil, false
			}
			path := make([]string, len(rev))
			for i, s := range rev {
				path[len(rev)-1-i] = s
			}
			return path, true
		default:
			return nil, false
		}
	}
}

// listName returns L of lists.L.
func listName(n ast.Node) (string, bool) {
	m, ok := n.(*ast.MemberNode)
	if !ok {
		return "", false
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	s, isStr := m.Property.(*ast.StringNode)
	if !ok || !isStr || id.Value != "lists" {
		return "", false
	}
	return s.Value, true
}

// ruleGuard picks the guard of a rule: from its condition first (rule
// specific constants are the most selective), else from its matchers.
func ruleGuard(lib *rule.Library, r *rule.Rule, matchers []*rule.Matcher) (guard, bool) {
	if r.Condition != nil {
		if g, ok := guardOf(lib, r.Condition.Source); ok {
			return g, true
		}
	}
	for _, m := range matchers {
		if m == nil {
			continue
		}
		if g, ok := guardOf(lib, m.Expr.Source); ok {
			return g, true
		}
	}
	return guard{}, false
}

// guardGroup is every guarded rule of one log type that reads one path.
type guardGroup struct {
	path  []string
	rules map[any][]int32 // guard value (string or int64) → indexes into typeRules.rules
	all   []int32         // every rule of the group
	// strict are the rules whose guard is `in` an array literal of
	// strings: expr fails on a value that is neither a string nor null,
	// so they run on one, to report it.
	strict []int32
	// sub holds, per guard value, the rules of that value whose next
	// prefix guard is an equality or `in` too, filed by it; rules[value]
	// holds the others.
	sub map[any][]*subGroup
}

// subGroup is the second level of the index: rules that one guard value
// reaches, filed by their second prefix guard (on one path), which
// candidates checks as preGuardsFail would. Generated or imported rule sets
// put hundreds of rules under one event name; this keeps their cost near
// that of the few that match.
type subGroup struct {
	path int     // the second guard's path, numbered as tr.paths
	kind subKind // what the second guards are
	all  []int32 // every rule here (the path could not be walked)

	rules  map[any][]int32 // subEquality: the value → rules
	strict []int32         // subEquality: rules whose guard is `in` an array of strings
	nets   []netRule       // subCIDR: every prefix of every rule's test
	lits   []litRule       // subMatch: every rule's required literal
}

type subKind uint8

const (
	subEquality subKind = iota // record.p == C, record.p in [...]
	subCIDR                    // in_cidr(record.p [?? D], CIDRS), D no address
	subMatch                   // record.p [?? ""] matches "RE"
)

// netRule and litRule keep the data a subGroup checks in one array, so that
// hundreds of rules cost one pass over contiguous memory.
type netRule struct {
	p    netip.Prefix
	rule int32
}

type litRule struct {
	lit      string // "" when the pattern has none
	emptyDef bool   // the operand is (record.p ?? "")
	rule     int32
}

// secondGuard returns the second prefix guard of trr, and the kind of
// subGroup it files under, when the first is the index guard and the
// second one candidates can check: an equality or `in`, an in_cidr test
// that is false on a null, or a matches test on the path or (path ?? "").
func secondGuard(trr *typeRule) (g *guard, path int, kind subKind, ok bool) {
	if len(trr.pre) < 2 || !trr.pre[0].proved {
		return nil, 0, 0, false
	}
	g, path = &trr.r.pre[1], trr.pre[1].path
	switch pt := g.test; {
	case pt == nil:
		return g, path, subEquality, true
	case pt.neg:
	case pt.cidrs != nil && !pt.defAddrOK:
		return g, path, subCIDR, true
	case pt.re != nil && (pt.def == nil || pt.def == ""):
		return g, path, subMatch, true
	}
	return nil, 0, 0, false
}

// appendOnce appends i unless it is already last.
func appendOnce(s []int32, i int32) []int32 {
	if len(s) > 0 && s[len(s)-1] == i {
		return s
	}
	return append(s, i)
}

// file files rule i under sg by its second guard g.
func (sg *subGroup) file(i int32, g *guard) {
	if len(sg.all) > 0 && sg.all[len(sg.all)-1] == i {
		return // filed already (its index guard lists a value twice)
	}
	sg.all = append(sg.all, i)
	switch sg.kind {
	case subEquality:
		if g.strArray {
			sg.strict = append(sg.strict, i)
		}
		for _, v := range g.values {
			sg.rules[v] = appendOnce(sg.rules[v], i)
		}
	case subCIDR:
		for _, p := range g.test.cidrs.Prefixes() {
			sg.nets = append(sg.nets, netRule{p, i})
		}
	case subMatch:
		sg.lits = append(sg.lits, litRule{lit: g.test.re.Literal(), emptyDef: g.test.def != nil, rule: i})
	}
}

// buildGuards groups the rules of tr by guard path.
func (tr *typeRules) buildGuards() {
	byPath := map[string]*guardGroup{}
	for i := range tr.rules {
		g := tr.rules[i].r.guard
		if g == nil {
			tr.always = append(tr.always, int32(i))
			continue
		}
		key := pathKey(g.path)
		grp := byPath[key]
		if grp == nil {
			grp = &guardGroup{path: g.path, rules: map[any][]int32{}}
			byPath[key] = grp
			tr.groups = append(tr.groups, grp)
		}
		grp.all = append(grp.all, int32(i))
		if g.strArray {
			grp.strict = append(grp.strict, int32(i))
		}
		second, path, kind, twoLevel := secondGuard(&tr.rules[i])
		for _, v := range g.values {
			if !twoLevel {
				grp.rules[v] = appendOnce(grp.rules[v], int32(i))
				continue
			}
			if grp.sub == nil {
				grp.sub = map[any][]*subGroup{}
			}
			var sg *subGroup
			for _, x := range grp.sub[v] {
				if x.path == path && x.kind == kind {
					sg = x
				}
			}
			if sg == nil {
				sg = &subGroup{path: path, kind: kind}
				if kind == subEquality {
					sg.rules = map[any][]int32{}
				}
				grp.sub[v] = append(grp.sub[v], sg)
			}
			sg.file(int32(i), second)
		}
	}
}

func pathKey(p []string) string {
	n := 0
	for _, s := range p {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for _, s := range p {
		b = append(b, s...)
		b = append(b, 0)
	}
	return string(b)
}

// keyAt returns the value at path in data as a guard key: a string, or an
// int64 for any number with an integral value (expr's == compares numbers
// across int64 and float64). walked is false when a step before the last is
// not a mapping, or the value is a list or a mapping: expr may raise an
// error there (record.missing.x, a list `in` a list), which the rule must
// still report, so its rules run.
func keyAt(data map[string]any, path []string) (key any, ok, walked bool) {
	key, ok, walked, _ = readKey(data, path)
	return key, ok, walked
}

// readKey is keyAt that also reports whether the value is absent or JSON
// null (null), as expr's ?? tells them from other values.
func readKey(data map[string]any, path []string) (key any, ok, walked, null bool) {
	m := data
	for _, k := range path[:len(path)-1] {
		next, isMap := m[k].(map[string]any)
		if !isMap {
			return nil, false, false, false
		}
		m = next
	}
	switch x := m[path[len(path)-1]].(type) {
	case nil:
		return nil, false, true, true
	case string, int64:
		return x, true, true, false
	case float64:
		if i := int64(x); float64(i) == x {
			return i, true, true, false
		}
	case []any, map[string]any:
		// expr's `in` fails on a list or map operand: the rule must run to
		// report it.
		return nil, false, false, false
	}
	return nil, false, true, false
}

// candidates appends to cand, once each, the rules that may fire on data:
// every unguarded rule and every rule whose guard holds. mark (len(tr.rules),
// all false) records which are in cand; the caller clears the marks of cand.
func (tr *typeRules) candidates(data map[string]any, keys []pathKeyState, mark []bool, cand []int32) []int32 {
	add := func(i int32) {
		if !mark[i] {
			mark[i] = true
			cand = append(cand, i)
		}
	}
	if !useGuardIndex {
		for i := range tr.rules {
			add(int32(i))
		}
		return cand
	}
	for _, i := range tr.always {
		add(i)
	}
	for _, g := range tr.groups {
		k, ok, walked, null := readKey(data, g.path)
		switch {
		case !walked:
			for _, i := range g.all {
				add(i)
			}
			continue
		case ok:
			for _, i := range g.rules[k] {
				add(i)
			}
			if g.sub != nil {
				for _, sg := range g.sub[k] {
					sg.candidates(tr, data, keys, add)
				}
			}
		}
		if _, isStr := k.(string); !isStr && !null {
			for _, i := range g.strict {
				add(i)
			}
		}
	}
	return cand
}

// candidates adds the rules of sg whose second guard may hold on data: the
// verdicts preGuardsFail would give, with the path read (and parsed as an
// address) once per record into keys. A rule added may still fail its guard
// there; a rule left out fails it.
func (sg *subGroup) candidates(tr *typeRules, data map[string]any, keys []pathKeyState, add func(int32)) {
	ks := &keys[sg.path]
	if usePrefixGuards && !ks.read {
		ks.key, ks.ok, ks.walked, ks.null = readKey(data, tr.paths[sg.path])
		ks.read = true
	}
	if !usePrefixGuards || !ks.walked {
		for _, i := range sg.all {
			add(i)
		}
		return
	}
	switch sg.kind {
	case subEquality:
		if ks.ok {
			for _, i := range sg.rules[ks.key] {
				add(i)
			}
		}
		if _, isStr := ks.key.(string); !isStr && !ks.null {
			for _, i := range sg.strict {
				add(i)
			}
		}
	case subCIDR:
		// A null, a number, a boolean or a string that is no address is
		// in no set (and no test here has an address as its default).
		if !ks.ok {
			return
		}
		if !ks.addrRead {
			ks.addr, ks.addrOK = rule.ParseIP(ks.key)
			ks.addrRead = true
		}
		if !ks.addrOK {
			return
		}
		for _, e := range sg.nets {
			if e.p.Contains(ks.addr) {
				add(e.rule)
			}
		}
	case subMatch:
		s, isStr := ks.key.(string)
		for _, e := range sg.lits {
			switch {
			case isStr:
				if e.lit == "" || strings.Contains(s, e.lit) {
					add(e.rule)
				}
			case ks.null && e.emptyDef:
				if e.lit == "" {
					add(e.rule) // "" may match
				}
			default:
				add(e.rule) // matches fails on it: the rule runs to say so
			}
		}
	}
}
