package rule

import (
	"time"

	"github.com/streamalert-go/streamalert/engine/diag"
)

// Severities lists the allowed values of a rule's severity, lowest first.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// Library is everything Parse read from one folder tree: the rules and the
// named matchers and lists of the library files. A Library is not modified
// after Parse returns; it is safe to read concurrently.
type Library struct {
	// Rules holds every rule file's rule (enabled or not), sorted by name.
	Rules []*Rule
	// Matchers holds the named matchers of all library files.
	Matchers map[string]*Matcher
	// Lists holds the named lists of all library files.
	Lists map[string]*List
	// Files names every file read, in walk order.
	Files []string

	trees *treeCache // see Tree; nil in a Library built by hand (Tree parses each time)
}

// Rule is one parsed rule file. Fields hold the decoded values (zero when the
// key is absent or invalid); Keys and Items hold positions for diagnostics.
type Rule struct {
	Name        string
	Description string
	LogTypes    []string // exact log types or families ("osquery")
	Datatypes   []string // normalized types
	Matchers    []MatcherRef
	Condition   *Expr // nil when the rule has only matchers
	Outputs     []string
	Severity    string
	Tags        []string
	ReqSubkeys  map[string][]string
	Context     map[string]any
	MergeByKeys []string
	MergeWindow time.Duration
	DedupPeriod time.Duration
	DedupKeys   []string
	Threshold   int
	Staged      bool
	Enabled     bool // true unless the file says enabled: false
	Tests       []Test

	// File is the rule file's path inside the folder tree.
	File string
	// Pos is the position of the rule's top-level mapping.
	Pos diag.Pos
	// Keys maps each key present in the file to the key's position.
	Keys map[string]diag.Pos
	// Items maps a key whose value is a sequence (log_types, datatypes,
	// outputs, tags, ...) to the position of each item, in order.
	Items map[string][]diag.Pos
}

// KeyPos returns the position of key in the rule, or the rule's position
// when the key is absent.
func (r *Rule) KeyPos(key string) diag.Pos {
	if p, ok := r.Keys[key]; ok {
		return p
	}
	return r.Pos
}

// ItemPos returns the position of the i-th item of a sequence key, or the
// key's position when unknown.
func (r *Rule) ItemPos(key string, i int) diag.Pos {
	if ps := r.Items[key]; i >= 0 && i < len(ps) {
		return ps[i]
	}
	return r.KeyPos(key)
}

// MatcherRef is one entry of a rule's matchers: either the name of a library
// matcher (Local nil), or a rule-local matcher defined inline.
type MatcherRef struct {
	Name  string
	Local *Matcher // non-nil for a rule-local matcher
	Pos   diag.Pos
}

// Matcher is a named boolean expression. Library matchers are shared by every
// rule naming them and are evaluated at most once per record.
type Matcher struct {
	Name string
	Expr Expr
	// Rule is the owning rule's name for a rule-local matcher, "" for a
	// library matcher.
	Rule string
	Pos  diag.Pos // position of the matcher's name
}

// List is a named list of scalar values (string, int64, float64, bool).
type List struct {
	Name    string
	Values  []any
	Pos     diag.Pos   // position of the list's name
	ItemPos []diag.Pos // position of each value
}

// Test is one entry of a rule's tests.
type Test struct {
	Description string
	// Record is a parsed record (set when the test has `record:`).
	Record map[string]any
	// Raw is a raw log line or document (HasRaw when the test has `raw:`).
	Raw    string
	HasRaw bool
	// LogType selects the log type of Record when the rule has several.
	LogType string
	Trigger bool
	Pos     diag.Pos            // position of the test's mapping
	Keys    map[string]diag.Pos // position of each key of the test
}

// Expr is an expression's source text and where it sits in its file, so that
// positions inside the expression map back to file:line:col.
type Expr struct {
	Source string
	// Pos is the position of the YAML scalar holding the expression (for a
	// block scalar, the `|` or `>` indicator).
	Pos diag.Pos

	style  exprStyle
	indent int   // block scalars: column (0-based) where content lines start
	folded []int // folded block scalars: rune length of each content line
}

type exprStyle uint8

const (
	stylePlain exprStyle = iota
	styleQuoted
	styleLiteral
	styleFolded
)

// NewExpr returns an Expr for source text whose first character is at pos
// (useful for expressions that do not come from a rule file).
func NewExpr(source string, pos diag.Pos) Expr {
	return Expr{Source: source, Pos: pos}
}

// PosAt maps a position inside the expression (line 1-based, col 0-based, as
// expr-lang reports them) to a position in the file.
func (e Expr) PosAt(line, col int) diag.Pos {
	p := e.Pos
	if p.Line == 0 {
		return p
	}
	if line < 1 {
		line = 1
	}
	switch e.style {
	case styleLiteral:
		p.Line = e.Pos.Line + line
		p.Col = e.indent + col + 1
	case styleFolded:
		// Folding joins content lines with one space: walk them back.
		l, c := line, col
		if line == 1 {
			l = 1
			for i, n := range e.folded {
				if c <= n || i == len(e.folded)-1 {
					break
				}
				c -= n + 1
				l++
			}
		}
		p.Line = e.Pos.Line + l
		p.Col = e.indent + c + 1
	case styleQuoted:
		if line == 1 {
			p.Col = e.Pos.Col + 1 + col
		} else {
			p.Line += line - 1
			p.Col = col + 1
		}
	default:
		if line == 1 {
			p.Col = e.Pos.Col + col
		} else {
			p.Line += line - 1
			p.Col = col + 1
		}
	}
	return p
}

// PosAtOffset maps a rune offset into Source to a position in the file.
func (e Expr) PosAtOffset(off int) diag.Pos {
	line, col := 1, 0
	for i, r := range []rune(e.Source) {
		if i == off {
			break
		}
		if r == '\n' {
			line++
			col = 0
		} else {
			col++
		}
	}
	return e.PosAt(line, col)
}
