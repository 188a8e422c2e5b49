package dynamostate

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/lambda/awstest"
)

func mergeAlert(host string, at time.Time, n int) engine.Alert {
	return engine.Alert{ID: engine.NewAlertID(), RuleName: "r", Created: at, MergeByKeys: []string{"host"}, MergeWindowSeconds: 600,
		Record: map[string]any{"host": host, "n": float64(n), "kind": "login"}}
}

// TestMergesAgreeAcrossInstances: 8 goroutines race on one group against
// the local DynamoDB server: exactly one first alert is sent; the others are
// folded; after the window exactly one summary counts them, whichever of
// two concurrent flushes claims it.
func TestMergesAgreeAcrossInstances(t *testing.T) {
	awstest.Setup(t, true)
	table, c := awstest.StateTable(t)
	m := &Merges{Client: c, Table: table, MaxSamples: 5}
	ctx := context.Background()
	t0 := time.Now().Truncate(time.Millisecond)
	var mu sync.Mutex
	var sent []engine.Alert
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 4 {
				out, _, err := m.Add(ctx, mergeAlert("web-1", t0.Add(time.Duration(g*4+i)*time.Millisecond), g*4+i), t0)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				sent = append(sent, out...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(sent) != 1 {
		t.Fatalf("%d alerts sent at once, want exactly one first alert", len(sent))
	}
	if due, err := m.Due(ctx, t0.Add(599*time.Second)); err != nil || len(due) != 0 {
		t.Fatalf("due before the window ended: %v %v", due, err)
	}
	var summaries []engine.Alert
	for range 2 {
		wg.Go(func() {
			due, err := m.Due(ctx, t0.Add(601*time.Second))
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			summaries = append(summaries, due...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(summaries) != 1 {
		t.Fatalf("%d summaries, want 1", len(summaries))
	}
	rec := summaries[0].Record
	if rec["AlertCount"] != 31 || rec["ValueDiffsOmitted"] != 26 || rec["MergedBy"].(map[string]any)["host"] != "web-1" {
		t.Fatalf("summary %+v", rec)
	}
	if oc := rec["OtherCommonKeys"].(map[string]any); oc["kind"] != "login" {
		t.Fatalf("common keys %v", oc)
	}
}

// TestMergesLateAlertClosesTheWindow and a group of one sends no summary;
// Undo of the alert that opened a group lets its retry open it again.
func TestMergesWindowAndUndo(t *testing.T) {
	awstest.Setup(t, true)
	table, c := awstest.StateTable(t)
	m := &Merges{Client: c, Table: table}
	ctx := context.Background()
	t0 := time.Now().Truncate(time.Millisecond)
	first := mergeAlert("h", t0, 1)
	if out, opened, _ := m.Add(ctx, first, t0); len(out) != 1 || !opened {
		t.Fatalf("first: %v %v", out, opened)
	}
	if out, _, _ := m.Add(ctx, mergeAlert("h", t0.Add(time.Second), 2), t0.Add(time.Second)); len(out) != 0 {
		t.Fatal("second was sent")
	}
	// After the window, the next alert sends the old summary and itself.
	late := mergeAlert("h", t0.Add(700*time.Second), 3)
	out, opened, err := m.Add(ctx, late, t0.Add(700*time.Second))
	if err != nil || len(out) != 2 || out[0].Record["AlertCount"] != 1 || out[1].ID != late.ID || !opened {
		t.Fatalf("late: %+v %v %v", out, opened, err)
	}
	// That group has nothing folded: its Due sends nothing.
	if due, _ := m.Due(ctx, t0.Add(2000*time.Second)); len(due) != 0 {
		t.Fatalf("a group of one sent a summary: %+v", due)
	}
	// Undo: the opening alert failed to go out; its retry opens the group again.
	a := mergeAlert("u", t0, 1)
	if _, opened, _ := m.Add(ctx, a, t0); !opened {
		t.Fatal("not opened")
	}
	if err := m.Undo(ctx, a, true); err != nil {
		t.Fatal(err)
	}
	if out, opened, _ := m.Add(ctx, a, t0); len(out) != 1 || !opened {
		t.Fatalf("retry after Undo: %v %v", out, opened)
	}
	// Not merged: no merge key value.
	if out, _, _ := m.Add(ctx, engine.Alert{RuleName: "r", MergeByKeys: []string{"host"}, MergeWindowSeconds: 60, Record: map[string]any{}}, t0); len(out) != 1 {
		t.Fatal("an alert without the merge key was held")
	}
}
