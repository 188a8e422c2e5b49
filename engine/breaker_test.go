package engine

import (
	"errors"
	"sync"
	"testing"

	"github.com/streamalert-go/streamalert/engine/rule"
)

// Issue 12 item 3: a rule whose cost has no bound took the process down
// (string growth) or stalled it (nested loops). Each run stops at its
// budget, and after BreakerTrips such runs the rule is disabled, counted
// and reported loudly; the other rules go on.
func TestCostlyRuleIsStoppedThenDisabledNotLeftToStallThePipeline(t *testing.T) {
	set := testSet(t)
	var mu sync.Mutex
	var reports []RuleError
	rs := mustBuild(t, map[string]string{
		"bomb.yaml": "name: string_bomb\nlog_types: [osquery:differential]\ncondition: 'len(reduce(1..64, #acc + #acc, \"x\")) > 0'\n",
		"ok.yaml":   "name: plain\nlog_types: [osquery:differential]\ncondition: record.name == \"logged_in_users\"\n",
	}, Options{Schemas: set, OnRuleError: func(e RuleError) {
		mu.Lock()
		reports = append(reports, e)
		mu.Unlock()
	}})
	rec := classify(t, set, "osquery:differential", osqLine)
	for i := range BreakerTrips + 3 {
		alerts, errs := rs.EvaluateAll(rec, Source{Service: "file", Entity: "f"})
		if len(alerts) != 1 || alerts[0].RuleName != "plain" {
			t.Fatalf("record %d: alerts %v, want the plain rule's", i, names(alerts))
		}
		switch {
		case i < BreakerTrips && (len(errs) != 1 || !errors.Is(errs[0], rule.ErrStringBudget)):
			t.Fatalf("record %d: rule errors %v, want the string budget's", i, errs)
		case i >= BreakerTrips && len(errs) != 0:
			t.Fatalf("record %d: the disabled rule still ran: %v", i, errs)
		}
	}
	if got := rs.DisabledRules(); len(got) != 1 || got[0] != "string_bomb" {
		t.Errorf("DisabledRules = %v", got)
	}
	if got := rs.CostOverruns(); got["string_bomb"] != BreakerTrips || len(got) != 1 {
		t.Errorf("CostOverruns = %v", got)
	}
	if got := rs.RuleErrorCounts()["string_bomb"]; got != BreakerTrips {
		t.Errorf("RuleErrorCounts = %d", got)
	}
	mu.Lock()
	defer mu.Unlock()
	var disabled int
	for _, r := range reports {
		if errors.Is(r, ErrRuleDisabled) && r.Rule == "string_bomb" {
			disabled++
		}
	}
	if disabled != 1 {
		t.Errorf("reports %v: want one saying the rule was disabled (past the rate limit)", reports)
	}
}
