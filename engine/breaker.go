package engine

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/streamalert-go/streamalert/engine/rule"
)

// BreakerTrips is how many runs over their cost budget (rule.ErrBudget:
// time in loops, strings built, expr's memory) disable a rule: a rule that
// costs too much on the records it meets would otherwise stall every batch
// behind it. The rule stays disabled for the life of the Ruleset; a reload
// builds a new one, with the rule enabled again.
const BreakerTrips = 3

// ErrRuleDisabled is the error reported (once, to OnRuleError, regardless
// of ErrorInterval) when the breaker disables a rule.
var ErrRuleDisabled = errors.New("rule disabled: too many runs over its cost budget")

// breaker counts a rule's runs over budget and opens at BreakerTrips.
type breaker struct {
	overruns atomic.Uint64
	open     atomic.Bool
}

// overrun counts err against cr's breaker if it is a cost error, and
// disables cr when that makes BreakerTrips, reporting it loudly.
func (rs *Ruleset) overrun(cr *compiledRule, logType string, src Source, err error) {
	if !rule.IsCostError(err) {
		return
	}
	n := cr.breaker.overruns.Add(1)
	if n < BreakerTrips || !cr.breaker.open.CompareAndSwap(false, true) {
		return
	}
	if rs.opts.OnRuleError != nil {
		rs.opts.OnRuleError(RuleError{Rule: cr.rule.Name, File: cr.rule.File, Source: src, LogType: logType,
			Err: fmt.Errorf("%w (%d runs; the last: %v); it stays off until the rules are reloaded", ErrRuleDisabled, n, err)})
	}
}

// DisabledRules returns, sorted, the rules this Ruleset's circuit breaker
// has disabled for running over their cost budget (see BreakerTrips).
func (rs *Ruleset) DisabledRules() []string {
	var out []string
	for name, cr := range rs.compiled {
		if cr.breaker.open.Load() {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// CostOverruns returns, for every rule that had any, the number of runs
// stopped by a cost budget since Build.
func (rs *Ruleset) CostOverruns() map[string]uint64 {
	out := map[string]uint64{}
	for name, cr := range rs.compiled {
		if n := cr.breaker.overruns.Load(); n > 0 {
			out[name] = n
		}
	}
	return out
}

// resetBudget starts a new run's cost budget. States built without one
// (an environment not from rule.NewEnv) run unbudgeted.
func (st *evalState) resetBudget() {
	if st.cost == nil {
		if st.cost = rule.BudgetOf(st.env); st.cost == nil {
			return
		}
	}
	st.cost.Reset()
}
