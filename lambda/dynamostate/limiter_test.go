package dynamostate

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/lambda/awstest"
)

// TestLimiterAgreesAcrossInstances: 8 goroutines stand in for Lambda
// instances racing on one group against the local DynamoDB server. A
// threshold fires exactly once per period; a dedup period lets exactly one
// alert through per period; a new period fires again; an Undo lets the
// retried match fire.
func TestLimiterAgreesAcrossInstances(t *testing.T) {
	awstest.Setup(t, true)
	table, c := awstest.StateTable(t)
	l := &Limiter{Client: c, Table: table}
	ctx := context.Background()
	t0 := time.Now()
	race := func(a engine.Alert, now time.Time, each int) int64 {
		var sent atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range each {
					ok, err := l.Limit(ctx, a, now)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						sent.Add(1)
					}
				}
			})
		}
		wg.Wait()
		return sent.Load()
	}
	brute := engine.Alert{RuleName: "brute", Threshold: 5, DedupKeys: []string{"user"}, DedupPeriodSeconds: 600, Record: map[string]any{"user": "alice"}}
	if n := race(brute, t0, 4); n != 1 {
		t.Fatalf("threshold 5 over 32 matches: %d alerts, want 1", n)
	}
	other := brute
	other.Record = map[string]any{"user": "bob"}
	if n := race(other, t0, 1); n != 1 {
		t.Fatalf("another group (bob), 8 matches: %d alerts, want 1", n)
	}
	if n := race(brute, t0.Add(601*time.Second), 4); n != 1 {
		t.Fatalf("next period: %d alerts, want 1", n)
	}
	once := engine.Alert{RuleName: "once", DedupPeriodSeconds: 60, Record: map[string]any{}}
	if n := race(once, t0, 3); n != 1 {
		t.Fatalf("dedup_period: %d alerts, want 1", n)
	}
	// Undo: the sent match's delivery failed; its retry is sent.
	fresh := engine.Alert{RuleName: "fresh", DedupPeriodSeconds: 60, Record: map[string]any{}}
	if ok, _ := l.Limit(ctx, fresh, t0); !ok {
		t.Fatal("first match not sent")
	}
	if err := l.Undo(ctx, fresh, t0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := l.Limit(ctx, fresh, t0); !ok {
		t.Fatal("the retried match was suppressed after Undo")
	}
	if ok, _ := l.Limit(ctx, fresh, t0); ok {
		t.Fatal("a later match in the period was sent")
	}
	plain := engine.Alert{RuleName: "plain"}
	if ok, err := l.Limit(ctx, plain, t0); !ok || err != nil {
		t.Fatal("an alert without threshold or dedup must pass")
	}
}

func TestStagedCounts(t *testing.T) {
	awstest.Setup(t, true)
	table, c := awstest.StateTable(t)
	s := &StagedCounts{Client: c, Table: table}
	ctx := context.Background()
	d1 := time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC)
	d2 := d1.Add(2 * time.Hour) // the next day
	for _, a := range []struct {
		t time.Time
		n int
	}{{d1, 2}, {d1, 1}, {d2, 4}} {
		if err := s.Add(ctx, "trial", a.t, a.n); err != nil {
			t.Fatal(err)
		}
	}
	s.Add(ctx, "other", d1, 7)
	for _, c := range []struct {
		since, until time.Time
		want         int
	}{{d1, d1, 3}, {d2, d2, 4}, {d1, d2, 7}, {d2.Add(24 * time.Hour), d2.Add(48 * time.Hour), 0}} {
		if got, err := s.Count(ctx, "trial", c.since, c.until); err != nil || got != c.want {
			t.Errorf("Count(%s..%s) = %d, %v; want %d", c.since.Format(time.DateOnly), c.until.Format(time.DateOnly), got, err, c.want)
		}
	}
}
