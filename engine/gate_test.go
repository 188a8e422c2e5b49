package engine

import (
	"context"
	"testing"
	"time"
)

// TestReloadKeepsStateOfUnchangedRules: across a reload (a new bundle on
// the same gate), a rule whose definition did not change keeps its dedup
// period and merge window; a changed rule starts afresh.
func TestReloadKeepsStateOfUnchangedRules(t *testing.T) {
	set := testSet(t)
	rule := func(cond string) map[string]string {
		return map[string]string{"r.yaml": `name: r
description: d
log_types: [osquery:differential]
condition: ` + cond + `
severity: low
dedup_period: 1h
`}
	}
	bundle := func(cond string) *Bundle {
		return NewBundle(set, mustBuild(t, rule(cond), Options{Schemas: set}))
	}
	gate := NewGate()
	proc := NewProcessor(bundle(`record.name == "logged_in_users"`))
	now := time.Now()
	sent := func() int {
		res := proc.Process([]byte(osqLine), nil, Source{Service: "file", Entity: "x"}, nil)
		out, err := gate.Pass(context.Background(), res.Alerts, now)
		if err != nil {
			t.Fatal(err)
		}
		return len(out)
	}
	if sent() != 1 || sent() != 0 {
		t.Fatal("dedup_period: the first alert is sent, the second suppressed")
	}
	proc.Swap(bundle(`record.name == "logged_in_users"`)) // same definition
	if sent() != 0 {
		t.Fatal("an unchanged rule lost its dedup period on reload")
	}
	proc.Swap(bundle(`record.name == "logged_in_users" && true`)) // changed
	if sent() != 1 {
		t.Fatal("a changed rule did not start afresh")
	}
}
