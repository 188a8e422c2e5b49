package engine

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func mergeAlert(rule string, created time.Time, rec map[string]any) Alert {
	return Alert{ID: NewAlertID(), RuleName: rule, Created: created, Record: rec,
		MergeByKeys: []string{"host"}, MergeWindowSeconds: 600}
}

func TestMerger(t *testing.T) {
	t0 := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
	m := NewMerger()
	if a, pass := m.Add(Alert{RuleName: "plain", Created: t0}); !pass || a.RuleName != "plain" {
		t.Fatal("an alert without merge keys must pass straight through")
	}
	for i, rec := range []map[string]any{
		{"host": "web-1", "user": "alice", "meta": map[string]any{"dc": "eu", "pid": int64(1)}},
		{"host": "web-1", "user": "bob", "meta": map[string]any{"dc": "eu", "pid": int64(2)}},
		{"host": "web-2", "user": "carol"},
		{"host": "web-1", "user": "dave", "meta": map[string]any{"dc": "eu", "pid": int64(3)}},
	} {
		if _, pass := m.Add(mergeAlert("r", t0.Add(time.Duration(i)*time.Minute), rec)); pass {
			t.Fatalf("alert %d of a merging rule passed through", i)
		}
	}
	if _, pass := m.Add(mergeAlert("other", t0, map[string]any{"host": "web-1"})); pass {
		t.Fatal("merging alert passed")
	}
	if m.Pending() != 5 {
		t.Fatalf("Pending = %d, want 5", m.Pending())
	}
	if due := m.Due(t0.Add(9 * time.Minute)); len(due) != 0 {
		t.Fatalf("%d alerts due before any window ended", len(due))
	}
	due := m.Due(t0.Add(10 * time.Minute)) // web-1 and other's windows end; web-2 (started at +2m) not yet
	if len(due) != 2 {
		t.Fatalf("Due = %d alerts, want 2", len(due))
	}
	merged := due[0]
	if merged.RuleName != "r" || merged.MergeByKeys != nil || merged.MergeWindowSeconds != 0 {
		t.Errorf("merged alert = %+v", merged)
	}
	want := map[string]any{
		"AlertCount":      3,
		"AlertTimeFirst":  "2024-03-05T10:00:00Z",
		"AlertTimeLast":   "2024-03-05T10:03:00Z",
		"MergedBy":        map[string]any{"host": "web-1"},
		"OtherCommonKeys": map[string]any{"meta": map[string]any{"dc": "eu"}},
		"ValueDiffs": map[string]any{
			"2024-03-05T10:00:00Z": map[string]any{"user": "alice", "meta": map[string]any{"pid": int64(1)}},
			"2024-03-05T10:01:00Z": map[string]any{"user": "bob", "meta": map[string]any{"pid": int64(2)}},
			"2024-03-05T10:03:00Z": map[string]any{"user": "dave", "meta": map[string]any{"pid": int64(3)}},
		},
	}
	if !reflect.DeepEqual(merged.Record, want) {
		got, _ := json.MarshalIndent(merged.Record, "", " ")
		t.Errorf("merged record:\n%s", got)
	}
	if due[1].RuleName != "other" || due[1].Record["host"] != "web-1" {
		t.Errorf("a group of one must be sent as its alert, got %+v", due[1])
	}
	rest := m.Flush()
	if len(rest) != 1 || rest[0].Record["user"] != "carol" || m.Pending() != 0 {
		t.Errorf("Flush = %+v, pending %d", rest, m.Pending())
	}
}

func TestMergeValue(t *testing.T) {
	rec := map[string]any{
		"top":          "t",
		"userIdentity": map[string]any{"arn": "a", "sessionContext": map[string]any{"user": "deep"}},
		"list":         []any{map[string]any{"user": "in-list"}},
	}
	for key, want := range map[string]any{
		"top":               "t",
		"userIdentity.arn":  "a",
		"arn":               "a",       // any depth
		"user":              "in-list", // breadth first, list items at the list's own depth (as find_keys)
		"missing":           nil,
		"userIdentity.nope": nil,
	} {
		if got := mergeValue(rec, key); got != want {
			t.Errorf("mergeValue(%q) = %v, want %v", key, got, want)
		}
	}
}
