package engine

import (
	"context"
	"time"
)

// Limiter applies rules' threshold and dedup_period (see Deduper for the
// semantics): Limit reports whether alert a, matched at time now, is sent.
// The Deduper holds the state in memory (local mode, one process); the
// Lambda functions use one shared by every instance. An error means the
// state could not be consulted: the caller retries the record.
//
// Undo takes back a Limit of a made at now whose alert could not be
// delivered (its record will be retried), so the retry is counted as if the
// first attempt never happened: an alert a failed delivery lost is never
// also suppressed.
type Limiter interface {
	Limit(ctx context.Context, a Alert, now time.Time) (bool, error)
	Undo(ctx context.Context, a Alert, now time.Time) error
}

// Gate is what stands between a rule's alerts and their delivery, the same
// in local mode and in the Lambda functions: thresholds and dedup periods
// (a Limiter) and merging (a Merger). Safe for concurrent use when its
// parts are.
type Gate struct {
	Limit  Limiter
	Merger *Merger
}

// NewGate returns a Gate with empty in-memory state (a Deduper and a Merger).
func NewGate() *Gate { return &Gate{Limit: NewDeduper(), Merger: NewMerger()} }

// Pass returns the alerts to send now, in order: alerts a threshold or dedup
// period suppresses are dropped (and counted by the limiter); of a merging
// rule's group, the first alert passes and the later ones are folded into
// the summary that Due or Flush returns. On a limiter error, the alerts
// already passed are returned with it.
func (g *Gate) Pass(ctx context.Context, alerts []Alert, now time.Time) ([]Alert, error) {
	var pass []Alert
	for _, a := range alerts {
		ok, err := g.Limit.Limit(ctx, a, now)
		if err != nil {
			return pass, err
		}
		if ok {
			pass = append(pass, g.Merger.Add(a)...)
		}
	}
	return pass, nil
}

// Due returns the merge summaries whose window ended at or before now, and
// lets an in-memory limiter forget groups whose period ended.
func (g *Gate) Due(now time.Time) []Alert {
	due := g.Merger.Due(now)
	if d, ok := g.Limit.(*Deduper); ok {
		d.Expire(now)
	}
	return due
}

// Flush returns the summary of every open merge group.
func (g *Gate) Flush() []Alert { return g.Merger.Flush() }

// RouteStaged returns a with the outputs it is delivered to: a staged rule's
// alert (staged: true) goes to the configuration's staging outputs instead
// of the rule's own, so a rule on trial never pages; other alerts are
// returned unchanged.
func RouteStaged(a Alert, staging []string) Alert {
	if a.Staged {
		a.Outputs = append([]string(nil), staging...)
	}
	return a
}
