package rule

import (
	"fmt"
	"unicode/utf8"
)

// Glob is a compiled shell-style pattern as Python's fnmatch.fnmatchcase
// reads it: `*` matches any run of characters (including `/`), `?` any one
// character, `[abc]`, `[a-z]` and `[!abc]` (or `[^abc]`) a character class;
// everything else matches itself. Matching is case-sensitive. A Glob is
// immutable and safe for concurrent use.
type Glob struct {
	src   string
	elems []globElem
}

type globKind uint8

const (
	globLit globKind = iota
	globAny
	globStar
	globClass
)

type globElem struct {
	kind   globKind
	r      rune
	negate bool
	ranges [][2]rune
}

// CompileGlob parses pattern. An unterminated `[` is an error.
func CompileGlob(pattern string) (*Glob, error) {
	g := &Glob{src: pattern}
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '*':
			if n := len(g.elems); n > 0 && g.elems[n-1].kind == globStar {
				continue
			}
			g.elems = append(g.elems, globElem{kind: globStar})
		case '?':
			g.elems = append(g.elems, globElem{kind: globAny})
		case '[':
			j := i + 1
			e := globElem{kind: globClass}
			if j < len(rs) && (rs[j] == '!' || rs[j] == '^') {
				e.negate = true
				j++
			}
			start := j
			for ; j < len(rs); j++ {
				if rs[j] == ']' && j > start {
					break
				}
				lo := rs[j]
				if j+2 < len(rs) && rs[j+1] == '-' && rs[j+2] != ']' {
					hi := rs[j+2]
					if hi < lo {
						return nil, fmt.Errorf("glob %q: bad range %c-%c", pattern, lo, hi)
					}
					e.ranges = append(e.ranges, [2]rune{lo, hi})
					j += 2
					continue
				}
				e.ranges = append(e.ranges, [2]rune{lo, lo})
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("glob %q: unterminated [", pattern)
			}
			g.elems = append(g.elems, e)
			i = j
		default:
			g.elems = append(g.elems, globElem{kind: globLit, r: rs[i]})
		}
	}
	return g, nil
}

// String returns the pattern's source.
func (g *Glob) String() string { return g.src }

// Match reports whether s matches the whole pattern.
func (g *Glob) Match(s string) bool {
	// Iterative matching with one backtrack point for the last star: linear
	// for typical patterns, never exponential.
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		if pi < len(g.elems) {
			e := &g.elems[pi]
			switch e.kind {
			case globStar:
				starP, starS = pi, si
				pi++
				continue
			case globAny:
				pi++
				si += size
				continue
			case globLit:
				if e.r == r {
					pi++
					si += size
					continue
				}
			case globClass:
				if e.matchClass(r) {
					pi++
					si += size
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, size = utf8.DecodeRuneInString(s[starS:])
		starS += size
		pi, si = starP+1, starS
	}
	for pi < len(g.elems) && g.elems[pi].kind == globStar {
		pi++
	}
	return pi == len(g.elems)
}

func (e *globElem) matchClass(r rune) bool {
	in := false
	for _, rg := range e.ranges {
		if r >= rg[0] && r <= rg[1] {
			in = true
			break
		}
	}
	return in != e.negate
}
