package rule

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Regexp is a constant regexp of a `matches` with a required-literal
// prefilter: when every match must contain some literal text (the "evil"
// of "^curl .*evil"), a string without it is rejected by strings.Contains,
// without running the regexp. Most strings a detection meets do not match,
// so most calls end there. Safe for concurrent use.
type Regexp struct {
	re      *regexp.Regexp
	literal string // "" when no literal is required
}

// CompileRegexp compiles a pattern with Go's regexp syntax, as expr's
// `matches` does.
func CompileRegexp(pattern string) (*Regexp, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	r := &Regexp{re: re}
	if parsed, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		for _, l := range requiredLiterals(parsed.Simplify()) {
			if len(l) > len(r.literal) {
				r.literal = l
			}
		}
	}
	return r, nil
}

// MatchString reports whether s contains a match, as regexp.MatchString.
func (r *Regexp) MatchString(s string) bool {
	if r.literal != "" && !strings.Contains(s, r.literal) {
		return false
	}
	return r.re.MatchString(s)
}

// Literal returns a string every match contains ("" when none is known):
// a string without it does not match.
func (r *Regexp) Literal() string { return r.literal }

// String returns the pattern.
func (r *Regexp) String() string { return r.re.String() }

// requiredLiterals returns literal strings every match of re contains.
// Case-folded literals are left out (strings.Contains is case-sensitive).
func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			return []string{string(re.Rune)}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		var out []string
		for _, sub := range re.Sub {
			out = append(out, requiredLiterals(sub)...)
		}
		return out
	}
	return nil
}

// matchRegexp is the rewrite of `x matches "constant"`. A value that is not
// a string is an error, as in expr.
func matchRegexp(v, re any) bool {
	s, ok := v.(string)
	if !ok {
		panic(fmt.Sprintf("invalid operation: matches on %T (needs a string)", v))
	}
	return re.(*Regexp).MatchString(s)
}
