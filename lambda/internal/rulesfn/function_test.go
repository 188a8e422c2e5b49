package rulesfn

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/lambda/rulestore"
)

type fakeStore struct {
	mu   sync.Mutex
	snap rulestore.Snapshot
	err  error
}

func (s *fakeStore) Fetch(_ context.Context, prev string) (rulestore.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return rulestore.Snapshot{}, s.err
	}
	if s.snap.Version == prev {
		return rulestore.Snapshot{}, rulestore.ErrNotModified
	}
	return s.snap, nil
}

type queue struct {
	mu     sync.Mutex
	fail   func(a engine.Alert) bool
	alerts []engine.Alert
}

func (q *queue) Send(_ context.Context, as []engine.Alert) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, a := range as {
		if q.fail != nil && q.fail(a) {
			return errors.New("queue unavailable")
		}
	}
	q.alerts = append(q.alerts, as...)
	return nil
}

type deadBox struct {
	mu   sync.Mutex
	recs []engine.DeadRecord
}

func (d *deadBox) Put(_ context.Context, r []engine.DeadRecord) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.recs = append(d.recs, r...)
	return nil
}

type objects map[string][]byte

func (o objects) Open(_ context.Context, bucket, key string) (io.ReadCloser, error) {
	b, ok := o[bucket+"/"+key]
	if !ok {
		return nil, &SourceError{errors.New("NoSuchKey")}
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

const rule = `name: added
description: d
log_types: [osquery:differential]
condition: record.action == "added" && record.hostIdentifier != "fail-me"
severity: low
`

func record(host, action string) string {
	return fmt.Sprintf(`{"name":"x","hostIdentifier":%q,"calendarTime":"t","unixTime":1,"epoch":0,"counter":1,"numerics":false,"decorations":{},"columns":{},"action":%q}`, host, action)
}

func kinesis(records ...string) json.RawMessage {
	var e events.KinesisEvent
	for i, r := range records {
		var rec events.KinesisEventRecord
		rec.EventSource = "aws:kinesis"
		rec.EventSourceArn = "arn:aws:kinesis:us-east-1:1:stream/s"
		rec.Kinesis.SequenceNumber = fmt.Sprint(i)
		rec.Kinesis.Data = []byte(r)
		e.Records = append(e.Records, rec)
	}
	b, _ := json.Marshal(e)
	return b
}

func newFunction(t *testing.T, st rulestore.Store, q *queue, d *deadBox, o objects, logs io.Writer) *Function {
	t.Helper()
	f, err := New(context.Background(), Options{Store: st, Alerts: q, DeadLetter: d, Objects: o, Refresh: time.Nanosecond,
		Log: slogJSON(logs)})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestPartialBatchFailure: only the Kinesis record whose alert could not be
// queued is reported; the unclassified one is dead-lettered, not failed.
func TestPartialBatchFailure(t *testing.T) {
	st := &fakeStore{snap: rulestore.Snapshot{Version: "v1", Rules: fstest.MapFS{"a.yaml": {Data: []byte(rule)}}, Location: "s3://b/"}}
	q := &queue{fail: func(a engine.Alert) bool { return a.Record["hostIdentifier"] == "h2" }}
	d := &deadBox{}
	f := newFunction(t, st, q, d, nil, io.Discard)
	out, err := f.Handle(context.Background(), kinesis(record("h1", "added"), "garbage", record("h2", "added")))
	if err != nil {
		t.Fatal(err)
	}
	resp := out.(events.KinesisEventResponse)
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "2" {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if len(q.alerts) != 1 || q.alerts[0].RulesetVersion != "v1" {
		t.Fatalf("alerts %+v", q.alerts)
	}
	if len(d.recs) != 1 || d.recs[0].Raw != "garbage" || d.recs[0].RulesetVersion != "v1" {
		t.Fatalf("dead %+v", d.recs)
	}
}

// TestColdStartFallsBackToEmbedded: an unreachable bucket serves the
// embedded ruleset, loudly.
func TestColdStartFallsBackToEmbedded(t *testing.T) {
	var logs bytes.Buffer
	f := newFunction(t, &fakeStore{err: errors.New("AccessDenied")}, &queue{}, &deadBox{}, nil, &logs)
	if f.Version() != EmbeddedVersion || !strings.Contains(logs.String(), "SERVING THE EMBEDDED RULESET") || !strings.Contains(logs.String(), "AccessDenied") {
		t.Fatalf("version %s, log %s", f.Version(), logs.String())
	}
}

// TestBrokenUploadKeepsTheRunningRuleset: a snapshot that does not lint is
// refused once, logged once, and the old rules keep firing.
func TestBrokenUploadKeepsTheRunningRuleset(t *testing.T) {
	st := &fakeStore{snap: rulestore.Snapshot{Version: "v1", Rules: fstest.MapFS{"a.yaml": {Data: []byte(rule)}}, Location: "s3://b/"}}
	q := &queue{}
	var logs bytes.Buffer
	f := newFunction(t, st, q, &deadBox{}, nil, &logs)
	st.mu.Lock()
	st.snap = rulestore.Snapshot{Version: "v2", Location: "s3://b/", Rules: fstest.MapFS{
		"a.yaml":   {Data: []byte(rule)},
		"bad.yaml": {Data: []byte(strings.Replace(rule, "record.action", "record.acton", 1))},
	}}
	st.mu.Unlock()
	for range 3 {
		if _, err := f.Handle(context.Background(), kinesis(record("h1", "added"))); err != nil {
			t.Fatal(err)
		}
	}
	if f.Version() != "v1" || len(q.alerts) != 3 {
		t.Fatalf("version %s alerts %d", f.Version(), len(q.alerts))
	}
	if n := strings.Count(logs.String(), "s3://b/rules.d/bad.yaml:4:"); n != 1 {
		t.Fatalf("diagnostic logged %d times:\n%s", n, logs.String())
	}
}

// TestCorruptObjectIsDeadLettered: a truncated gzip object keeps the lines
// read before the break, dead-letters the rest with the reason, and does
// not fail the event (a retry cannot repair it); a missing object fails it.
func TestCorruptObjectIsDeadLettered(t *testing.T) {
	st := &fakeStore{snap: rulestore.Snapshot{Version: "v1", Rules: fstest.MapFS{"a.yaml": {Data: []byte(rule)}}, Location: "s3://b/"}}
	var gz bytes.Buffer
	zw := gzipWriter(&gz)
	for range 2000 {
		io.WriteString(zw, record("h1", "added")+"\n")
	}
	zw.Close()
	cut := gz.Bytes()[:gz.Len()/2]
	q, d := &queue{}, &deadBox{}
	f := newFunction(t, st, q, d, objects{"logs/x.gz": cut}, io.Discard)
	ev := fmt.Sprintf(`{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"logs"},"object":{"key":"x.gz","size":%d}}}]}`, len(cut))
	if _, err := f.Handle(context.Background(), json.RawMessage(ev)); err != nil {
		t.Fatalf("corrupt object failed the event: %v", err)
	}
	if len(q.alerts) == 0 || len(q.alerts) >= 2000 {
		t.Fatalf("alerts from the readable part: %d", len(q.alerts))
	}
	if len(d.recs) != 1 || !strings.Contains(d.recs[0].Reason, "not readable to its end") {
		t.Fatalf("dead %+v", d.recs)
	}
	missing := `{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"logs"},"object":{"key":"gone.gz","size":1}}}]}`
	if _, err := f.Handle(context.Background(), json.RawMessage(missing)); err == nil {
		t.Fatal("a missing object did not fail the event")
	}
}

func TestBase64KinesisShapeRoundTrip(t *testing.T) {
	// events.KinesisEvent carries data as base64 in JSON; kinesis() above
	// relies on it.
	b := kinesis("x")
	if !bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString([]byte("x")))) {
		t.Fatalf("%s", b)
	}
}

// TestMergingStaysWithinAnItem: alerts of a merging rule are merged within
// the item that produced them and sent with it, never held across items
// (which run concurrently) or invocations.
func TestMergingStaysWithinAnItem(t *testing.T) {
	merging := rule + "merge_by_keys: [hostIdentifier]\nmerge_window: 10m\n"
	st := &fakeStore{snap: rulestore.Snapshot{Version: "v1", Rules: fstest.MapFS{"a.yaml": {Data: []byte(merging)}}, Location: "s3://b/"}}
	q := &queue{}
	f := newFunction(t, st, q, &deadBox{}, nil, io.Discard)
	three := record("h1", "added") + "\n" + record("h1", "added") + "\n" + record("h1", "added")
	if _, err := f.Handle(context.Background(), kinesis(three, record("h2", "added"), three)); err != nil {
		t.Fatal(err)
	}
	// Per item: the first alert of h1 at once, then the summary of the two
	// folded ones; items never share a group.
	counts := map[string][]any{}
	for _, a := range q.alerts {
		host := a.Record["hostIdentifier"]
		if mb, ok := a.Record["MergedBy"].(map[string]any); ok {
			host = mb["hostIdentifier"]
		}
		counts[fmt.Sprint(host)] = append(counts[fmt.Sprint(host)], a.Record["AlertCount"])
	}
	h1 := fmt.Sprint(counts["h1"])
	if len(q.alerts) != 5 || strings.Count(h1, "<nil>") != 2 || strings.Count(h1, "2") != 2 || len(counts["h2"]) != 1 {
		t.Fatalf("alerts by host %v (%d alerts)", counts, len(q.alerts))
	}
}

// TestRetriedAlertIsNotSuppressed: an alert whose queueing failed is counted
// again on the retry, so dedup_period does not swallow the only alert.
func TestRetriedAlertIsNotSuppressed(t *testing.T) {
	deduping := rule + "dedup_period: 1h\n"
	st := &fakeStore{snap: rulestore.Snapshot{Version: "v1", Rules: fstest.MapFS{"a.yaml": {Data: []byte(deduping)}}, Location: "s3://b/"}}
	down := true
	q := &queue{fail: func(engine.Alert) bool { return down }}
	f := newFunction(t, st, q, &deadBox{}, nil, io.Discard)
	out, _ := f.Handle(context.Background(), kinesis(record("h1", "added")))
	if n := len(out.(events.KinesisEventResponse).BatchItemFailures); n != 1 {
		t.Fatalf("first attempt: %d failures, want 1", n)
	}
	down = false
	out, _ = f.Handle(context.Background(), kinesis(record("h1", "added")))
	if n := len(out.(events.KinesisEventResponse).BatchItemFailures); n != 0 || len(q.alerts) != 1 {
		t.Fatalf("retry: %d failures, %d alerts queued, want 0 and 1", n, len(q.alerts))
	}
	// A second match within the period is suppressed as before.
	f.Handle(context.Background(), kinesis(record("h1", "added")))
	if len(q.alerts) != 1 {
		t.Fatalf("dedup_period did not suppress: %d alerts", len(q.alerts))
	}
}
