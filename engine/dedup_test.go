package engine

import (
	"context"
	"testing"
	"time"
)

func TestDeduper(t *testing.T) {
	t0 := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	brute := func(host string) Alert {
		return Alert{RuleName: "brute", Record: map[string]any{"host": host},
			Threshold: 3, DedupKeys: []string{"host"}, DedupPeriodSeconds: 600}
	}
	d := NewDeduper()
	steps := []struct {
		a    Alert
		min  int
		want bool
	}{
		{brute("a"), 0, false}, // 1st match: below the threshold
		{brute("b"), 1, false}, // another group
		{brute("a"), 2, false},
		{brute("a"), 3, true},  // 3rd within 10m: sent
		{brute("a"), 4, false}, // already sent this period
		{brute("b"), 5, false},
		{brute("a"), 10, false}, // the period of a (from 0) ended: a new one starts
		{brute("b"), 9, true},   // b's 3rd within its period (from 1)
		{Alert{RuleName: "plain", Record: map[string]any{}}, 0, true},
	}
	for i, s := range steps {
		if got := d.Allow(s.a, at(s.min)); got != s.want {
			t.Errorf("step %d (%s at +%dm): Allow = %v, want %v", i, s.a.Record["host"], s.min, got, s.want)
		}
	}
	// dedup_period alone: once per group and period.
	once := Alert{RuleName: "once", Record: map[string]any{}, DedupPeriodSeconds: 3600}
	if !d.Allow(once, at(0)) || d.Allow(once, at(30)) || !d.Allow(once, at(61)) {
		t.Error("dedup_period alone must send once per period")
	}
	if n := d.Expire(at(200)); n != 3 {
		t.Errorf("Expire forgot %d groups, want 3", n)
	}
}

func TestDeduperUndo(t *testing.T) {
	t0 := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
	d := NewDeduper()
	a := Alert{RuleName: "r", Threshold: 2, DedupPeriodSeconds: 3600, Record: map[string]any{}}
	if d.Allow(a, t0) || !d.Allow(a, t0) {
		t.Fatal("threshold 2: the second match is sent")
	}
	d.Undo(context.Background(), a, t0) // the sent one failed
	if !d.Allow(a, t0) {
		t.Fatal("after Undo the retried match must be sent")
	}
	if d.Allow(a, t0) {
		t.Fatal("a third match is suppressed")
	}
}
