package lint_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// Issue 12 item 3: `len(reduce(1..64, #acc + #acc, "x")) > 0` passed lint.
// Lint flags the constructs whose cost cannot be bounded before they run,
// and leaves alone loops that walk parts of their element (linear).
func TestLintFlagsRuleCostThatCannotBeBounded(t *testing.T) {
	set, diags := schema.Load(fstest.MapFS{"s.yaml": {Data: []byte("t:x:\n  parser: json\n  schema:\n    list: []\n    events: []\n    n: integer\n    s: string\n")}})
	if set == nil {
		t.Fatal(diags)
	}
	for _, tc := range []struct {
		cond string
		want string // "" for no warning
	}{
		{`len(reduce(1..64, #acc + #acc, "x")) > 0`, "reduce grows its accumulator"},
		{`any(record.list, any(record.list, # == 1))`, "any over data inside another loop over data"},
		{`any(record.list, count(record.events, # == 1) > 2)`, "count over data inside another loop"},
		{`len(1..record.n) > 0`, "a range whose bounds are not constants"},
		{`repeat(record.s, record.n) != ""`, "repeat with a count that is not a constant"},
		{`any(record.events, any(#.parameters ?? [], # == 1))`, ""},
		{`any(record.events, any(["a", "b"], # == "a"))`, ""},
		{`reduce(record.list, #acc + 1, 0) > 0`, ""},
		{`any(record.list, # in lists.l)`, ""},
		{`len(repeat("ab", 3)) == 6 && any(1..10, # == record.n)`, ""},
	} {
		files := fstest.MapFS{
			"lib.yaml": {Data: []byte("lists:\n  l: [a]\n")},
			"r.yaml":   {Data: []byte("name: r\nlog_types: [t:x]\noutputs: [x:y]\ncondition: '" + strings.ReplaceAll(tc.cond, "'", "''") + "'\n")},
		}
		ds := lint.Check(files, lint.Options{Schemas: set})
		var got []string
		for _, d := range ds {
			if d.Code == lint.CodeUnboundedCost {
				got = append(got, d.Message)
				if d.Pos.File != "r.yaml" || d.Pos.Line != 4 || d.Pos.Col < 12 {
					t.Errorf("%s: position %v", tc.cond, d.Pos)
				}
			}
		}
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%s: unexpected %q", tc.cond, got)
		case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
			t.Errorf("%s: got %q, want one warning with %q", tc.cond, got, tc.want)
		}
	}
}
