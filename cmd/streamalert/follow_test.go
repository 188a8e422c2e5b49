package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func appendFile(t *testing.T, p, content string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

// TestFollowRotation follows a log through growth, rotation by rename (with
// a late write to the old file and a cut last line) and truncation.
func TestFollowRotation(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	dir := t.TempDir()
	log, dead := filepath.Join(dir, "app.log"), filepath.Join(dir, "dead.jsonl")
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--dead-letter", dead, "--follow", log)
	// The file does not exist yet: follow waits for it.
	off := s.waitStderr(0, `waiting for .*app\.log to appear`)
	writeFile(t, log, event("alpha", 1)+"\n"+event("beta", 2)+"\n")
	s.waitAlerts(1)

	appendFile(t, log, event("beta", 3)+"\n"+event("alpha", 4)+"\n")
	s.waitAlerts(2)

	// Rotation: rename, a late write to the old file ending in a cut line,
	// then a new file.
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, log+".1", event("alpha", 5)+"\ncut-line-without-newline")
	writeFile(t, log, event("alpha", 6)+"\n")
	off = s.waitStderr(off, `app\.log was rotated`)
	s.waitAlerts(4)

	appendFile(t, log, event("alpha", 7)+"\n"+event("beta", 8)+"\n")
	s.waitAlerts(5)

	// Truncation (copytruncate style): the file gets shorter than what was
	// read, then grows again.
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}
	s.waitStderr(off, `app\.log was truncated`)
	appendFile(t, log, event("alpha", 9)+"\n")
	s.waitAlerts(6)

	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	// 9 records and the cut line, which became a line of its own.
	if !strings.Contains(s.stderr.String(), "10 raw records, 9 records classified, 1 unclassified, 6 alerts") {
		t.Fatalf("summary wrong\n%s", s.dump())
	}
	data, err := os.ReadFile(dead)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"raw":"cut-line-without-newline"`) || !strings.Contains(string(data), `"service":"file"`) {
		t.Fatalf("dead letter: %s", data)
	}
}

// TestFollowExistingAndStdin follows a file that already has lines (read
// from its beginning) while stdin streams too.
func TestFollowExistingAndStdin(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	log := filepath.Join(t.TempDir(), "app.log")
	writeFile(t, log, event("alpha", 1)+"\n"+event("alpha", 2)+"\n")
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--follow", log, "-")
	s.waitAlerts(2)
	s.send(event("alpha", 3))
	s.waitAlerts(3)
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := strings.Count(s.stdout.String(), `"source_service":"stdin"`); got != 1 {
		t.Fatalf("%d stdin alerts\n%s", got, s.dump())
	}
}
