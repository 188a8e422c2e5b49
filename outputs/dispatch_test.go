package outputs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/streamalert-go/streamalert/engine"
)

func readLetters(t *testing.T, path string) []Letter {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Letter
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l Letter
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("dead letter line is not a Letter: %v", err)
		}
		out = append(out, l)
	}
	return out
}

// A failing output's alert lands in the dead letter with its error; the
// other outputs still get theirs, exactly once.
func TestDispatchDeadLetterIsolation(t *testing.T) {
	good := newRecorder(t, step{status: 200})
	bad := newRecorder(t, step{status: 500, body: "upstream down"})
	rejected := newRecorder(t, step{status: 400, body: "invalid_blocks"})
	t.Setenv("TEST_BAD_URL", bad.URL+"/services/T1/B1/badSECRETtoken12345")
	t.Setenv("TEST_REJECT_URL", rejected.URL+"/hook/rejectSECRETtoken1234")
	dlPath := filepath.Join(t.TempDir(), "dead.jsonl")
	d, _ := newDispatcher(t, yamlOf("outputs:",
		"  webhook:", "    good: {url: "+good.URL+"/a}", "    rejected: {url: env:TEST_REJECT_URL}",
		"  slack:", "    bad: {webhook_url: env:TEST_BAD_URL}",
	), Options{DeadLetter: NewFileDeadLetter(dlPath)})

	a := sampleAlert("slack:bad", "webhook:good", "webhook:rejected", "webhook:good", "slack:undeclared")
	res, err := d.Dispatch(context.Background(), a)
	if err != nil {
		t.Fatalf("Dispatch error %v: every failure was dead-lettered", err)
	}
	if len(res) != 4 {
		t.Fatalf("results %+v, want 4 (duplicate name ignored)", res)
	}
	if n := len(good.requests()); n != 1 {
		t.Errorf("good output got %d requests, want exactly 1", n)
	}
	wantEq(t, "bad attempts", len(bad.requests()), 3)
	wantEq(t, "rejected attempts", len(rejected.requests()), 1)

	letters := readLetters(t, dlPath)
	byOutput := map[string]Letter{}
	for _, l := range letters {
		byOutput[l.Output] = l
	}
	if len(letters) != 3 {
		t.Fatalf("dead letters %+v, want 3", letters)
	}
	for name, want := range map[string]struct {
		attempts int
		errPart  string
	}{"slack:bad": {3, "HTTP 500"}, "webhook:rejected": {1, "invalid_blocks"}, "slack:undeclared": {0, "not declared"}} {
		l, ok := byOutput[name]
		if !ok {
			t.Errorf("no dead letter for %s", name)
			continue
		}
		wantEq(t, name+" attempts", l.Attempts, want.attempts)
		if !strings.Contains(l.Error, want.errPart) {
			t.Errorf("%s error %q lacks %q", name, l.Error, want.errPart)
		}
		wantEq(t, name+" alert id", l.Alert.ID, a.ID)
		wantEq(t, name+" record", l.Alert.Record["hostIdentifier"], "h1")
		if l.Time.IsZero() {
			t.Errorf("%s: zero time", name)
		}
	}
	raw, _ := os.ReadFile(dlPath)
	for _, secret := range []string{"badSECRETtoken12345", "rejectSECRETtoken1234"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("dead letter file contains secret %q", secret)
		}
	}
	snap := d.Metrics().Snapshot()
	wantEq(t, "good", snap["webhook:good"], Counts{Sent: 1})
	wantEq(t, "bad", snap["slack:bad"], Counts{Retried: 2, Failed: 1, DeadLettered: 1})
	wantEq(t, "rejected", snap["webhook:rejected"], Counts{Failed: 1, DeadLettered: 1})
}

// When the dead letter itself fails, Dispatch reports the alert as lost so
// the caller retries it.
func TestDispatchLostWhenDeadLetterFails(t *testing.T) {
	bad := newRecorder(t, step{status: 400})
	d, _ := newDispatcher(t, yamlOf("outputs:", "  webhook:", "    w: {url: "+bad.URL+"}"),
		Options{DeadLetter: NewFileDeadLetter(filepath.Join(t.TempDir(), "missing-dir", "dead.jsonl"))})
	res, err := d.Dispatch(context.Background(), sampleAlert("webhook:w"))
	var lost *LostError
	if !errors.As(err, &lost) || len(lost.Errs) != 1 {
		t.Fatalf("Dispatch error = %v, want one lost alert", err)
	}
	if !res[0].Lost() || res[0].DeadLetterErr == nil {
		t.Errorf("result %+v: want lost with a dead letter error", res[0])
	}
	// Without any dead letter, failures are returned too.
	d2, _ := newDispatcher(t, yamlOf("outputs:", "  webhook:", "    w: {url: "+bad.URL+"}"), Options{})
	if _, err := d2.Dispatch(context.Background(), sampleAlert("webhook:w")); err == nil {
		t.Error("no dead letter: Dispatch returned nil for a failed delivery")
	}
	// Undeclared outputs are skipped, not failed, under IgnoreUndeclared.
	d3, _ := newDispatcher(t, yamlOf("outputs:"), Options{IgnoreUndeclared: true})
	res, err = d3.Dispatch(context.Background(), sampleAlert("slack:nope"))
	if err != nil || !res[0].Skipped {
		t.Errorf("IgnoreUndeclared: %+v, %v", res, err)
	}
}

