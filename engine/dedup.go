package engine

import (
	"context"
	"sync"
	"time"
)

// DefaultDedupPeriod is the period of a rule with a threshold above 1 and
// no dedup_period.
const DefaultDedupPeriod = time.Hour

// Deduper applies a rule's threshold and dedup_period to its alerts, per
// group: the alerts of one rule whose records hold equal values for the
// rule's dedup_keys (all of the rule's alerts when it names none). A group's
// period starts at its first matching record; within it, the alert of the
// threshold-th match is sent and every other match is suppressed (counted).
// The next match after the period starts a new one. So
//
//	threshold: 5, dedup_period: 10m, dedup_keys: [host]
//
// sends one alert per host once five matches arrive within ten minutes, and
// `dedup_period: 1h` alone sends at most one alert per group and hour. A rule
// with neither (threshold 0 or 1, no period) passes untouched. Dedup key
// values are found as merge keys are (see Merger). The Deduper keeps no clock:
// callers pass the time. Safe for concurrent use.
type Deduper struct {
	mu     sync.Mutex
	groups map[string]*dedupGroup
}

type dedupGroup struct {
	end        time.Time
	count      int
	sent       bool
	suppressed uint64
}

// NewDeduper returns an empty Deduper.
func NewDeduper() *Deduper { return &Deduper{groups: map[string]*dedupGroup{}} }

// DedupGroup returns the group an alert's threshold and dedup_period count
// in (its rule, the rule's definition digest, and the dedup key values: a
// changed rule counts afresh) and the group's period; ok is false
// when the alert's rule has neither (it is always sent). Every Limiter
// implementation groups alerts so.
func DedupGroup(a Alert) (key string, period time.Duration, ok bool) {
	period = time.Duration(a.DedupPeriodSeconds) * time.Second
	if a.Threshold <= 1 && period <= 0 {
		return "", 0, false
	}
	if period <= 0 {
		period = DefaultDedupPeriod
	}
	values := make([]any, len(a.DedupKeys))
	for i, k := range a.DedupKeys {
		values[i] = mergeValue(a.Record, k)
	}
	return groupKey(a.RuleName+"\x00"+a.RuleDigest, values), period, true
}

// Allow reports whether a is sent (true) or suppressed (false) at time now.
func (d *Deduper) Allow(a Alert, now time.Time) bool {
	key, period, ok := DedupGroup(a)
	if !ok {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.groups[key]
	if g == nil || !now.Before(g.end) {
		g = &dedupGroup{end: now.Add(period)}
		d.groups[key] = g
	}
	g.count++
	if g.sent || g.count < max(a.Threshold, 1) {
		g.suppressed++
		return false
	}
	g.sent = true
	return true
}

// Expire forgets the groups whose period ended before now, bounding memory
// on a long run. It returns the number forgotten.
func (d *Deduper) Expire(now time.Time) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for k, g := range d.groups {
		if !now.Before(g.end) {
			delete(d.groups, k)
			n++
		}
	}
	return n
}

// Limit implements Limiter: Allow, which never fails.
func (d *Deduper) Limit(_ context.Context, a Alert, now time.Time) (bool, error) {
	return d.Allow(a, now), nil
}

// Undo implements Limiter: it takes back one count of a's group in the
// period that holds now, so the alert is counted again when its record is
// retried (and sent again if it was the one sent).
func (d *Deduper) Undo(_ context.Context, a Alert, now time.Time) error {
	key, _, ok := DedupGroup(a)
	if !ok {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.groups[key]
	if g == nil || !now.Before(g.end) || g.count == 0 {
		return nil
	}
	g.count--
	if g.count < max(a.Threshold, 1) {
		g.sent = false
	}
	return nil
}
