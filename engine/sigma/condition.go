package sigma

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"
)

// node is a boolean expression over selections, already translated to expr
// text at the leaves.
type node struct {
	op   string // "and", "or", "not", "leaf"
	kids []*node
	text string // leaf: an expr boolean expression
}

func leaf(s string) *node { return &node{op: "leaf", text: s} }

func join(op string, kids []*node) *node {
	var flat []*node
	for _, k := range kids {
		if k.op == op {
			flat = append(flat, k.kids...)
		} else {
			flat = append(flat, k)
		}
	}
	if len(flat) == 1 {
		return flat[0]
	}
	return &node{op: op, kids: flat}
}

// expr prints n; top is true for the whole condition, whose and/or terms go
// one a line.
func (n *node) expr(top bool) string {
	switch n.op {
	case "leaf":
		return n.text
	case "not":
		k := n.kids[0]
		if k.op == "leaf" && !isCall(k.text) && strings.Contains(k.text, " ") {
			return "not (" + k.text + ")"
		}
		return "not " + k.paren()
	}
	sep := " && "
	if n.op == "or" {
		sep = " || "
	}
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = k.paren()
	}
	if top {
		return strings.Join(parts, "\n"+strings.TrimLeft(sep, " "))
	}
	return strings.Join(parts, sep)
}

func (n *node) paren() string {
	if n.op == "leaf" {
		// Leaves are comparisons, calls, or ||/&& chains of them; only the
		// chains need parentheses among other terms.
		if (strings.Contains(n.text, " || ") || strings.Contains(n.text, " && ")) && !isCall(n.text) {
			return "(" + n.text + ")"
		}
		return n.text
	}
	if n.op == "not" {
		return n.expr(false)
	}
	return "(" + n.expr(false) + ")"
}

// isCall reports whether s is one call f(...) whose parentheses enclose all
// the rest.
func isCall(s string) bool {
	i := strings.IndexByte(s, '(')
	if i <= 0 || !strings.HasSuffix(s, ")") {
		return false
	}
	for _, r := range s[:i] {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			return false
		}
	}
	depth, inStr := 0, false
	for j := i; j < len(s); j++ {
		c := s[j]
		if inStr {
			if c == '\\' {
				j++
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && j != len(s)-1 {
				return false
			}
		}
	}
	return true
}

// condError is a construct of a condition that cannot be translated.
type condError struct{ msg string }

func (e *condError) Error() string { return e.msg }

func condErrorf(format string, args ...any) error { return &condError{fmt.Sprintf(format, args...)} }

// parseCondition translates a Sigma condition, given the selections
// (name → translated node) in detection order.
func parseCondition(cond string, names []string, sels map[string]*node) (*node, error) {
	if i := strings.IndexByte(cond, '|'); i >= 0 {
		return nil, condErrorf("aggregation %q is not supported (StreamAlert rules judge one record; use threshold and dedup_keys by hand)", strings.TrimSpace(cond[i:]))
	}
	toks, err := tokenize(cond)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if strings.EqualFold(t, "near") {
			return nil, condErrorf("near is not supported (StreamAlert rules judge one record)")
		}
	}
	p := &condParser{toks: toks, names: names, sels: sels}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, condErrorf("unexpected %q in condition", p.toks[p.i])
	}
	return n, nil
}

func tokenize(s string) ([]string, error) {
	var toks []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	if len(toks) == 0 {
		return nil, condErrorf("empty condition")
	}
	return toks, nil
}

type condParser struct {
	toks  []string
	i     int
	names []string
	sels  map[string]*node
}

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *condParser) or() (*node, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []*node{n}
	for strings.EqualFold(p.peek(), "or") {
		p.i++
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, m)
	}
	return join("or", kids), nil
}

func (p *condParser) and() (*node, error) {
	n, err := p.not()
	if err != nil {
		return nil, err
	}
	kids := []*node{n}
	for strings.EqualFold(p.peek(), "and") {
		p.i++
		m, err := p.not()
		if err != nil {
			return nil, err
		}
		kids = append(kids, m)
	}
	return join("and", kids), nil
}

func (p *condParser) not() (*node, error) {
	if strings.EqualFold(p.peek(), "not") {
		p.i++
		n, err := p.not()
		if err != nil {
			return nil, err
		}
		if n.op == "not" {
			return n.kids[0], nil
		}
		return &node{op: "not", kids: []*node{n}}, nil
	}
	return p.primary()
}

func (p *condParser) primary() (*node, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, condErrorf("condition ends too early")
	case t == "(":
		p.i++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, condErrorf("missing ) in condition")
		}
		p.i++
		return n, nil
	case t == ")":
		return nil, condErrorf("unexpected ) in condition")
	case strings.EqualFold(t, "near"):
		return nil, condErrorf("near is not supported (StreamAlert rules judge one record)")
	}
	if p.i+1 < len(p.toks) && strings.EqualFold(p.toks[p.i+1], "of") {
		quant := strings.ToLower(t)
		p.i += 2
		target := p.peek()
		if target == "" || target == "(" || target == ")" {
			return nil, condErrorf("%s of: missing selection pattern", t)
		}
		p.i++
		var matched []*node
		for _, name := range p.names {
			ok := false
			if strings.EqualFold(target, "them") {
				ok = !strings.HasPrefix(name, "_")
			} else {
				ok, _ = path.Match(target, name)
			}
			if ok {
				matched = append(matched, p.sels[name])
			}
		}
		if len(matched) == 0 {
			return nil, condErrorf("%s of %s matches no selection", t, target)
		}
		switch quant {
		case "1", "any":
			return join("or", matched), nil
		case "all":
			return join("and", matched), nil
		}
		return nil, condErrorf("%q of is not supported (only 1 of and all of)", t)
	}
	for _, w := range []string{"and", "or", "of", "them"} {
		if strings.EqualFold(t, w) {
			return nil, condErrorf("unexpected %q in condition", t)
		}
	}
	p.i++
	n, ok := p.sels[t]
	if !ok {
		msg := fmt.Sprintf("condition names %q, which is not a selection of the detection", t)
		if slices.Contains(p.names, strings.ToLower(t)) {
			msg += fmt.Sprintf(" (did you mean %q?)", strings.ToLower(t))
		}
		return nil, &condError{msg}
	}
	return n, nil
}
