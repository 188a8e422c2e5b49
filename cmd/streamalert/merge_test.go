package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMergeWindowLive: in a long-running session, alerts of a rule with
// merge_by_keys are held for the window, then sent as one merged alert per
// key value; a rule without merge keys alerts at once.
func TestMergeWindowLive(t *testing.T) {
	merging := testRule("merged", "login") + "merge_by_keys: [user]\nmerge_window: 1s\n"
	rules, schemas := testDirs(t, map[string]string{
		"merged.yaml": merging,
		"plain.yaml":  testRule("plain", "exec"),
	})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--watch", "-")
	s.waitStderr(0, "watching")
	s.send(`{"kind":"login","user":"alice","n":1}`, `{"kind":"exec","user":"x","n":9}`,
		`{"kind":"login","user":"alice","n":2}`, `{"kind":"login","user":"bob","n":3}`)
	// The plain alert comes first, at once; the merged ones after their window.
	if got := s.waitAlerts(1); got[0] != "plain" {
		t.Fatalf("first alert = %s, want plain (merging alerts must wait)", got[0])
	}
	got := s.waitAlerts(3)
	if got[1] != "merged" || got[2] != "merged" {
		t.Fatalf("alerts = %v", got)
	}
	out := s.stdout.String()
	if !strings.Contains(out, `"AlertCount":2`) || !strings.Contains(out, `"MergedBy":{"user":"alice"}`) {
		t.Errorf("no merged alert for alice's two logins:\n%s", out)
	}
	if !strings.Contains(out, `"user":"bob"`) || strings.Count(out, `"AlertCount"`) != 1 {
		t.Errorf("bob's single alert must be sent as it is:\n%s", out)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	if !strings.Contains(s.stderr.String(), "4 alerts (3 written after thresholds, dedup and merging)") {
		t.Errorf("summary:\n%s", s.stderr.String())
	}
}

// TestMergeFlushedAtEnd: a run over files that ends before the window does
// not lose the alerts it holds.
func TestMergeFlushedAtEnd(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{
		"merged.yaml": testRule("merged", "login") + "merge_by_keys: [user]\nmerge_window: 1h\n",
	})
	in := filepath.Join(t.TempDir(), "in.jsonl")
	writeFile(t, in, `{"kind":"login","user":"alice","n":1}`+"\n"+`{"kind":"login","user":"alice","n":2}`+"\n")
	var stdout, stderr syncBuffer
	if code := run(t.Context(), []string{"run", "--rules", rules, "--schemas", schemas, in}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"AlertCount":2`) {
		t.Errorf("held alerts not flushed at the end:\n%s\n%s", stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "streamalert: 2 alerts held for merging sent at exit as 1 alert\n") {
		t.Errorf("the summary does not say alerts were held:\n%s", stderr.String())
	}
}

// TestThresholdAndDedup: a rule with threshold 3 per user alerts on the
// third matching record of a user, once per period.
func TestThresholdAndDedup(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{
		"brute.yaml": testRule("brute", "fail") + "threshold: 3\ndedup_keys: [user]\ndedup_period: 1h\n",
	})
	in := filepath.Join(t.TempDir(), "in.jsonl")
	var lines []string
	for i, u := range []string{"alice", "bob", "alice", "alice", "alice", "bob"} {
		lines = append(lines, `{"kind":"fail","user":"`+u+`","n":`+string(rune('0'+i))+`}`)
	}
	writeFile(t, in, strings.Join(lines, "\n")+"\n")
	var stdout, stderr syncBuffer
	if code := run(t.Context(), []string{"run", "--rules", rules, "--schemas", schemas, in}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	out := stdout.String()
	if strings.Count(out, `"rule_name":"brute"`) != 1 || !strings.Contains(out, `"n":3`) {
		t.Errorf("want exactly one alert, for alice's third failure (n=3):\n%s", out)
	}
	if !strings.Contains(stderr.String(), "6 alerts (1 written after thresholds, dedup and merging)") {
		t.Errorf("summary:\n%s", stderr.String())
	}
}

// TestHeldAlertsAreAnnounced: in a long-running session, alerts held by a
// merge window are said to be held, so a quiet stdout is no mystery.
func TestHeldAlertsAreAnnounced(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{
		"merged.yaml": testRule("merged", "login") + "merge_by_keys: [user]\nmerge_window: 1h\n",
	})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--watch", "-")
	s.waitStderr(0, "watching")
	s.send(`{"kind":"login","user":"alice","n":1}`, `{"kind":"login","user":"alice","n":2}`, `{"kind":"login","user":"bob","n":3}`)
	s.waitStderr(0, `streamalert: [1-3] alerts? held for merging, sent at window end or exit\n`)
	if len(s.alerts()) != 0 {
		t.Fatalf("alerts sent before the window ended\n%s", s.dump())
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	if !strings.Contains(s.stderr.String(), "streamalert: 3 alerts held for merging sent at exit as 2 alerts\n") {
		t.Fatalf("exit summary\n%s", s.dump())
	}
	if len(s.alerts()) != 2 {
		t.Fatalf("alerts at exit: %v", s.alerts())
	}
}
