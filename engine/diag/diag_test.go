package diag

import (
	"errors"
	"strings"
	"testing"
)

func TestYAMLSyntax(t *testing.T) {
	tests := []struct {
		err  string
		line int
		msg  string
	}{
		{"yaml: line 3: did not find expected key", 3, "did not find expected key"},
		{"yaml: found unexpected end of stream", 1, "found unexpected end of stream"},
		{"yaml: line 0: odd", 1, "odd"},
	}
	for _, tt := range tests {
		d := YAMLSyntax("f.yaml", errors.New(tt.err))
		if d.Pos != (Pos{File: "f.yaml", Line: tt.line, Col: 1}) || d.Message != tt.msg || d.Code != "yaml-syntax" || d.Severity != Error {
			t.Errorf("YAMLSyntax(%q) = %+v", tt.err, d)
		}
	}
}

func TestListSortAndText(t *testing.T) {
	var l List
	l.Warnf(Pos{File: "b.yaml", Line: 2, Col: 1}, "no-tests", "rule %s has no tests", "x")
	l.Errorf(Pos{File: "a.yaml", Line: 9, Col: 4}, "unknown-key", "unknown key %q", "nme")
	l.Errorf(Pos{File: "a.yaml", Line: 9, Col: 4}, "unknown-key", "unknown key %q", "nme")
	l.Errorf(Pos{File: "a.yaml", Line: 10, Col: 1}, "expr-compile", "bad")
	l.Sort()
	if len(l) != 3 {
		t.Fatalf("Sort kept %d diagnostics, want 3 (one duplicate dropped)", len(l))
	}
	var b strings.Builder
	if err := l.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "a.yaml:9:4: unknown key \"nme\" [unknown-key]\na.yaml:10:1: bad [expr-compile]\nb.yaml:2:1: warning: rule x has no tests [no-tests]\n"
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	if !l.HasErrors() || len(l.Errors()) != 2 || l.Err() == nil {
		t.Errorf("HasErrors/Errors/Err disagree: %v %d %v", l.HasErrors(), len(l.Errors()), l.Err())
	}
	var w List
	w.Warnf(Pos{File: "x"}, "c", "m")
	if w.Err() != nil {
		t.Error("warnings alone must not be an error")
	}
}
