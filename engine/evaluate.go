package engine

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// evalState is what one evaluation needs, pooled so that evaluating a record
// allocates nothing but its alerts: a VM, an environment map and the
// matcher cache.
type evalState struct {
	vm    vm.VM
	env   map[string]any
	src   rule.Source
	cache []uint8        // per matcher slot: 0 not run yet, 1 true, 2 false
	mark  []bool         // per rule of the log type: may fire (its guard holds)
	norm  map[string]any // the record's normalized values, boxed (see rule.BoxNormalized)
	cost  *rule.Budget   // env's budget, reset before each run (see resetBudget)
	keys  []pathKeyState // per prefix-guard path of the log type: its value in this record
	cand  []int32        // the marked rules, to clear only them
}

// usePrefixGuards is false only in tests comparing evaluation with and
// without prefix guards.
var usePrefixGuards = true

// useGuardIndex is false only in tests comparing evaluation through the
// guard index with every rule run.
var useGuardIndex = true

// pathKeyState is one guard path's value in the record being evaluated,
// read at most once per record.
type pathKeyState struct {
	read, ok, walked, null bool
	key                    any

	addrRead, addrOK bool // key parsed as an IP address (see pathTest.judge)
	addr             netip.Addr
}

// preGuardsFail reports whether one of trr's prefix guards is false on data,
// in their order, before any that expr might fail on (a path that cannot be
// walked stops the check: the rule runs and reports what expr makes of it).
func (st *evalState) preGuardsFail(tr *typeRules, trr *typeRule, data map[string]any) bool {
	for i := range trr.pre {
		g := &trr.pre[i]
		ks := &st.keys[g.path]
		if !ks.read {
			ks.key, ks.ok, ks.walked, ks.null = readKey(data, tr.paths[g.path])
			ks.read = true
		}
		if !ks.walked {
			return false // expr may fail here: the rule runs and says so
		}
		if g.test != nil {
			holds, known := g.test.judge(ks)
			if !known {
				return false // as above
			}
			if !holds {
				return true
			}
			continue
		}
		if _, isStr := ks.key.(string); g.strArray && !ks.null && !isStr {
			return false // expr fails on `in` a list of strings: as above
		}
		if !g.proved && (!ks.ok || !g.holds(ks.key)) {
			return true
		}
	}
	return false
}

const (
	matcherTrue  = 1
	matcherFalse = 2
)

// Evaluate runs the enabled rules that apply to rec's log type and returns
// one alert per rule that fired, in rule name order; nil when none fired. A
// rule that fails at run time counts as not fired, is counted (see
// RuleErrorCounts) and is reported to OnRuleError; it never stops the other
// rules. A run over its cost budget is such a failure, and a rule with
// BreakerTrips of them is disabled (see DisabledRules). Safe for concurrent use. The alerts share rec.Data and the rules'
// tags, outputs and context: do not modify them.
func (rs *Ruleset) Evaluate(rec schema.Record, src Source) []Alert {
	alerts, _ := rs.EvaluateAll(rec, src)
	return alerts
}

