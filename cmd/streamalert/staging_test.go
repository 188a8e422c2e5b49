package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStagedRuleNeverPages: a staged rule's alerts go to the configuration's
// staging_outputs instead of the rule's outputs; other rules are unchanged.
func TestStagedRuleNeverPages(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{
		"trial.yaml": testRule("trial", "login") + "staged: true\noutputs: [file:page]\n",
		"live.yaml":  testRule("live", "exec") + "outputs: [file:page]\n",
	})
	dir := t.TempDir()
	page, staging := filepath.Join(dir, "page.jsonl"), filepath.Join(dir, "staging.jsonl")
	cfg := filepath.Join(dir, "streamalert.yaml")
	writeFile(t, cfg, "outputs:\n  file:\n    page: {path: "+page+"}\n    staging: {path: "+staging+"}\nstaging_outputs: [file:staging]\n")
	in := filepath.Join(dir, "in.jsonl")
	writeFile(t, in, event("login", 1)+"\n"+event("exec", 2)+"\n")
	var stdout, stderr syncBuffer
	if code := run(t.Context(), []string{"run", "--rules", rules, "--schemas", schemas, "--config", cfg, in}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	paged, _ := os.ReadFile(page)
	staged, _ := os.ReadFile(staging)
	if strings.Contains(string(paged), `"rule_name":"trial"`) || !strings.Contains(string(paged), `"rule_name":"live"`) {
		t.Errorf("page output:\n%s", paged)
	}
	if !strings.Contains(string(staged), `"rule_name":"trial"`) || !strings.Contains(string(staged), `"staged":true`) || strings.Contains(string(staged), `"rule_name":"live"`) {
		t.Errorf("staging output:\n%s", staged)
	}
}
