package engine

import "time"

// Gate is what stands between a rule's alerts and their delivery, the same
// in local mode and in the Lambda functions: the threshold and dedup_period
// (Deduper) and merging (Merger). Safe for concurrent use; the zero value is
// not usable (NewGate).
type Gate struct {
	Dedup  *Deduper
	Merger *Merger
}

// NewGate returns a Gate with empty state.
func NewGate() *Gate { return &Gate{Dedup: NewDeduper(), Merger: NewMerger()} }

// Pass returns the alerts to send now, in order: alerts a threshold or dedup
// period suppresses are dropped (and counted by the Deduper); of a merging
// rule's group, the first alert passes and the later ones are folded into
// the summary that Due or Flush returns.
func (g *Gate) Pass(alerts []Alert, now time.Time) []Alert {
	var pass []Alert
	for _, a := range alerts {
		if !g.Dedup.Allow(a, now) {
			continue
		}
		pass = append(pass, g.Merger.Add(a)...)
	}
	return pass
}

// Due returns the merge summaries whose window ended at or before now, and
// forgets dedup groups whose period ended.
func (g *Gate) Due(now time.Time) []Alert {
	due := g.Merger.Due(now)
	g.Dedup.Expire(now)
	return due
}

// Flush returns the summary of every open merge group.
func (g *Gate) Flush() []Alert { return g.Merger.Flush() }
