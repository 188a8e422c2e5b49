package explain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// maxValue bounds a clause's value in a report; a longer one is replaced by
// a note of its size.
const maxValue = 64 << 10

// compiled is a clause compiled once per Explainer.
type compiled struct {
	prog *vm.Program
	err  string
}

// walk explains the expressions of one rule on one record. Its Explainer's
// mutex is held.
type walk struct {
	x     *Explainer
	norm  map[string]any
	expr  rule.Expr // the expression being walked, for positions
	runes []rune    // its source
}

// binding is a let variable in scope of a clause.
type binding struct{ name, value string }

// setEnv fills the Explainer's environment for rec, as EvaluateAll does.
func (w *walk) setEnv(rec schema.Record, src engine.Source) {
	w.norm = rule.BoxNormalized(map[string]any{}, rec.Normalized, rec.Type.NormalizedTypes())
	s := rule.Source(src)
	rule.SetEnv(w.x.env, rec.Data, rec.Type.Name, &s, w.norm)
}

// explainRule fills rep's req_subkeys, matchers and condition, in the order
// the engine checks them, and returns why the rule would not fire ("" when
// it would). rep.Why is set to that reason.
func (w *walk) explainRule(spec engine.RuleSpec, rec schema.Record, rep *RuleReport) string {
	r := spec.Rule
	stop := ""
	keys := make([]string, 0, len(r.ReqSubkeys))
	for k := range r.ReqSubkeys {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the engine's order
	for _, k := range keys {
		v, has := rec.Data[k]
		sub, isMap := v.(map[string]any)
		for _, s := range r.ReqSubkeys[k] {
			_, present := sub[s]
			rep.ReqSubkeys = append(rep.ReqSubkeys, Subkey{Key: k, Subkey: s, Present: isMap && present})
			if stop != "" || isMap && present {
				continue
			}
			switch {
			case !has:
				stop = fmt.Sprintf("req_subkeys: the record has no key %q (needed for %s.%s)", k, k, s)
			case !isMap:
				stop = fmt.Sprintf("req_subkeys: key %q is %s, not a mapping (needed for %s.%s)", k, kindOf(v), k, s)
			default:
				stop = fmt.Sprintf("req_subkeys: %s.%s is missing", k, s)
			}
		}
	}
	for _, m := range spec.Matchers {
		n := w.tree(m.Expr, rep.File, stop != "")
		n.Name = m.Name
		if m.Library {
			n.File, n.Line, n.Col = rep.File, m.Pos.Line, m.Pos.Col
		}
		if stop == "" {
			switch {
			case n.Error != "":
				stop = fmt.Sprintf("matcher %s failed: %s", m.Name, n.Error)
			case string(n.Value) != "true":
				stop = fmt.Sprintf("matcher %s is false", m.Name)
			}
		}
		rep.Matchers = append(rep.Matchers, n)
	}
	if r.Condition != nil {
		n := w.tree(*r.Condition, rep.File, stop != "")
		if stop == "" {
			switch {
			case n.Error != "":
				stop = "the condition failed at run time: " + n.Error
			case string(n.Value) != "true":
				stop = "the condition is false"
			}
		}
		rep.Condition = &n
	}
	rep.Why = stop
	rep.walked = stop == ""
	return stop
}

// tree explains one expression (a matcher or a condition); skip marks it
// not evaluated.
func (w *walk) tree(e rule.Expr, file string, skip bool) Node {
	w.expr, w.runes = e, []rune(e.Source)
	tr, err := w.x.c.Parse(e)
	if err != nil { // the ruleset compiled it: a bug
		return Node{Expr: e.Source, File: file, Line: e.Pos.Line, Col: e.Pos.Col, Evaluated: !skip, Error: "cannot parse: " + err.Error()}
	}
	w.noteNormalized(tr.Node)
	n := w.node(tr.Node, nil, skip, true)
	if e.Pos.Line != 0 {
		n.File = file
	}
	return n
}

// noteNormalized puts every normalized.X the expression reads into the
// environment, as the engine does, so that any(normalized.X, ...) sees an
// empty list when the record has no value for X.
func (w *walk) noteNormalized(n ast.Node) {
	ast.Walk(&n, visitor(func(n ast.Node) {
		m, ok := n.(*ast.MemberNode)
		if !ok {
			return
		}
		id, ok := m.Node.(*ast.IdentifierNode)
		if !ok || id.Value != rule.EnvNormalized {
			return
		}
		if s, ok := m.Property.(*ast.StringNode); ok {
			if _, has := w.norm[s.Value]; !has {
				w.norm[s.Value] = []any(nil)
			}
		}
	}))
}

type visitor func(ast.Node)

func (v visitor) Visit(n *ast.Node) { v(*n) }

// node explains one clause and its children. root is the whole matcher or
// condition, evaluated with the engine's own (boolean) program.
func (w *walk) node(n ast.Node, scope []binding, skip, root bool) Node {
	text, offset := w.text(n)
	out := Node{Expr: text}
	if w.expr.Pos.Line != 0 {
		p := w.expr.PosAtOffset(offset)
		out.Line, out.Col = p.Line, p.Col
	}
	out.Op = opOf(n)
	if skip {
		return out
	}
	out.Evaluated = true
	v, err := w.eval(n, out.Expr, scope, root)
	if err != nil {
		out.Error = errorText(err)
	} else {
		out.Value = jsonValue(v)
	}
	switch n := n.(type) {
	case *ast.BinaryNode:
		switch op := logicalOp(n.Operator); op {
		case "and", "or":
			decided := false
			for _, c := range operands(n, op) {
				ch := w.node(c, scope, decided, false)
				if !decided {
					val := string(ch.Value)
					decided = ch.Error != "" || op == "and" && val == "false" || op == "or" && val == "true"
				}
				out.Children = append(out.Children, ch)
			}
			return out
		case "??":
			l := w.node(n.Left, scope, false, false)
			out.Children = append(out.Children, l, w.node(n.Right, scope, l.Error != "" || string(l.Value) != "null", false))
			return out
		}
		out.Children = w.children(scope, n.Left, n.Right)
	case *ast.UnaryNode:
		if logicalOp(n.Operator) == "not" {
			out.Children = []Node{w.node(n.Node, scope, false, false)}
			return out
		}
		out.Children = w.children(scope, n.Node)
	case *ast.ConditionalNode:
		c := w.node(n.Cond, scope, false, false)
		val := string(c.Value)
		out.Children = []Node{c,
			w.node(n.Exp1, scope, c.Error != "" || val != "true", false),
			w.node(n.Exp2, scope, c.Error != "" || val != "false", false)}
	case *ast.VariableDeclaratorNode:
		b := w.node(n.Value, scope, false, false)
		b.Name = n.Name
		inner := append(slices.Clip(scope), binding{n.Name, b.Expr})
		out.Children = []Node{b, w.node(n.Expr, inner, false, false)}
	case *ast.SequenceNode:
		out.Children = w.children(scope, n.Nodes...)
	case *ast.CallNode:
		out.Children = w.children(scope, n.Arguments...)
	case *ast.BuiltinNode:
		out.Children = w.children(scope, n.Arguments...)
	}
	return out
}

// opOf is Node.Op for n.
func opOf(n ast.Node) string {
	switch n := n.(type) {
	case *ast.BinaryNode:
		return logicalOp(n.Operator)
	case *ast.UnaryNode:
		if logicalOp(n.Operator) == "not" {
			return "not"
		}
	case *ast.ConditionalNode:
		return "?:"
	case *ast.VariableDeclaratorNode:
		return "let"
	}
	return ""
}

// children explains the operands worth showing: not literals, not
// predicates, not the whole record or lists.
func (w *walk) children(scope []binding, nodes ...ast.Node) []Node {
	var out []Node
	for _, c := range nodes {
		if interesting(c) {
			out = append(out, w.node(c, scope, false, false))
		}
	}
	return out
}

func interesting(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.NilNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.StringNode,
		*ast.BytesNode, *ast.ConstantNode, *ast.PredicateNode, *ast.PointerNode, *ast.MapNode:
		return false
	case *ast.IdentifierNode:
		switch n.Value {
		case rule.EnvRecord, rule.EnvLists, rule.EnvNormalized, "$env":
			return false
		}
	case *ast.MemberNode:
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == rule.EnvLists {
			return false // a named list: its values are in the library file
		}
	case *ast.ArrayNode:
		return slices.ContainsFunc(n.Nodes, interesting)
	}
	return true
}

