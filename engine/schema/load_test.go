package schema

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns <repo root>/../shared/<rel>, skipping the test when absent.
func sharedDir(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s: ../shared/compat not present", rel)
	}
	return p
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
