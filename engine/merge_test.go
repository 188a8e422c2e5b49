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
	if out := m.Add(Alert{RuleName: "plain", Created: t0}); len(out) != 1 || out[0].RuleName != "plain" {
		t.Fatal("an alert without merge keys must pass straight through")
	}
	recs := []map[string]any{
		{"host": "web-1", "user": "zed", "meta": map[string]any{"dc": "us", "pid": int64(0)}},
		{"host": "web-1", "user": "alice", "meta": map[string]any{"dc": "eu", "pid": int64(1)}},
		{"host": "web-1", "user": "bob", "meta": map[string]any{"dc": "eu", "pid": int64(2)}},
		{"host": "web-2", "user": "carol"},
		{"host": "web-1", "user": "dave", "meta": map[string]any{"dc": "eu", "pid": int64(3)}},
	}
	var sent []Alert
	for i, rec := range recs {
		sent = append(sent, m.Add(mergeAlert("r", t0.Add(time.Duration(i)*time.Minute), rec))...)
	}
	// The first alert of each group goes out at once, unchanged.
	if len(sent) != 2 || sent[0].Record["user"] != "zed" || sent[1].Record["user"] != "carol" {
		t.Fatalf("sent at once: %+v", sent)
	}
	if out := m.Add(mergeAlert("other", t0, map[string]any{"host": "web-1"})); len(out) != 1 {
		t.Fatal("another rule's first alert was held")
	}
	if m.Pending() != 3 {
		t.Fatalf("Pending = %d, want 3", m.Pending())
	}
	if due := m.Due(t0.Add(9 * time.Minute)); len(due) != 0 {
		t.Fatalf("%d alerts due before any window ended", len(due))
	}
	due := m.Due(t0.Add(10 * time.Minute)) // web-1's and other's windows end; web-2 (from +3m) not yet
	if len(due) != 1 {
		t.Fatalf("Due = %d summaries, want 1 (a group of one sends none)", len(due))
	}
	merged := due[0]
	if merged.RuleName != "r" || merged.MergeByKeys != nil || merged.MergeWindowSeconds != 0 || merged.ID == sent[0].ID {
		t.Errorf("summary = %+v", merged)
	}
	want := map[string]any{
		"AlertCount":      3,
		"AlertTimeFirst":  "2024-03-05T10:01:00Z",
		"AlertTimeLast":   "2024-03-05T10:04:00Z",
		"MergedBy":        map[string]any{"host": "web-1"},
		"OtherCommonKeys": map[string]any{"meta": map[string]any{"dc": "eu"}},
		"ValueDiffs": map[string]any{
			"2024-03-05T10:01:00Z": map[string]any{"user": "alice", "meta": map[string]any{"pid": int64(1)}},
			"2024-03-05T10:02:00Z": map[string]any{"user": "bob", "meta": map[string]any{"pid": int64(2)}},
			"2024-03-05T10:04:00Z": map[string]any{"user": "dave", "meta": map[string]any{"pid": int64(3)}},
		},
	}
	if !reflect.DeepEqual(merged.Record, want) {
		got, _ := json.MarshalIndent(merged.Record, "", " ")
		t.Errorf("summary record:\n%s", got)
	}
	if rest := m.Flush(); len(rest) != 0 || m.Pending() != 0 {
		t.Errorf("Flush = %+v, pending %d (web-2 is a group of one)", rest, m.Pending())
	}
}

// TestMergerWindowEdge: the window runs from the group's first alert; an
// alert at its end opens a new group (sent at once) and releases the old
// summary even before Due is called.
func TestMergerWindowEdge(t *testing.T) {
	t0 := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
	m := NewMerger()
	h := map[string]any{"host": "h"}
	m.Add(mergeAlert("r", t0, h))
	if out := m.Add(mergeAlert("r", t0.Add(599*time.Second), h)); len(out) != 0 {
		t.Fatal("an alert inside the window was sent")
	}
	out := m.Add(mergeAlert("r", t0.Add(600*time.Second), h))
	if len(out) != 2 || out[0].Record["AlertCount"] != 1 || out[1].Record["host"] != "h" {
		t.Fatalf("at the window's end: %+v", out)
	}
	if m.Pending() != 0 || len(m.Flush()) != 0 {
		t.Fatal("the new group should hold nothing yet")
	}
}

// TestMergerMissingKeyNeverMerges: records without a merge key's value are
// each sent, never folded together.
func TestMergerMissingKeyNeverMerges(t *testing.T) {
	t0 := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
	m := NewMerger()
	for i := range 3 {
		if out := m.Add(mergeAlert("r", t0.Add(time.Duration(i)*time.Second), map[string]any{"user": "x"})); len(out) != 1 {
			t.Fatalf("alert %d without the merge key was held", i)
		}
	}
	if m.Pending() != 0 {
		t.Fatal("held alerts without a merge key")
	}
}

// TestMergerBounded: a group keeps at most MaxValueDiffs records and says how
// many it left out; past MaxGroups open groups, alerts go out unmerged and
// are counted.
func TestMergerBounded(t *testing.T) {
	t0 := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
	m := &Merger{MaxValueDiffs: 5, MaxGroups: 2, groups: map[string]*mergeGroup{}}
	for i := range 1000 {
		m.Add(mergeAlert("r", t0.Add(time.Duration(i)*time.Millisecond), map[string]any{"host": "h", "n": int64(i)}))
	}
	g := m.groups[groupKey("r\x00", []any{"h"})]
	if len(g.samples) != 5 || g.folded != 999 {
		t.Fatalf("samples %d folded %d", len(g.samples), g.folded)
	}
	m.Add(mergeAlert("r", t0, map[string]any{"host": "h2"}))
	if out := m.Add(mergeAlert("r", t0, map[string]any{"host": "h3"})); len(out) != 1 || m.Overflowed() != 1 {
		t.Fatalf("third group: %d sent, overflowed %d", len(out), m.Overflowed())
	}
	s := m.Flush()
	if len(s) != 1 || s[0].Record["AlertCount"] != 999 || s[0].Record["ValueDiffsOmitted"] != 994 || len(s[0].Record["ValueDiffs"].(map[string]any)) != 5 {
		t.Fatalf("summary %+v", s)
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
