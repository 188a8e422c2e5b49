package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMergeWindowLive: in a long-running session, the first alert of a
// merge group is sent at once, unchanged; the later ones of the window are
// sent as one summary when it ends; a group of one sends no summary; a rule
// without merge keys alerts at once.
func TestMergeWindowLive(t *testing.T) {
	merging := testRule("merged", "login") + "merge_by_keys: [user]\nmerge_window: 1s\n"
	rules, schemas := testDirs(t, map[string]string{
		"merged.yaml": merging,
		"plain.yaml":  testRule("plain", "exec"),
	})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--watch", "-")
	s.waitStderr(0, "watching")
	s.send(`{"kind":"login","user":"alice","n":1}`, `{"kind":"exec","user":"x","n":9}`,
		`{"kind":"login","user":"alice","n":2}`, `{"kind":"login","user":"bob","n":3}`,
		`{"kind":"login","user":"alice","n":4}`)
	// At once: alice's first login, the plain alert, bob's first login.
	if got := s.waitAlerts(3); got[0] != "merged" || got[1] != "plain" || got[2] != "merged" {
		t.Fatalf("first alerts = %v, want the first of each group and the plain one at once", got)
	}
	// After the window: one summary of alice's two later logins.
	got := s.waitAlerts(4)
	if got[3] != "merged" {
		t.Fatalf("alerts = %v", got)
	}
	out := s.stdout.String()
	if !strings.Contains(out, `"AlertCount":2`) || !strings.Contains(out, `"MergedBy":{"user":"alice"}`) || strings.Count(out, `"AlertCount"`) != 1 {
		t.Errorf("want one summary, of alice's two later logins:\n%s", out)
	}
	if !strings.Contains(out, `"user":"bob"`) || !strings.Contains(out, `"n":1`) {
		t.Errorf("first alerts must be sent as they are:\n%s", out)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	if !strings.Contains(s.stderr.String(), "5 alerts (4 written after thresholds, dedup and merging)") {
		t.Errorf("summary:\n%s", s.stderr.String())
	}
}

// TestMergeFlushedAtEnd: a run over files that ends before the window does
// not lose the alerts it folded: their summary is sent at exit.
func TestMergeFlushedAtEnd(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{
		"merged.yaml": testRule("merged", "login") + "merge_by_keys: [user]\nmerge_window: 1h\n",
	})
	in := filepath.Join(t.TempDir(), "in.jsonl")
	writeFile(t, in, `{"kind":"login","user":"alice","n":1}`+"\n"+`{"kind":"login","user":"alice","n":2}`+"\n"+`{"kind":"login","user":"alice","n":3}`+"\n")
	var stdout, stderr syncBuffer
	if code := run(t.Context(), []string{"run", "--rules", rules, "--schemas", schemas, in}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"n":1`) || !strings.Contains(stdout.String(), `"AlertCount":2`) {
		t.Errorf("want the first alert and the summary of the other two:\n%s\n%s", stdout.String(), stderr.String())
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

// TestHeldAlertsAreAnnounced: in a long-running session, alerts folded into
// a merge summary are said to be held, so a quiet stdout is no mystery.
func TestHeldAlertsAreAnnounced(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{
		"merged.yaml": testRule("merged", "login") + "merge_by_keys: [user]\nmerge_window: 1h\n",
	})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--watch", "-")
	s.waitStderr(0, "watching")
	s.send(`{"kind":"login","user":"alice","n":1}`, `{"kind":"login","user":"alice","n":2}`, `{"kind":"login","user":"bob","n":3}`)
	s.waitStderr(0, `streamalert: 1 alert held for merging, sent at window end or exit\n`)
	if got := s.waitAlerts(2); len(got) != 2 {
		t.Fatalf("first alerts of the two groups: %v\n%s", got, s.dump())
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	if !strings.Contains(s.stderr.String(), "streamalert: 1 alert held for merging sent at exit as 1 alert\n") {
		t.Fatalf("exit summary\n%s", s.dump())
	}
	if len(s.alerts()) != 3 {
		t.Fatalf("alerts at exit: %v", s.alerts())
	}
}
