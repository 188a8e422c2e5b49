package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitFor is how long a test waits for an expected effect (a reload, an
// alert) before failing; generous for a loaded CI machine, and only spent
// when something is wrong.
const waitFor = 15 * time.Second

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a polling
// reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// session is one in-process `streamalert run ...` with a cancellable
// context, stdin as a pipe, and captured stdout and stderr.
type session struct {
	t      *testing.T
	cancel context.CancelFunc
	stdin  *io.PipeWriter
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan int
	code   int
	ended  bool
}

func startRun(t *testing.T, args ...string) *session {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &session{t: t, cancel: cancel, stdin: pw, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	go func() {
		s.done <- run(ctx, append([]string{"run"}, args...), pr, s.stdout, s.stderr)
		pr.Close()
	}()
	t.Cleanup(func() { s.stop() })
	return s
}

// send writes lines to the session's stdin.
func (s *session) send(lines ...string) {
	s.t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(s.stdin, l+"\n"); err != nil {
			s.t.Fatalf("writing stdin: %v\nstderr:\n%s", err, s.stderr.String())
		}
	}
}

// stop closes stdin, cancels the context (SIGINT) and returns the exit code.
func (s *session) stop() int {
	if s.ended {
		return s.code
	}
	s.ended = true
	s.stdin.Close()
	s.cancel()
	select {
	case s.code = <-s.done:
	case <-time.After(waitFor):
		s.t.Errorf("run did not return after cancellation\nstderr:\n%s", s.stderr.String())
		s.code = -1
	}
	return s.code
}

// waitUntil polls cond until it holds or waitFor passes.
func waitUntil(t *testing.T, what string, cond func() bool, show func() string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\n%s", what, show())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *session) dump() string {
	return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", s.stdout.String(), s.stderr.String())
}

// waitStderr waits until stderr matches re, searching only after the first
// `from` bytes, and returns the end offset of the match.
func (s *session) waitStderr(from int, re string) int {
	s.t.Helper()
	rx := regexp.MustCompile(re)
	end := 0
	waitUntil(s.t, "stderr to match "+re, func() bool {
		out := s.stderr.String()
		if from > len(out) {
			return false
		}
		if loc := rx.FindStringIndex(out[from:]); loc != nil {
			end = from + loc[1]
			return true
		}
		return false
	}, s.dump)
	return end
}

// alerts returns the rule names of the alerts on stdout so far, in order.
func (s *session) alerts() []string {
	var names []string
	for _, m := range regexp.MustCompile(`"rule_name":"([^"]+)"`).FindAllStringSubmatch(s.stdout.String(), -1) {
		names = append(names, m[1])
	}
	return names
}

// waitAlerts waits until exactly want alerts are on stdout, then returns
// their rule names.
func (s *session) waitAlerts(want int) []string {
	s.t.Helper()
	waitUntil(s.t, fmt.Sprintf("%d alerts", want), func() bool { return len(s.alerts()) >= want }, s.dump)
	got := s.alerts()
	if len(got) != want {
		s.t.Fatalf("got %d alerts, want %d: %v\n%s", len(got), want, got, s.dump())
	}
	return got
}

// testSchema is a small schema for the tests' records.
const testSchema = `test:event:
  parser: json
  schema:
    kind: string
    user: string
    n: integer
`

// testRule returns a rule file alerting on records whose kind is kind.
func testRule(name, kind string) string {
	return fmt.Sprintf("name: %s\ndescription: test rule\nlog_types: [test:event]\ncondition: record.kind == %q\nseverity: low\n", name, kind)
}

// event is one test record.
func event(kind string, n int) string {
	return fmt.Sprintf(`{"kind":%q,"user":"u%d","n":%d}`, kind, n, n)
}

// testDirs makes a schemas folder with testSchema and a rules folder with
// the given files (name → content).
func testDirs(t *testing.T, rules map[string]string) (rulesDir, schemasDir string) {
	t.Helper()
	root := t.TempDir()
	rulesDir, schemasDir = filepath.Join(root, "rules"), filepath.Join(root, "schemas")
	for _, d := range []string{rulesDir, schemasDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(schemasDir, "test.yaml"), testSchema)
	for name, content := range rules {
		writeFile(t, filepath.Join(rulesDir, name), content)
	}
	return rulesDir, schemasDir
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replaceFile saves like an editor that writes a temporary file and renames
// it over the original.
func replaceFile(t *testing.T, p, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".tmp")
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
}

func countLines(s, sub string) int { return strings.Count(s, sub) }
