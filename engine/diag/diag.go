// Package diag holds source positions and diagnostics shared by the schema
// loader, the rule loader and the command-line tools.
//
// A Diagnostic prints as "file:line:col: message", the one format every tool
// in this repository uses for problems in user-written files. Lists sort by
// position so output is stable whatever order the checks ran in.
package diag

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Pos is a position in a file. Line and Col are 1-based; zero means unknown
// (a position with only File set names the whole file).
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// String formats p as "file:line:col", dropping the parts that are unknown.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Compare orders positions by file, line, then column.
func (p Pos) Compare(q Pos) int {
	return cmp.Or(strings.Compare(p.File, q.File), cmp.Compare(p.Line, q.Line), cmp.Compare(p.Col, q.Col))
}

// Severity says whether a diagnostic fails a check.
type Severity uint8

const (
	// Error is a problem that stops a rule or schema from loading.
	Error Severity = iota
	// Warning is a problem that loads but is probably a mistake; it fails a
	// check only in strict mode.
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes "error" or "warning".
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Diagnostic is one problem found in a user-written file.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	// Code is stable across releases (e.g. "unknown-key", "expr-compile");
	// tools and tests match on it.
	Code    string `json:"code"`
	Message string `json:"message"`
	// Snippet is optional extra text printed below the message, such as
	// expr's caret snippet pointing into an expression.
	Snippet string `json:"snippet,omitempty"`
}

// String formats d as "file:line:col: message", with "warning: " before the
// message for warnings and the snippet, if any, on the following lines.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	if d.Code != "" {
		b.WriteString(" [")
		b.WriteString(d.Code)
		b.WriteString("]")
	}
	if d.Snippet != "" {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(d.Snippet, "\n"))
	}
	return b.String()
}

// List is a collection of diagnostics. The zero value is empty and ready.
type List []Diagnostic

// Errorf appends an error.
func (l *List) Errorf(pos Pos, code, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Error, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Warnf appends a warning.
func (l *List) Warnf(pos Pos, code, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Add appends diagnostics.
func (l *List) Add(ds ...Diagnostic) { *l = append(*l, ds...) }

// HasErrors reports whether l holds at least one Error.
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error })
}

// Errors returns only the diagnostics of severity Error.
func (l List) Errors() List {
	return slices.DeleteFunc(slices.Clone(l), func(d Diagnostic) bool { return d.Severity != Error })
}

// Sort orders l by position, then code, then message, and drops exact
// duplicates (the same problem found twice by two paths).
func (l *List) Sort() {
	slices.SortStableFunc(*l, func(a, b Diagnostic) int {
		return cmp.Or(a.Pos.Compare(b.Pos), cmp.Compare(a.Code, b.Code), strings.Compare(a.Message, b.Message))
	})
	*l = slices.CompactFunc(*l, func(a, b Diagnostic) bool { return a == b })
}

// Err returns nil when l holds no errors, else an error whose message lists
// every diagnostic (errors and warnings), one per line, sorted.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	s := slices.Clone(l)
	s.Sort()
	return &ListError{List: s}
}

// ListError is the error returned by List.Err.
type ListError struct{ List List }

func (e *ListError) Error() string {
	var b strings.Builder
	for i, d := range e.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// WriteText writes each diagnostic on its own line(s).
func (l List) WriteText(w io.Writer) error {
	for _, d := range l {
		if _, err := fmt.Fprintln(w, d.String()); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes {"diagnostics":[...]} followed by a newline.
func (l List) WriteJSON(w io.Writer) error {
	if l == nil {
		l = List{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Diagnostics List `json:"diagnostics"`
	}{l})
}
