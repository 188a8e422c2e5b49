package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/streamalert-go/streamalert/engine/rule"
)

// Merger gathers the alerts of rules with merge_by_keys and sends one alert
// per group: alerts of one rule whose records hold equal values for the merge
// keys, from the first alert of the group until its merge window has passed.
// A group of one alert is sent as that alert; a larger group becomes one
// alert whose record summarises them as StreamAlert's alert merger does:
//
//	{"AlertCount": 3, "AlertTimeFirst": ..., "AlertTimeLast": ...,
//	 "MergedBy": {"hostIdentifier": "web-1"},
//	 "OtherCommonKeys": {values every record shares},
//	 "ValueDiffs": {"<created>": {what that record has beyond the common values}}}
//
// A merge key is a top-level key, a dotted path ("userIdentity.arn"), or, if
// neither exists, the first value stored under that name at any depth. The
// Merger keeps no clock of its own: callers pass the time to Due. Safe for
// concurrent use. Nothing is lost: Flush returns every group still held.
type Merger struct {
	mu     sync.Mutex
	groups map[string]*mergeGroup
	order  []string // group keys in creation order, for a stable output
}

type mergeGroup struct {
	due    time.Time
	keys   []string
	values []any
	alerts []Alert
}

// NewMerger returns an empty Merger.
func NewMerger() *Merger { return &Merger{groups: map[string]*mergeGroup{}} }

// Add takes an alert. It returns the alert and true when its rule does not
// merge (send it now); otherwise the Merger keeps it and Add returns false.
func (m *Merger) Add(a Alert) (Alert, bool) {
	if len(a.MergeByKeys) == 0 || a.MergeWindowSeconds <= 0 {
		return a, true
	}
	values := make([]any, len(a.MergeByKeys))
	for i, k := range a.MergeByKeys {
		values[i] = mergeValue(a.Record, k)
	}
	key := groupKey(a.RuleName, values)
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[key]
	if g == nil {
		g = &mergeGroup{due: a.Created.Add(time.Duration(a.MergeWindowSeconds) * time.Second), keys: a.MergeByKeys, values: values}
		m.groups[key] = g
		m.order = append(m.order, key)
	}
	g.alerts = append(g.alerts, a)
	return Alert{}, false
}

// Due returns the alerts of every group whose window ended at or before now,
// merged, oldest group first.
func (m *Merger) Due(now time.Time) []Alert {
	return m.release(func(g *mergeGroup) bool { return !now.Before(g.due) })
}

// Flush returns every group held, merged, whatever its window (at the end of
// the input or on shutdown).
func (m *Merger) Flush() []Alert { return m.release(func(*mergeGroup) bool { return true }) }

// Pending returns the number of alerts held.
func (m *Merger) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, g := range m.groups {
		n += len(g.alerts)
	}
	return n
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
	out := make([]Alert, 0, len(groups))
	for _, g := range groups {
		out = append(out, g.merge())
	}
	return out
}

// merge turns a group into the one alert that is sent.
func (g *mergeGroup) merge() Alert {
	first := g.alerts[0]
	if len(g.alerts) == 1 {
		return first
	}
	last := g.alerts[len(g.alerts)-1]
	mergedBy := make(map[string]any, len(g.keys))
	for i, k := range g.keys {
		mergedBy[k] = g.values[i]
	}
	common := first.Record
	for _, a := range g.alerts[1:] {
		common = commonPart(common, a.Record)
	}
	diffs := make(map[string]any, len(g.alerts))
	for _, a := range g.alerts {
		diffs[a.Created.Format(time.RFC3339Nano)] = diffPart(a.Record, common)
	}
	for _, k := range g.keys {
		delete(common, k) // already in MergedBy (a copy: commonPart never returns an input)
	}
	merged := first
	merged.ID = NewAlertID()
	merged.Created = last.Created
	merged.Record = map[string]any{
		"AlertCount":      len(g.alerts),
		"AlertTimeFirst":  first.Created.Format(time.RFC3339Nano),
		"AlertTimeLast":   last.Created.Format(time.RFC3339Nano),
		"MergedBy":        mergedBy,
		"OtherCommonKeys": common,
		"ValueDiffs":      diffs,
	}
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
