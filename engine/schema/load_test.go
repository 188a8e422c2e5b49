package schema

import (
	"os"
	"testing"

	"github.com/streamalert-go/streamalert/engine/testenv"
)

// sharedDir returns <repo root>/../shared/<rel> (skipped locally, failed in CI, when absent).
func sharedDir(t testing.TB, rel string) string {
	t.Helper()
	return testenv.Shared(t, rel)
}

func TestLoadStreamAlertSchemas(t *testing.T) {
	dir := sharedDir(t, "compat/streamalert/schemas")
	set, diags := Load(os.DirFS(dir))
	for _, d := range diags.Errors() {
		t.Error(d)
	}
	// StreamAlert's pan schema patterns a top-level "type" it does not declare.
	if len(diags) != 1 || diags[0].Code != CodeBadPattern || diags[0].Pos.File != "pan.json" {
		t.Errorf("want exactly the pan.json bad-pattern warning, got %v", diags)
	}
	if set == nil {
		t.Fatal("Load returned no set")
	}
	if n := len(set.Names()); n != 65 {
		t.Errorf("loaded %d log types, want 65", n)
	}
	ct := set.Get("cloudtrail:events")
	if ct == nil || ct.Parser != "json" || ct.jsonPath == nil || !ct.optional["addendum"] {
		t.Errorf("cloudtrail:events not compiled as expected: %+v", ct)
	}
	if p, ok := set.Get("ghe:general").Priority(); !ok || p != 0 {
		t.Errorf("ghe:general priority = %d, %v", p, ok)
	}
	if got := set.Get("cloudwatch:events").NormalizedTypes(); len(got) != 5 || got[0] != "account" {
		t.Errorf("cloudwatch:events normalized types = %v", got)
	}
}
