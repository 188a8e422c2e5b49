package explain

import (
	"github.com/expr-lang/expr/ast"
)

// sourceOf returns the text of clause n as written in src (runes), from its
// first token to its last, widened to take in the brackets the tokens
// leave out (a call's closing parenthesis, a parenthesised operand). ok is
// false when the brackets do not balance; callers then print the node.
func sourceOf(src []rune, n ast.Node) (text string, offset int, ok bool) {
	from, to := n.Location().From, n.Location().To
	ast.Walk(&n, visitor(func(c ast.Node) {
		loc := c.Location()
		if loc.From < from {
			from = loc.From
		}
		if loc.To > to {
			to = loc.To
		}
	}))
	if from < 0 || to > len(src) || from >= to {
		return "", 0, false
	}
	// Some tokens' ends run into the next token (a number's): a clause
	// never ends with a separator.
	for to > from && (isSpace(src[to-1]) || src[to-1] == ';') {
		to--
	}
	// A let's first token is its variable: take in the keyword.
	if i := from - 1; i >= 0 && isSpace(src[i]) {
		for i >= 0 && isSpace(src[i]) {
			i--
		}
		if i >= 2 && string(src[i-2:i+1]) == "let" && (i < 3 || !isIdent(src[i-3])) {
			from = i - 2
		}
	}
	var open []rune // unmatched openers, innermost last
	closers := 0    // unmatched closers before any opener
	var quote rune
	for i := from; i < to; i++ {
		r := src[i]
		if quote != 0 {
			switch {
			case r == '\\' && quote != '`':
				i++
			case r == quote:
				quote = 0
			}
			continue
		}
		switch r {
		case '"', '\'', '`':
			quote = r
		case '(', '[', '{':
			open = append(open, r)
		case ')', ']', '}':
			if len(open) > 0 {
				if open[len(open)-1] != opener(r) {
					return "", 0, false
				}
				open = open[:len(open)-1]
			} else {
				closers++
			}
		}
	}
	if quote != 0 {
		return "", 0, false
	}
	for ; closers > 0; closers-- { // widen left: "(a) + b" starts at "a"
		from--
		for from >= 0 && isSpace(src[from]) {
			from--
		}
		if from < 0 || src[from] != '(' && src[from] != '[' && src[from] != '{' {
			return "", 0, false
		}
	}
	for len(open) > 0 { // widen right: f(x ... ")"
		for to < len(src) && isSpace(src[to]) {
			to++
		}
		if to >= len(src) || opener(src[to]) != open[len(open)-1] {
			return "", 0, false
		}
		open = open[:len(open)-1]
		to++
	}
	return string(src[from:to]), from, true
}

func opener(r rune) rune {
	switch r {
	case ')':
		return '('
	case ']':
		return '['
	case '}':
		return '{'
	}
	return 0
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

func isIdent(r rune) bool {
	return r == '_' || r == '$' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
}
