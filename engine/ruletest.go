package engine

import (
	"errors"
	"fmt"
	"slices"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// TestCase is one test of one rule, as written in the rule file.
type TestCase struct {
	Rule *rule.Rule
	Test *rule.Test
}

// TestResult is the outcome of one test case.
type TestResult struct {
	Rule        string
	File        string
	Description string
	Pos         diag.Pos // the test case's position in the rule file
	Expected    bool     // the test's trigger
	Actual      bool     // whether the rule fired
	// LogType is the log type the test's record was evaluated as ("" when
	// it could not be set up).
	LogType string
	// Err is set when the test could not run (the raw input did not
	// classify, the record does not fit the log type) or the rule failed at
	// run time; the test then fails.
	Err error
}

// Passed reports whether the rule ran and fired exactly when expected.
func (r TestResult) Passed() bool { return r.Err == nil && r.Expected == r.Actual }

// Tests returns every rule's test cases (enabled and disabled rules), in
// rule name order then file order.
func (rs *Ruleset) Tests() []TestCase {
	var out []TestCase
	for _, r := range rs.rules {
		for i := range r.Tests {
			out = append(out, TestCase{Rule: r, Test: &r.Tests[i]})
		}
	}
	return out
}

// RunTests runs every rule's tests, disabled rules included: a `raw` test
// goes through c (candidates: the rule's log types, or the test's log_type),
// a `record` test is checked against the log type's schema as classified
// records are, then the rule alone is evaluated. Run-time errors of tests are
// reported in the results, not counted or sent to OnRuleError.
func (rs *Ruleset) RunTests(c *schema.Classifier) []TestResult {
	var out []TestResult
	st := &evalState{env: rs.newEnv()}
	for _, tc := range rs.Tests() {
		cr := rs.compiled[tc.Rule.Name]
		if cr == nil || cr.rule != tc.Rule {
			continue
		}
		t := tc.Test
		res := TestResult{Rule: tc.Rule.Name, File: tc.Rule.File, Description: t.Description, Pos: t.Pos, Expected: t.Trigger}
		cands := cr.types
		if t.LogType != "" {
			cands = slices.DeleteFunc(slices.Clone(cands), func(lt *schema.LogType) bool { return lt.Name != t.LogType })
		}
		var recs []schema.Record
		var err error
		if t.HasRaw {
			if c == nil {
				err = errors.New("no classifier for a raw test")
			} else {
				recs, err = c.Classify([]byte(t.Raw), cands)
			}
		} else {
			var rec schema.Record
			rec, err = recordFor(cands, t.Record)
			recs = []schema.Record{rec}
		}
		if err != nil {
			res.Err = err
			out = append(out, res)
			continue
		}
		for _, rec := range recs {
			res.LogType = rec.Type.Name
			st.src = rule.Source{Service: "test", Entity: tc.Rule.File}
			rule.SetEnv(st.env, rec.Data, rec.Type.Name, &st.src, rule.BoxNormalized(map[string]any{}, rec.Normalized, cr.normNames))
			fired, err := st.fires(cr, nil, nil, rec.Data)
			if err != nil {
				res.Err = fmt.Errorf("rule error: %w", err)
				break
			}
			res.Actual = res.Actual || fired
		}
		out = append(out, res)
	}
	return out
}

// recordFor turns a test's parsed record into a record of the first
// candidate log type it fits (see schema.LogType.Check); the error names
// why it fits none (the first candidate's reason).
func recordFor(cands []*schema.LogType, data map[string]any) (schema.Record, error) {
	if len(cands) == 0 {
		return schema.Record{}, errors.New("the rule applies to no log type")
	}
	var firstErr error
	for _, lt := range cands {
		rec, err := lt.Check(data)
		if err == nil {
			return rec, nil
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("record %w", err)
		}
	}
	return schema.Record{}, firstErr
}
