package rule

import (
	"fmt"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/schema"
)

// aliasBomb is a rule file whose tests' record nests anchors levels deep,
// ten aliases a level: 10^levels values from about 100 bytes a level.
func aliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString("name: bomb\nlog_types: [x]\ncondition: 'true'\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	fmt.Fprintf(&b, "tests:\n  - {description: d, trigger: true, record: {a: *l%d}}\n", levels)
	return b.String()
}

// Issue 12 item 1: every YAML the product reads bounds alias expansion
// before walking the nodes, with a position and a stable code.
func TestParseRejectsAliasBombBeforeWalkingIt(t *testing.T) {
	_, diags := Parse(mapFS(map[string]string{"bomb.yaml": aliasBomb(9)}))
	var found bool
	for _, d := range diags {
		if d.Code == schema.CodeAliasBomb && d.Pos.File == "bomb.yaml" && d.Pos.Line > 0 {
			found = true
		}
	}
	if !found {
		t.Fatalf("no %s diagnostic with a position: %v", schema.CodeAliasBomb, diags)
	}
}
