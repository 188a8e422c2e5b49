package rulesd_test

import (
	"os"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
	"github.com/streamalert-go/streamalert/schemas"
)

// TestShippedRulesLintClean runs the same checks as `ruleck lint --strict
// --config examples/streamalert.yaml rules.d/`: every field a rule reads
// exists in its log types' schemas with the type it is used as, every output
// is declared, and there is not even a warning.
func TestShippedRulesLintClean(t *testing.T) {
	set, diags := schema.Load(schemas.FS)
	if len(diags) > 0 {
		t.Fatalf("embedded schemas do not load:\n%v", diags)
	}
	data, err := os.ReadFile("../examples/streamalert.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(data, "examples/streamalert.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if diags := lint.Check(rulesd.FS, lint.Options{Schemas: set, Config: cfg}); len(diags) > 0 {
		var b strings.Builder
		diags.WriteText(&b)
		t.Errorf("ruleck lint finds problems in the shipped rules:\n%s", b.String())
	}
}