// logicalOp names the logical operators whatever their spelling.
func logicalOp(op string) string {
	switch op {
	case "and", "&&":
		return "and"
	case "or", "||":
		return "or"
	case "not", "!":
		return "not"
	case "??":
		return "??"
	}
	return ""
}

// operands flattens a chain of one logical operator (a && b && c).
func operands(n ast.Node, op string) []ast.Node {
	if b, ok := n.(*ast.BinaryNode); ok && logicalOp(b.Operator) == op {
		return append(operands(b.Left, op), operands(b.Right, op)...)
	}
	return []ast.Node{n}
}

// firstOffset is the offset of the clause's first token.
func firstOffset(n ast.Node) int {
	first := n.Location().From
	ast.Walk(&n, visitor(func(c ast.Node) {
		if f := c.Location().From; f < first {
			first = f
		}
	}))
	return first
}

// eval runs one clause in the record's environment: the root with the
// engine's boolean program (so its value is the engine's), any other
// clause compiled alone with the same options (let variables in scope
// declared before it).
func (w *walk) eval(n ast.Node, text string, scope []binding, root bool) (any, error) {
	if root {
		return w.evalSource("\x00bool\x00"+w.expr.Source, func() (*vm.Program, diag.List) {
			return w.x.c.Compile(rule.NewExpr(w.expr.Source, diag.Pos{}))
		}, true)
	}
	var b strings.Builder
	for _, v := range scope {
		fmt.Fprintf(&b, "let %s = %s; ", v.name, v.value)
	}
	prefix := b.String()
	texts := []string{text}
	if printed := n.String(); printed != text {
		texts = append(texts, printed)
	}
	var err error
	for _, t := range texts {
		src := prefix + t
		var v any
		v, err = w.evalSource(src, func() (*vm.Program, diag.List) {
			return w.x.c.CompileValue(rule.NewExpr(src, diag.Pos{}))
		}, false)
		if _, bad := err.(compileError); !bad {
			return v, err
		}
	}
	return nil, err
}

