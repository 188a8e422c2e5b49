package lint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// collector gathers every node of a tree (ast.Walk visits children first).
type collector struct{ nodes []ast.Node }

func (c *collector) Visit(n *ast.Node) { c.nodes = append(c.nodes, *n) }

// fieldPath is a member chain rooted at record or normalized, such as
// record.a?.b["c"].
type fieldPath struct {
	root     string
	elems    []string   // the constant keys, outermost last
	nodes    []ast.Node // the member node of each elem
	complete bool       // every key of the chain is a constant string
}

func (p fieldPath) text(n int) string {
	var b strings.Builder
	b.WriteString(p.root)
	for _, e := range p.elems[:n] {
		if isIdent(e) {
			b.WriteString("." + e)
		} else {
			b.WriteString("[" + strconv.Quote(e) + "]")
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return s != ""
}

// pathOf returns the field path n spells, if it is a member chain rooted at
// record or normalized.
func pathOf(n ast.Node) (fieldPath, bool) {
	var chain []*ast.MemberNode
	for {
		switch x := n.(type) {
		case *ast.ChainNode:
			n = x.Node
			continue
		case *ast.MemberNode:
			chain = append(chain, x)
			n = x.Node
			continue
		case *ast.IdentifierNode:
			if (x.Value != rule.EnvRecord && x.Value != rule.EnvNormalized) || len(chain) == 0 {
				return fieldPath{}, false
			}
			p := fieldPath{root: x.Value, complete: true}
			for i := len(chain) - 1; i >= 0; i-- {
				s, ok := chain[i].Property.(*ast.StringNode)
				if !ok {
					p.complete = false
					break
				}
				p.elems = append(p.elems, s.Value)
				p.nodes = append(p.nodes, chain[i])
			}
			return p, len(p.elems) > 0
		}
		return fieldPath{}, false
	}
}

// exprLint checks one expression against the log types it may meet.
type exprLint struct {
	l     *linter
	e     rule.Expr
	what  string
	types []*schema.LogType
}

func (l *linter) expr(e rule.Expr, what string, types []*schema.LogType) {
	tree, err := l.lib.Tree(e.Source)
	if err != nil {
		return // the engine's compiler reports it
	}
	var c collector
	ast.Walk(&tree.Node, &c)
	x := &exprLint{l: l, e: e, what: what, types: types}
	x.lists(c.nodes)
	x.constant(c.nodes)
	x.cost(tree.Node) // cost.go
	if len(types) == 0 {
		return
	}
	x.boolean(tree.Node)
	for _, n := range c.nodes {
		if p, ok := pathOf(n); ok {
			x.exists(p)
		}
		switch n := n.(type) {
		case *ast.BinaryNode:
			x.binary(n)
		case *ast.BuiltinNode:
			x.call(n.Name, n.Arguments)
		case *ast.CallNode:
			if id, ok := n.Callee.(*ast.IdentifierNode); ok {
				x.call(id.Value, n.Arguments)
			}
		}
	}
}

// posOf maps a node to its position in the file, with a caret snippet in
// the style of expr's errors.
func (x *exprLint) diag(n ast.Node, sev diag.Severity, code, format string, args ...any) {
	off := n.Location().From
	d := diag.Diagnostic{Pos: x.e.PosAtOffset(off), Severity: sev, Code: code, Message: fmt.Sprintf(format, args...)}
	d.Snippet = snippet(x.e.Source, off)
	x.l.diags.Add(d)
}

// snippet renders the expression line holding rune offset off with a caret
// under it, as expr does for its errors.
func snippet(src string, off int) string {
	runes := []rune(src)
	if off < 0 || off > len(runes) {
		return ""
	}
	start := off
	for start > 0 && runes[start-1] != '\n' {
		start--
	}
	end := off
	for end < len(runes) && runes[end] != '\n' {
		end++
	}
	return fmt.Sprintf(" | %s\n | %s^", string(runes[start:end]), strings.Repeat(".", off-start))
}

// lists records which lists the expression uses.
func (x *exprLint) lists(nodes []ast.Node) {
	idents, refs := 0, 0
	for _, n := range nodes {
		switch n := n.(type) {
		case *ast.IdentifierNode:
			if n.Value == rule.EnvLists {
				idents++
			}
		case *ast.MemberNode:
			if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == rule.EnvLists {
				if s, ok := n.Property.(*ast.StringNode); ok {
					x.l.usedLists[s.Value] = true
					refs++
				}
			}
		}
	}
	if idents > refs {
		x.l.allLists = true
	}
}

// constant warns when the expression reads nothing of the record or its
// origin: it then holds for every record or for none.
func (x *exprLint) constant(nodes []ast.Node) {
	callees := map[ast.Node]bool{}
	for _, n := range nodes {
		if c, ok := n.(*ast.CallNode); ok {
			callees[c.Callee] = true
		}
	}
	for _, n := range nodes {
		switch n := n.(type) {
		case *ast.IdentifierNode:
			// Any name but lists reads the environment, is a variable, or
			// is unknown (a compile error): not known to be constant.
			if n.Value != rule.EnvLists && !callees[n] {
				return
			}
		case *ast.BuiltinNode:
			if n.Name == "now" {
				return
			}
		}
	}
	x.l.diags.Warnf(x.e.Pos, "constant-condition", "%s is constant: it reads none of record, log_type, source or normalized", x.what)
}

// exists checks that a field path is declared by every log type.
func (x *exprLint) exists(p fieldPath) {
	type failure struct {
		idx  int
		msg  string // without the log type
		open bool   // undeclared in an open log type (undeclared_keys: keep), no near miss
	}
	missing := map[failure][]string{}
	var order []failure
	for _, lt := range x.types {
		var f failure
		if p.root == rule.EnvNormalized {
			if slices.Contains(lt.NormalizedTypes(), p.elems[0]) {
				continue
			}
			f = failure{0, fmt.Sprintf("normalized type %q is not provided by", p.elems[0]), false}
		} else {
			i := 0
			for ; i < len(p.elems); i++ {
				if _, ok := lt.Lookup(p.elems[:i+1]); !ok {
					break
				}
			}
			if i == len(p.elems) {
				continue
			}
			parent, _ := lt.Lookup(p.elems[:i])
			// An open log type may carry keys it does not declare: such a
			// field is untyped and may be absent, a warning; a near miss of a
			// declared key is still an error below.
			if open, near := lt.Undeclared(p.elems[:i+1]); open && near == "" {
				f = failure{i, fmt.Sprintf("field %q is not declared by", p.text(i+1)), true}
			} else if parent.Kind == schema.KindMapping {
				f = failure{i, fmt.Sprintf("unknown field %q: not in", p.text(i+1)), false}
			} else {
				f = failure{i, fmt.Sprintf("unknown field %q: %s is %s in", p.text(i+1), p.text(i), parent.Kind.Noun()), false}
			}
		}
		if _, ok := missing[f]; !ok {
			order = append(order, f)
		}
		missing[f] = append(missing[f], lt.Name)
	}
	for _, f := range order {
		types := missing[f]
		lt := x.l.set.Get(types[0])
		code := "unknown-field"
		var cands []string
		if p.root == rule.EnvNormalized {
			code = "unknown-normalized"
			cands = lt.NormalizedTypes()
		} else if parent, _ := lt.Lookup(p.elems[:f.idx]); parent != nil {
			cands = childNames(parent)
		}
		msg := f.msg + " " + typeList(types)
		if f.open {
			x.diag(p.nodes[f.idx], diag.Warning, "undeclared-field", "%s (undeclared_keys: keep): it is untyped and may be absent; declare it in the schema to check it", msg)
			continue
		}
		if s := diag.Suggest(p.elems[f.idx], cands); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		x.diag(p.nodes[f.idx], diag.Error, code, "%s", msg)
	}
}

// operand is a value whose type the schema knows: a record field, possibly
// behind `?? default`.
func operandPath(n ast.Node) (fieldPath, bool) {
	for {
		switch x := n.(type) {
		case *ast.ChainNode:
			n = x.Node
			continue
		case *ast.BinaryNode:
			if x.Operator == "??" {
				n = x.Left
				continue
			}
		}
		break
	}
	p, ok := pathOf(n)
	if !ok || !p.complete || p.root != rule.EnvRecord {
		return fieldPath{}, false
	}
	return p, true
}

// kindIn returns the scalar kind of the operand in lt, if the schema knows it.
func kindIn(p fieldPath, lt *schema.LogType) (schema.Kind, bool) {
	f, ok := lt.Lookup(p.elems)
	if !ok {
		return 0, false
	}
	switch f.Kind {
	case schema.KindString, schema.KindInteger, schema.KindFloat, schema.KindBoolean:
		return f.Kind, true
	}
	return 0, false
}

// literal returns the kind of a literal node, if it is one.
func literal(n ast.Node) (schema.Kind, string, bool) {
	switch x := n.(type) {
	case *ast.StringNode:
		return schema.KindString, "string " + strconv.Quote(x.Value), true
	case *ast.IntegerNode:
		return schema.KindInteger, "number " + strconv.Itoa(x.Value), true
	case *ast.FloatNode:
		return schema.KindFloat, "number " + strconv.FormatFloat(x.Value, 'g', -1, 64), true
	case *ast.BoolNode:
		return schema.KindBoolean, "boolean " + strconv.FormatBool(x.Value), true
	}
	return 0, "", false
}

// compatible reports whether a field of kind f can equal a literal of kind l.
func compatible(f, l schema.Kind) bool {
	num := func(k schema.Kind) bool { return k == schema.KindInteger || k == schema.KindFloat }
	return f == l || num(f) && num(l)
}

func (x *exprLint) binary(n *ast.BinaryNode) {
	switch n.Operator {
	case "contains", "startsWith", "endsWith", "matches":
		for _, side := range []ast.Node{n.Left, n.Right} {
			x.needString(side, n.Operator)
		}
	case "==", "!=", "<", ">", "<=", ">=":
		x.compare(n.Left, n.Right)
		x.compare(n.Right, n.Left)
	case "in":
		if arr, ok := n.Right.(*ast.ArrayNode); ok {
			for _, el := range arr.Nodes {
				x.compare(n.Left, el)
			}
		}
	}
}

// stringFuncs are the functions whose first argument must be a string.
var stringFuncs = []string{
	"lower", "upper", "trim", "trimPrefix", "trimSuffix", "split", "splitAfter",
	"replace", "repeat", "indexOf", "lastIndexOf", "hasPrefix", "hasSuffix", "glob", "in_cidr",
}

func (x *exprLint) call(name string, args []ast.Node) {
	if len(args) > 0 && slices.Contains(stringFuncs, name) {
		x.needString(args[0], name+"()")
	}
}

func (x *exprLint) needString(n ast.Node, op string) {
	p, ok := operandPath(n)
	if !ok {
		return
	}
	for _, lt := range x.types {
		if k, ok := kindIn(p, lt); ok && k != schema.KindString {
			x.diag(p.nodes[len(p.nodes)-1], diag.Error, "field-type", "%s is %s in log type %s; %s needs a string", p.text(len(p.elems)), k.Noun(), lt.Name, op)
		}
	}
}

func (x *exprLint) compare(field, lit ast.Node) {
	p, ok := operandPath(field)
	if !ok {
		return
	}
	lk, ltext, ok := literal(lit)
	if !ok {
		return
	}
	for _, lt := range x.types {
		if k, ok := kindIn(p, lt); ok && !compatible(k, lk) {
			x.diag(p.nodes[len(p.nodes)-1], diag.Error, "field-type", "%s is %s in log type %s, compared with the %s", p.text(len(p.elems)), k.Noun(), lt.Name, ltext)
		}
	}
}

// boolean reports expr-type where a value that must be a boolean (the
// expression's result, an operand of and/or/not, a branch of ?: or ??) is a
// record field the schemas say is certainly not one in every log type it is
// declared in, or a normalized type (always a list). The compiler cannot see
// this: the record is a map of any. Fields typed {} may hold anything and
// are never reported.
func (x *exprLint) boolean(n ast.Node) {
	switch v := n.(type) {
	case *ast.ChainNode:
		x.boolean(v.Node)
		return
	case *ast.UnaryNode:
		if v.Operator == "!" || v.Operator == "not" {
			x.boolean(v.Node)
		}
		return
	case *ast.BinaryNode:
		switch v.Operator {
		case "&&", "||", "and", "or", "??":
			x.boolean(v.Left)
			x.boolean(v.Right)
		}
		return
	case *ast.ConditionalNode:
		x.boolean(v.Cond)
		x.boolean(v.Exp1)
		x.boolean(v.Exp2)
		return
	case *ast.VariableDeclaratorNode:
		x.boolean(v.Expr)
		return
	case *ast.SequenceNode:
		if len(v.Nodes) > 0 {
			x.boolean(v.Nodes[len(v.Nodes)-1])
		}
		return
	}
	p, ok := pathOf(n)
	if !ok || !p.complete {
		return
	}
	n = rootOf(n) // report at the start of the path, not at its last dot
	if p.root == rule.EnvNormalized {
		if len(p.elems) == 1 {
			x.diag(n, diag.Error, "expr-type", "%s is a list of values, not a boolean: %s must be a boolean (e.g. any(%s, # == \"...\"))", p.text(1), x.what, p.text(1))
		}
		return
	}
	byNoun := map[string][]string{}
	var nouns []string
	var first schema.Kind
	for _, lt := range x.types {
		f, ok := lt.Lookup(p.elems)
		if !ok {
			continue // unknown-field says so
		}
		switch f.Kind {
		case schema.KindBoolean, schema.KindObject, schema.KindInvalid:
			return // a boolean somewhere, or anything: not certainly wrong
		}
		noun := f.Kind.Noun()
		if first == schema.KindInvalid {
			first = f.Kind
		}
		if _, seen := byNoun[noun]; !seen {
			nouns = append(nouns, noun)
		}
		byNoun[noun] = append(byNoun[noun], lt.Name)
	}
	if len(nouns) == 0 {
		return
	}
	var parts []string
	for _, noun := range nouns {
		parts = append(parts, fmt.Sprintf("%s in %s", noun, typeList(byNoun[noun])))
	}
	field := p.text(len(p.elems))
	hint := field + ` == "..."`
	switch first {
	case schema.KindInteger, schema.KindFloat:
		hint = field + " > 0"
	case schema.KindList:
		hint = "len(" + field + ") > 0"
	case schema.KindMapping:
		hint = field + " != nil"
	}
	x.diag(n, diag.Error, "expr-type", "%s is %s, not a boolean: %s must be a boolean (compare it, e.g. %s)",
		field, strings.Join(parts, "; "), x.what, hint)
}

// rootOf returns the identifier a member chain starts with (n itself when
// it is not a chain).
func rootOf(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.ChainNode:
			n = v.Node
		case *ast.MemberNode:
			n = v.Node
		default:
			return n
		}
	}
}