// A hanging output does not hold back the others: the fast output's
// request arrives while the slow one is still in flight.
func TestDispatchConcurrent(t *testing.T) {
	release := make(chan struct{})
	fastGot := make(chan struct{}, 1)
	slow := newRecorder(t)
	slow.Config.Handler = httpHandlerFunc(func() { <-release })
	fast := newRecorder(t)
	fast.Config.Handler = httpHandlerFunc(func() { fastGot <- struct{}{} })
	d, _ := newDispatcher(t, yamlOf("outputs:", "  webhook:", "    slow: {url: "+slow.URL+"}", "    fast: {url: "+fast.URL+"}"), Options{})
	done := make(chan error, 1)
	go func() {
		_, err := d.Dispatch(context.Background(), sampleAlert("webhook:slow", "webhook:fast"))
		done <- err
	}()
	select {
	case <-fastGot:
	case <-time.After(5 * time.Second):
		t.Fatal("fast output blocked behind the slow one")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// The per-attempt timeout applies, and a cancelled caller stops retrying
// but still dead-letters.
func TestDispatchCancelledStillDeadLetters(t *testing.T) {
	srv := newRecorder(t, step{status: 503})
	dl := filepath.Join(t.TempDir(), "dl.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	d, _ := newDispatcher(t, yamlOf("outputs:", "  webhook:", "    w: {url: "+srv.URL+"}"), Options{
		DeadLetter: NewFileDeadLetter(dl),
		Sleep:      func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() },
	})
	res, err := d.Dispatch(ctx, sampleAlert("webhook:w"))
	if err != nil || !res[0].DeadLettered {
		t.Fatalf("Dispatch = %+v, %v", res, err)
	}
	wantEq(t, "attempts", res[0].Attempts, 1)
	if l := readLetters(t, dl); len(l) != 1 || !strings.Contains(l[0].Error, "gave up") {
		t.Errorf("letters %+v", l)
	}
}

func TestMetricsCollectors(t *testing.T) {
	srv := newRecorder(t, step{status: 500}, step{status: 200})
	d, _ := newDispatcher(t, yamlOf("outputs:", "  webhook:", "    w: {url: "+srv.URL+"}"), Options{})
	d.Dispatch(context.Background(), sampleAlert("webhook:w"))
	reg := prometheus.NewRegistry()
	for _, c := range d.Metrics().Collectors() {
		reg.MustRegister(c)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			got[mf.GetName()+"/"+m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	wantEq(t, "sent", got["streamalert_output_sent_total/webhook:w"], 1.0)
	wantEq(t, "retried", got["streamalert_output_retried_total/webhook:w"], 1.0)
	wantEq(t, "failed", got["streamalert_output_failed_total/webhook:w"], 0.0)
}

func TestBackoffBounds(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for range 50 {
			if got := p.backoff(n); got < want/2 || got > want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, got, want/2, want)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "5": 5 * time.Second, "0": 0, "-3": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestStdoutAndFileOutputs(t *testing.T) {
	var buf bytes.Buffer
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	d, _ := newDispatcher(t, yamlOf("outputs:", "  stdout:", "    local:", "  file:", "    local: {path: "+path+"}"), Options{Stdout: &buf})
	a := sampleAlert("stdout:local", "file:local")
	for range 2 {
		if _, err := d.Dispatch(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	fileData, _ := os.ReadFile(path)
	for name, data := range map[string][]byte{"stdout": buf.Bytes(), "file": fileData} {
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines, want 2", name, len(lines))
		}
		var got engine.Alert
		if err := json.Unmarshal([]byte(lines[1]), &got); err != nil || got.ID != a.ID || got.RuleName != a.RuleName {
			t.Errorf("%s line = %s (%v)", name, lines[1], err)
		}
	}
}

// Logs never carry secrets either.
func TestLogsRedacted(t *testing.T) {
	var logs bytes.Buffer
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	t.Setenv("TEST_SLACK_URL", "http://"+addr+"/services/T9/B9/logSECRETtoken123456")
	d, _ := newDispatcher(t, yamlOf("outputs:", "  slack:", "    s: {webhook_url: env:TEST_SLACK_URL}"),
		Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	d.Dispatch(context.Background(), sampleAlert("slack:s"))
	if logs.Len() == 0 {
		t.Fatal("no log lines")
	}
	if strings.Contains(logs.String(), "logSECRETtoken123456") {
		t.Errorf("log contains the secret:\n%s", logs.String())
	}
}
