package bundle

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestLoadRefusesWhatLintRejects is the "one checker" promise: a rule that
// compiles but reads a field its log type does not have (record.acton, a
// typo of action) is refused at load, as ruleck lint refuses it.
func TestLoadRefusesWhatLintRejects(t *testing.T) {
	rules := fstest.MapFS{"typo.yaml": {Data: []byte(`name: typo
description: a typo of action
log_types: [osquery:differential]
condition: record.acton == "added"
severity: low
`)}}
	b, diags := Load(Options{Rules: Tree{FS: rules, Prefix: "s3://bucket/rules.d/"}})
	if b != nil {
		t.Fatal("a rule reading an undeclared field went live")
	}
	var found bool
	for _, d := range diags.Errors() {
		if d.Code == "unknown-field" && strings.HasPrefix(d.Pos.File, "s3://bucket/rules.d/typo.yaml") && d.Pos.Line == 4 {
			found = true
		}
	}
	if !found {
		t.Fatalf("want unknown-field at s3://bucket/rules.d/typo.yaml:4, got %v", diags)
	}
}

// TestLoadWarningsDoNotBlock: a rule without tests or outputs is warned
// about, and still goes live.
func TestLoadWarningsDoNotBlock(t *testing.T) {
	rules := fstest.MapFS{"ok.yaml": {Data: []byte(`name: ok
description: fine
log_types: [osquery:differential]
condition: record.action == "added"
severity: low
`)}}
	b, diags := Load(Options{Rules: Tree{FS: rules, Prefix: "r/"}})
	if b == nil {
		t.Fatalf("refused: %v", diags)
	}
	if len(diags) == 0 {
		t.Fatal("want warnings (no tests, no outputs)")
	}
}

// TestLoadEmbedded: the zero options serve the embedded schemas and rules.
func TestLoadEmbedded(t *testing.T) {
	b, diags := Load(Options{})
	if b == nil || diags.HasErrors() {
		t.Fatalf("embedded bundle refused: %v", diags)
	}
	if len(b.Rules.Rules()) == 0 {
		t.Fatal("embedded bundle has no rules")
	}
}