// EvaluateAll is Evaluate that also returns the run-time errors of the
// rules that failed on rec (counted and reported as Evaluate does), so that
// the caller can keep the record those rules could not judge.
func (rs *Ruleset) EvaluateAll(rec schema.Record, src Source) (alerts []Alert, ruleErrs []RuleError) {
	if rec.Type == nil {
		return nil, nil
	}
	tr := rs.byType[rec.Type.Name]
	if tr == nil {
		return nil, nil
	}
	st := rs.pool.Get().(*evalState)
	st.src = rule.Source(src)
	var norm map[string]any
	if tr.readsNormalized {
		norm = rule.BoxNormalized(st.norm, rec.Normalized, tr.normNames)
	}
	rule.SetEnv(st.env, rec.Data, tr.logType, &st.src, norm)
	cache := st.cache[:tr.matchers]
	clear(cache)
	mark := st.mark[:len(tr.rules)]
	keys := st.keys[:len(tr.paths)]
	clear(keys)
	st.cand = tr.candidates(rec.Data, keys, mark, st.cand[:0])
	slices.Sort(st.cand) // rules run in their order, whatever the index found first
	for _, i := range st.cand {
		mark[i] = false // cleared for the next record as we go
		trr := &tr.rules[i]
		if usePrefixGuards && len(trr.pre) > 0 && st.preGuardsFail(tr, trr, rec.Data) {
			continue
		}
		if trr.r.breaker.open.Load() {
			continue // disabled for costing too much (see breaker)
		}
		fired, err := st.fires(trr.r, trr.idx, cache, rec.Data)
		if err != nil {
			ruleErrs = append(ruleErrs, rs.reportError(trr.r, rec.Type.Name, src, err))
			rs.overrun(trr.r, rec.Type.Name, src, err)
			continue
		}
		if fired {
			if alerts == nil {
				alerts = make([]Alert, 0, 1)
			}
			alerts = append(alerts, trr.r.alert(rec, src))
		}
	}
	rule.SetEnv(st.env, nil, nil, &st.src, nil) // do not keep the record alive
	clear(st.norm)
	rs.pool.Put(st)
	return alerts, ruleErrs
}

// fires reports whether cr fires on the record in st.env: req_subkeys hold,
// every matcher holds (from cache when idx is set), then the condition.
func (st *evalState) fires(cr *compiledRule, idx []int, cache []uint8, data map[string]any) (bool, error) {
	for _, req := range cr.subkeys {
		sub, ok := data[req.key].(map[string]any)
		if !ok {
			return false, nil
		}
		for _, k := range req.subs {
			if _, ok := sub[k]; !ok {
				return false, nil
			}
		}
	}
	for i, m := range cr.matchers {
		if idx != nil {
			switch cache[idx[i]] {
			case matcherTrue:
				continue
			case matcherFalse:
				return false, nil
			}
		}
		ok, err := st.run(m.prog)
		if err != nil {
			if idx != nil {
				cache[idx[i]] = matcherFalse
			}
			return false, fmt.Errorf("matcher %s: %w", m.name, err)
		}
		if idx != nil {
			cache[idx[i]] = matcherFalse
			if ok {
				cache[idx[i]] = matcherTrue
			}
		}
		if !ok {
			return false, nil
		}
	}
	if cr.cond == nil {
		return true, nil
	}
	return st.run(cr.cond)
}

// run evaluates one program, turning a panic anywhere below into an error.
func (st *evalState) run(p *vm.Program) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			st.vm = vm.VM{} // its state is unknown after a panic
			ok, err = false, fmt.Errorf("panic: %v", r)
		}
	}()
	st.resetBudget()
	out, err := st.vm.Run(p, st.env)
	if err != nil {
		return false, err
	}
	b, isBool := out.(bool)
	if !isBool {
		return false, fmt.Errorf("%w (got %T)", errNotBool, out)
	}
	return b, nil
}

// alert builds the alert cr produces for rec.
func (cr *compiledRule) alert(rec schema.Record, src Source) Alert {
	r := cr.rule
	return Alert{
		ID:              NewAlertID(),
		RuleName:        r.Name,
		RuleDescription: r.Description,
		Severity:        r.Severity,
		Tags:            cr.tags,
		LogSource:       rec.Type.Name,
		LogType:         rec.Type.Parser,
		SourceService:   src.Service,
		SourceEntity:    src.Entity,
		Record:          rec.Data,
		Context:         cr.context,
		Outputs:         cr.outputs,
		Created:         time.Now().UTC(),
		Staged:          r.Staged,

		MergeByKeys:        r.MergeByKeys,
		MergeWindowSeconds: int64(r.MergeWindow / time.Second),
		Threshold:          r.Threshold,
		DedupKeys:          r.DedupKeys,
		DedupPeriodSeconds: int64(r.DedupPeriod / time.Second),
	}
}
