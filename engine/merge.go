package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/streamalert-go/streamalert/engine/rule"
)

// Merger folds the alerts of rules with merge_by_keys, per group: alerts of
// one rule whose records hold equal values for the merge keys. The first
// alert of a group is sent at once, unchanged (a page is never held back);
// the later alerts of the group within its merge window, counted from that
// first alert, are folded into one summary sent when the window ends. A group
// of one sends no summary. The summary's record is StreamAlert's merged
// record, over the folded alerts:
//
//	{"AlertCount": 3, "AlertTimeFirst": ..., "AlertTimeLast": ...,
//	 "MergedBy": {"hostIdentifier": "web-1"},
//	 "OtherCommonKeys": {values every folded record shares},
//	 "ValueDiffs": {"<created>": {what that record has beyond the common values}},
//	 "ValueDiffsOmitted": 12}
//
// Memory is bounded: a group keeps its first alert, a running common part,
// and at most MaxValueDiffs folded records (ValueDiffsOmitted counts the
// others); at most MaxGroups groups are open, and an alert that would open
// one more is sent unmerged and counted (Overflowed).
//
// A merge key is a top-level key, a dotted path ("userIdentity.arn"), or, if
// neither exists, the first value stored under that name at any depth; an
// alert whose record has no value for a merge key is never merged with
// others. The Merger keeps no clock of its own: callers pass the time to Due.
// Safe for concurrent use. Nothing is lost: Flush returns every summary.
type Merger struct {
	// MaxValueDiffs and MaxGroups bound the state (zero: the defaults).
	MaxValueDiffs, MaxGroups int

	mu         sync.Mutex
	groups     map[string]*mergeGroup
	order      []string // group keys in creation order, for a stable output
	overflowed uint64
}

// Default bounds of a Merger.
const (
	DefaultMaxValueDiffs = 20
	DefaultMaxGroups     = 100_000
)

type mergeGroup struct {
	due     time.Time
	keys    []string
	values  []any
	first   Alert // the alert sent at once; the summary copies its fields
	folded  int   // later alerts folded into the summary
	tfirst  time.Time
	tlast   time.Time
	common  map[string]any // of the folded records
	samples []Alert        // at most MaxValueDiffs folded alerts, for ValueDiffs
}

// NewMerger returns an empty Merger with the default bounds.
func NewMerger() *Merger { return &Merger{groups: map[string]*mergeGroup{}} }

// Add takes an alert and returns the alerts to send now: the alert itself
// when its rule does not merge, it is the first of its group, or a merge key
// is absent; nothing when it was folded into its group's summary. An alert
// that arrives after its group's window ended (Due not yet called) releases
// that group's summary and opens a new group.
func (m *Merger) Add(a Alert) []Alert {
	key, window, values, ok := groupOf(a)
	if !ok {
		return []Alert{a}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Alert
	g := m.groups[key]
	if g != nil && !a.Created.Before(g.due) {
		if s, ok := g.summary(); ok {
			out = append(out, s)
		}
		delete(m.groups, key)
		m.order = slices.DeleteFunc(m.order, func(k string) bool { return k == key })
		g = nil
	}
	if g == nil {
		maxGroups := m.MaxGroups
		if maxGroups <= 0 {
			maxGroups = DefaultMaxGroups
		}
		if len(m.groups) >= maxGroups {
			m.overflowed++
			return append(out, a)
		}
		m.groups[key] = &mergeGroup{due: a.Created.Add(window),
			keys: a.MergeByKeys, values: values, first: a}
		m.order = append(m.order, key)
		return append(out, a)
	}
	g.fold(a, m.maxDiffs())
	return out
}

func (m *Merger) maxDiffs() int {
	if m.MaxValueDiffs <= 0 {
		return DefaultMaxValueDiffs
	}
	return m.MaxValueDiffs
}

// fold adds a later alert to the group's summary.
func (g *mergeGroup) fold(a Alert, maxDiffs int) {
	if g.folded == 0 {
		g.tfirst = a.Created
		g.common = a.Record
	} else {
		g.common = commonPart(g.common, a.Record)
	}
	g.folded++
	g.tlast = a.Created
	if len(g.samples) < maxDiffs {
		g.samples = append(g.samples, a)
	}
}

// Due returns the summaries of every group whose window ended at or before
// now, oldest group first, and closes those groups.
func (m *Merger) Due(now time.Time) []Alert {
	return m.release(func(g *mergeGroup) bool { return !now.Before(g.due) })
}

// Flush returns the summary of every open group, whatever its window (at the
// end of the input or on shutdown), and closes them.
func (m *Merger) Flush() []Alert { return m.release(func(*mergeGroup) bool { return true }) }

// Pending returns the number of alerts folded into summaries not yet sent.
func (m *Merger) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, g := range m.groups {
		n += g.folded
	}
	return n
}

// Overflowed returns how many alerts were sent unmerged because MaxGroups
// groups were open.
func (m *Merger) Overflowed() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.overflowed
}

func (m *Merger) release(ready func(*mergeGroup) bool) []Alert {
	m.mu.Lock()
	var groups []*mergeGroup
	kept := m.order[:0]
	for _, key := range m.order {
		g := m.groups[key]
		if ready(g) {
			groups = append(groups, g)
			delete(m.groups, key)
		} else {
			kept = append(kept, key)
		}
	}
	m.order = kept
	m.mu.Unlock()
	var out []Alert
	for _, g := range groups {
		if s, ok := g.summary(); ok {
			out = append(out, s)
		}
	}
	return out
}

