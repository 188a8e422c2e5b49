package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// alertIDs returns the ids of the alerts on stdout.
func alertIDs(stdout string) map[string]bool {
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`"id":"([^"]+)"`).FindAllStringSubmatch(stdout, -1) {
		ids[m[1]] = true
	}
	return ids
}

// deadLetterIDs returns the alert ids in an alert dead-letter file, per output.
func deadLetterIDs(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l struct {
			Alert struct {
				ID string `json:"id"`
			} `json:"alert"`
			Output string `json:"output"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("dead letter line %q: %v", sc.Text(), err)
		}
		if l.Output != "webhook:hook" || l.Alert.ID == "" {
			t.Fatalf("dead letter line %s", sc.Text())
		}
		ids[l.Alert.ID] = true
	}
	return ids
}

// TestDrainDeadlineDeadLettersEveryUndeliveredAlert: with an output that
// hangs and more alerts than the delivery queue holds, shutdown keeps to
// --drain-timeout (enqueueing does not block it) and every alert not
// delivered by then is in --alert-dead-letter, not only mentioned on stderr.
func TestDrainDeadlineDeadLettersEveryUndeliveredAlert(t *testing.T) {
	release := make(chan struct{})
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": hookRule})
	dir := t.TempDir()
	in, dl := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "alerts-dead.jsonl")
	var lines strings.Builder
	for i := range deliveryQueue + 2*deliveryWorkers + 100 {
		lines.WriteString(event("alpha", i) + "\n")
	}
	writeFile(t, in, lines.String())
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--config", deliveryConfig(t, srv.URL),
		"--alert-dead-letter", dl, "--drain-timeout", "300ms", in)
	// The queue fills up behind the hanging output and the reader blocks
	// on it, so the file is not read to its end and run waits for an
	// interrupt. (stdout is buffered: the last few alerts may not show.)
	waitUntil(t, "the deliveries to hang and the queue to fill", func() bool {
		return requests.Load() >= deliveryWorkers && len(s.alerts()) >= deliveryQueue-16
	}, s.dump)
	if code := s.stop(); code != 0 { // stop fails the test if run does not return within waitFor
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	produced := alertIDs(s.stdout.String())
	dead := deadLetterIDs(t, dl)
	for id := range produced {
		if !dead[id] {
			t.Fatalf("alert %s was neither delivered nor dead-lettered (%d alerts, %d dead letters)\n%s", id, len(produced), len(dead), s.stderr.String())
		}
	}
	if len(dead) != len(produced) {
		t.Fatalf("%d dead letters for %d alerts", len(dead), len(produced))
	}
	want := "streamalert: output webhook:hook: 0 delivered, 0 retried, " + itoa(len(produced)) + " dead-lettered\n"
	if !strings.Contains(s.stderr.String(), want) {
		t.Fatalf("summary lacks %q\n%s", want, lastLines(s.stderr.String(), 5))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

// TestSummaryPerOutput: the closing summary says, per output, how many
// alerts were delivered, retried and dead-lettered.
func TestSummaryPerOutput(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The first attempt fails and is retried; then alerts get through,
		// except the one whose record says "doomed".
		var a struct {
			Record struct {
				User string `json:"user"`
			} `json:"record"`
		}
		json.NewDecoder(r.Body).Decode(&a)
		switch {
		case calls.Add(1) == 1:
			w.WriteHeader(503)
		case a.Record.User == "u7":
			w.WriteHeader(400) // permanent: dead-lettered at once
		}
	}))
	defer srv.Close()
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": hookRule})
	dir := t.TempDir()
	in, dl := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "dl.jsonl")
	writeFile(t, in, event("alpha", 1)+"\n"+event("alpha", 7)+"\n"+event("alpha", 3)+"\n")
	code, _, errs := runCmd(t, "run", "--rules", rules, "--schemas", schemas, "--config", deliveryConfig(t, srv.URL), "--alert-dead-letter", dl, in)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if want := "streamalert: output webhook:hook: 2 delivered, 1 retried, 1 dead-lettered\n"; !strings.Contains(errs, want) {
		t.Fatalf("summary lacks %q\n%s", want, errs)
	}
}