// compileError is a clause that does not compile on its own (a bug of the
// walk: the whole expression compiled).
type compileError string

func (e compileError) Error() string { return string(e) }

// text is the clause's source as written, or as expr prints it, and the
// offset of its first token.
func (w *walk) text(n ast.Node) (string, int) {
	if s, off, ok := sourceOf(w.runes, n); ok {
		return s, off
	}
	return n.String(), firstOffset(n)
}

// evalSource runs the program of key, compiling it once with compile.
func (w *walk) evalSource(key string, compile func() (*vm.Program, diag.List), root bool) (any, error) {
	c, ok := w.x.progs[key]
	if !ok {
		prog, ds := compile()
		c = compiled{prog: prog}
		if prog == nil {
			c.err = "cannot evaluate this clause alone"
			if len(ds) > 0 {
				c.err += ": " + ds[0].Message
			}
		}
		w.x.progs[key] = c
	}
	if c.prog == nil {
		return nil, compileError(c.err)
	}
	v, err := w.run(c.prog)
	if err == nil && root {
		if _, isBool := v.(bool); !isBool {
			return nil, fmt.Errorf("expression did not return a bool (got %T)", v)
		}
	}
	return v, err
}

// run runs a program as the engine does: a fresh cost budget, a panic
// turned into an error.
func (w *walk) run(p *vm.Program) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	if b := rule.BudgetOf(w.x.env); b != nil {
		b.Reset()
	}
	return expr.Run(p, w.x.env)
}

// jsonValue encodes a clause's value; a value JSON cannot hold (NaN, a
// function) becomes its fmt form as a string.
func jsonValue(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		_ = enc.Encode(fmt.Sprintf("%v", v))
	}
	if n := buf.Len(); n > maxValue {
		buf.Reset()
		_ = enc.Encode(fmt.Sprintf("(a value of %d bytes of JSON, not shown)", n))
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n"))
}

// kindOf names a value's JSON kind for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return "a number"
}

// errorText is a run-time error without expr's position and snippet, which
// point into the clause compiled alone rather than the rule file (the
// clause's own Line and Col say where it is).
func errorText(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) && fe.Message != "" {
		return fe.Message
	}
	return err.Error()
}