// summary is the alert that reports the folded alerts; ok is false when
// nothing was folded (a group of one).
func (g *mergeGroup) summary() (Alert, bool) {
	if g.folded == 0 {
		return Alert{}, false
	}
	return summarize(g.first, g.values, g.folded, g.tfirst, g.tlast, commonPart(g.common, g.common), g.samples), true
}

// MergeGroup returns the merge group of an alert (its rule, the rule's
// definition digest — a changed rule starts afresh, an unchanged one keeps
// its open windows across reloads — and its merge key values) and the window; ok is false when the alert is not merged (its
// rule does not merge, or a merge key has no value in its record). Every
// merge state groups alerts so.
func MergeGroup(a Alert) (key string, window time.Duration, ok bool) {
	key, window, _, ok = groupOf(a)
	return key, window, ok
}

// groupOf is MergeGroup that also returns the merge key values.
func groupOf(a Alert) (key string, window time.Duration, values []any, ok bool) {
	if len(a.MergeByKeys) == 0 || a.MergeWindowSeconds <= 0 {
		return "", 0, nil, false
	}
	values = make([]any, len(a.MergeByKeys))
	for i, k := range a.MergeByKeys {
		if values[i] = mergeValue(a.Record, k); values[i] == nil {
			return "", 0, nil, false
		}
	}
	return groupKey(a.RuleName+"\x00"+a.RuleDigest, values), time.Duration(a.MergeWindowSeconds) * time.Second, values, true
}

// MergeSummary builds a group's summary as Merger does, for merge state
// kept elsewhere (the Lambda functions' table): first is the alert sent when
// the group opened, folded the number of later alerts, tfirst and tlast
// their times, samples some of them (OtherCommonKeys is computed over the
// samples; ValueDiffsOmitted counts the rest).
func MergeSummary(first Alert, folded int, tfirst, tlast time.Time, samples []Alert) Alert {
	values := make([]any, len(first.MergeByKeys))
	for i, k := range first.MergeByKeys {
		values[i] = mergeValue(first.Record, k)
	}
	var common map[string]any
	for i, a := range samples {
		if i == 0 {
			common = commonPart(a.Record, a.Record)
		} else {
			common = commonPart(common, a.Record)
		}
	}
	if common == nil {
		common = map[string]any{}
	}
	return summarize(first, values, folded, tfirst, tlast, common, samples)
}

// summarize builds the summary alert; common is a map it may modify.
func summarize(first Alert, values []any, folded int, tfirst, tlast time.Time, common map[string]any, samples []Alert) Alert {
	keys := first.MergeByKeys
	mergedBy := make(map[string]any, len(keys))
	for i, k := range keys {
		mergedBy[k] = values[i]
	}
	diffs := make(map[string]any, len(samples))
	for _, a := range samples {
		diffs[a.Created.Format(time.RFC3339Nano)] = diffPart(a.Record, common)
	}
	for _, k := range keys {
		delete(common, k) // already in MergedBy
	}
	merged := first
	merged.ID = NewAlertID()
	merged.Created = tlast
	rec := map[string]any{
		"AlertCount":      folded,
		"AlertTimeFirst":  tfirst.Format(time.RFC3339Nano),
		"AlertTimeLast":   tlast.Format(time.RFC3339Nano),
		"MergedBy":        mergedBy,
		"OtherCommonKeys": common,
		"ValueDiffs":      diffs,
	}
	if omitted := folded - len(samples); omitted > 0 {
		rec["ValueDiffsOmitted"] = omitted
	}
	merged.Record = rec
	merged.MergeByKeys, merged.MergeWindowSeconds = nil, 0
	return merged
}

// commonPart returns a new map of the values a and b share: equal scalars
// and lists, and, for mappings on both sides, their common part when it is
// not empty.
func commonPart(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, av := range a {
		bv, ok := b[k]
		if !ok {
			continue
		}
		am, aIsMap := av.(map[string]any)
		bm, bIsMap := bv.(map[string]any)
		switch {
		case aIsMap && bIsMap:
			if c := commonPart(am, bm); len(c) > 0 || len(am) == 0 && len(bm) == 0 {
				out[k] = c
			}
		case reflect.DeepEqual(av, bv):
			out[k] = av
		}
	}
	return out
}

// diffPart returns what rec holds beyond common.
func diffPart(rec, common map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range rec {
		c, ok := common[k]
		if !ok {
			out[k] = v
			continue
		}
		vm, vIsMap := v.(map[string]any)
		cm, cIsMap := c.(map[string]any)
		if vIsMap && cIsMap {
			if d := diffPart(vm, cm); len(d) > 0 {
				out[k] = d
			}
		}
	}
	return out
}

// mergeValue finds a merge key's value in a record (see Merger).
func mergeValue(rec map[string]any, key string) any {
	if v, ok := rec[key]; ok {
		return v
	}
	if strings.Contains(key, ".") {
		var v any = rec
		found := true
		for _, part := range strings.Split(key, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				found = false
				break
			}
			if v, ok = m[part]; !ok {
				found = false
				break
			}
		}
		if found {
			return v
		}
	}
	if vs, err := rule.FindKeys(rec, key); err == nil {
		if l, ok := vs.([]any); ok && len(l) > 0 {
			return l[0]
		}
	}
	return nil
}

// groupKey identifies a group: the rule and the merge values, as JSON so
// that equal values of any type give equal keys.
func groupKey(rule string, values []any) string {
	b, err := json.Marshal(values)
	if err != nil { // a value JSON cannot encode (NaN): fall back to fmt
		b = []byte(fmt.Sprintf("%#v", values))
	}
	return rule + "\x00" + string(b)
}
