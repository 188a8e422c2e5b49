package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert-go/streamalert/lambda/awstest"
	"github.com/streamalert-go/streamalert/lambda/dynamostate"
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

// TestRulesStatus lists the staged rules of a folder and, from the alert
// state table (the local DynamoDB server), what each sent over the period.
func TestRulesStatus(t *testing.T) {
	rules, _ := testDirs(t, nil)
	os.WriteFile(filepath.Join(rules, "trial.yaml"), []byte("name: trial_rule\ndescription: d\nlog_types: [osquery:differential]\ncondition: record.name == \"x\"\nseverity: low\nstaged: true\n"), 0o644)
	os.WriteFile(filepath.Join(rules, "live.yaml"), []byte("name: live_rule\ndescription: d\nlog_types: [osquery:differential]\ncondition: record.name == \"y\"\nseverity: low\n"), 0o644)
	var stdout, stderr syncBuffer
	if code := run(t.Context(), []string{"rules", "status", "--rules", rules}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "trial_rule") || strings.Contains(stdout.String(), "live_rule") || !strings.Contains(stderr.String(), "2 rules, 1 staged") {
		t.Fatalf("status:\n%s\n%s", stdout.String(), stderr.String())
	}

	awstest.Setup(t, true)
	table, c := awstest.StateTable(t)
	counts := &dynamostate.StagedCounts{Client: c, Table: table}
	counts.Add(t.Context(), "trial_rule", time.Now(), 5)
	counts.Add(t.Context(), "trial_rule", time.Now().Add(-30*24*time.Hour), 100) // outside --days 7
	var stdout2, stderr2 syncBuffer
	if code := run(t.Context(), []string{"rules", "status", "--rules", rules, "--state-table", table}, strings.NewReader(""), &stdout2, &stderr2); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr2.String())
	}
	out := strings.Split(strings.TrimSpace(stdout2.String()), "\n")
	if fields := strings.Fields(out[len(out)-1]); len(fields) == 0 || fields[len(fields)-1] != "5" {
		t.Fatalf("want 5 alerts over 7 days:\n%s", stdout2.String())
	}
}
