package explain

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// Options narrow and label one explanation.
type Options struct {
	// Rule, when set, explains only that rule (enabled or not, whether or
	// not it applies to the record's log type); "" explains every enabled
	// rule of the record's log type.
	Rule string
	// Source is the `source` the rules see; the zero value is
	// {service: "file", entity: ""}.
	Source engine.Source
	// Location labels the record in the report (RecordReport.Source), as
	// FILE:LINE.
	Location string
	// FilePrefix is put before the rule file names of the report (they are
	// relative to the rules tree), e.g. the folder the user named.
	FilePrefix string
}

// ErrUnknownRule is returned (wrapped, with a "did you mean") when
// Options.Rule names no rule of the bundle.
var ErrUnknownRule = errors.New("unknown rule")

// ErrNoRules is returned for a bundle without rules (loaded ClassifyOnly).
var ErrNoRules = errors.New("the bundle has no rules")

// RecordReport explains one record. A raw record that yields several
// records (a json_path such as Records[*]) gets one report for each, with
// Index set.
type RecordReport struct {
	Source string `json:"source,omitempty"` // FILE:LINE when known (Options.Location)
	// Index is the 1-based position of the record among those one raw
	// record yielded; 0 when it yielded one.
	Index   int    `json:"index,omitempty"`
	LogType string `json:"log_type,omitempty"` // "" when it fits none
	// Error is the classifier's reason when the record fits no log type
	// ("no schema matched: closest ...", "ambiguous: ...").
	Error string `json:"error,omitempty"`
	// Rejected lists, when the record fits no log type, every candidate
	// and why it did not fit, closest first.
	Rejected []Candidate `json:"rejected,omitempty"`
	// Rules are the rules explained, in name order; [] when none.
	Rules []RuleReport `json:"rules"`
}

// Candidate is one log type a record was tried against and did not fit.
type Candidate struct {
	LogType string `json:"log_type"`
	// Reason is the first problem found; Problems all of them (at most a
	// few, the last maybe "and N more").
	Reason   string   `json:"reason"`
	Problems []string `json:"problems,omitempty"`
}

// RuleReport explains one rule on one record.
type RuleReport struct {
	Name string `json:"name"`
	// File is the rule's file, with Options.FilePrefix before it.
	File string `json:"file"`
	// Fired is the engine's verdict (Ruleset.EvaluateAll).
	Fired bool `json:"fired"`
	// Why is a one-line reason when the rule did not fire: a missing
	// req_subkey, the first matcher that was false, a false condition, a
	// run-time error, a disabled rule, a log type it does not apply to.
	Why string `json:"why,omitempty"`
	// Enabled is false for a rule with enabled: false (explained only
	// through Options.Rule; the engine never runs it).
	Enabled bool `json:"enabled"`
	// Applies is false when the rule does not apply to the record's log
	// type (explained only through Options.Rule); such a rule has no
	// ReqSubkeys, Matchers or Condition.
	Applies bool `json:"applies"`
	// ReqSubkeys lists each required subkey, present or missing, in the
	// order the engine checks them.
	ReqSubkeys []Subkey `json:"req_subkeys,omitempty"`
	// Matchers are the rule's matchers in the order the engine runs them,
	// each an expression tree (Node.Name is the matcher's name).
	Matchers []Node `json:"matchers,omitempty"`
	// Condition is the condition's expression tree; nil when the rule has
	// only matchers.
	Condition *Node `json:"condition,omitempty"`
	// Holds says what would hold back an alert of a rule whose condition
	// matched: a threshold, dedup or merge window (explain keeps no state
	// across records, so it only states the configuration).
	Holds []string `json:"holds,omitempty"`
	// Alert is the alert JSON the engine would send, when Fired (its id
	// and created are fresh on every run).
	Alert json.RawMessage `json:"alert,omitempty"`

	walked bool // the verdict of the walk (tests check it is the engine's)
}

// Subkey is one entry of a rule's req_subkeys.
type Subkey struct {
	Key     string `json:"key"`    // the top-level key, which must hold a mapping
	Subkey  string `json:"subkey"` // the key required inside it
	Present bool   `json:"present"`
}

// Node is one clause of an expression and what it evaluated to. Children
// follow the expression tree: and/or (chains flattened), not, ??, ?: and
// let are parents of their operands; a comparison, call or operator is the
// parent of its operands that are not literals. Clauses inside a predicate
// (the second argument of any, all, filter, map ...) are not broken down.
type Node struct {
	// Name is the matcher's name (top node of a matcher) or the variable of
	// a let binding.
	Name string `json:"name,omitempty"`
	// Op is "and", "or", "not", "??", "?:" or "let" for those parents, ""
	// otherwise.
	Op string `json:"op,omitempty"`
	// Expr is the clause's source as written in the rule (or, when its
	// text cannot be cut out of the source, as expr prints it).
	Expr string `json:"expr"`
	// File is the rule file, set on the top node of a matcher or
	// condition; the other nodes are in the same file.
	File string `json:"file,omitempty"`
	// Line and Col locate the clause's first token in File; 0 when unknown
	// (the clauses of a library matcher, whose top node has the position
	// where the rule names it).
	Line int `json:"line,omitempty"`
	Col  int `json:"col,omitempty"`
	// Evaluated is false for a clause the engine would not reach (short
	// circuit, an earlier matcher false, a missing req_subkey).
	Evaluated bool `json:"evaluated"`
	// Value is the clause's value as JSON (when Evaluated and no Error).
	Value json.RawMessage `json:"value,omitempty"`
	// Error is the run-time error of the clause.
	Error    string `json:"error,omitempty"`
	Children []Node `json:"children,omitempty"`
}

// Explainer explains records against one bundle. It caches compiled
// clauses, so reuse it for many records. Safe for concurrent use.
type Explainer struct {
	b     *engine.Bundle
	mu    sync.Mutex
	c     *rule.Compiler
	env   map[string]any
	progs map[string]compiled
}

// New returns an Explainer for b, which must have rules.
func New(b *engine.Bundle) (*Explainer, error) {
	if b == nil || b.Rules == nil {
		return nil, ErrNoRules
	}
	c := rule.NewCompiler(&rule.Library{Lists: b.Rules.Lists()})
	return &Explainer{b: b, c: c, env: c.NewEnv(), progs: map[string]compiled{}}, nil
}

// Record explains one raw record (a JSON document or a text line) against
// b. See Explainer.Record.
func Record(b *engine.Bundle, raw []byte, opts Options) ([]RecordReport, error) {
	x, err := New(b)
	if err != nil {
		return nil, err
	}
	return x.Record(raw, opts)
}

// CheckRule returns nil when name is a rule of the bundle, else an error
// wrapping ErrUnknownRule with the closest name.
func (x *Explainer) CheckRule(name string) error {
	if _, ok := x.b.Rules.Spec(name); ok {
		return nil
	}
	var names []string
	for _, r := range x.b.Rules.Rules() {
		names = append(names, r.Name)
	}
	msg := fmt.Sprintf("%v %q", ErrUnknownRule, name)
	if s := diag.Suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return &unknownRule{msg: msg}
}

type unknownRule struct{ msg string }

func (e *unknownRule) Error() string { return e.msg }
func (e *unknownRule) Unwrap() error { return ErrUnknownRule }

// Record classifies raw against every log type of the bundle and explains
// each record it yields: one report per record, or one report with the
// candidates' reasons when it fits none. The error is set only for an
// unknown Options.Rule (wrapping ErrUnknownRule).
func (x *Explainer) Record(raw []byte, opts Options) ([]RecordReport, error) {
	if opts.Rule != "" {
		if err := x.CheckRule(opts.Rule); err != nil {
			return nil, err
		}
	}
	if opts.Source == (engine.Source{}) {
		opts.Source = engine.Source{Service: "file"}
	}
	recs, err := x.b.Classifier.Classify(raw, nil)
	if err != nil {
		return []RecordReport{x.rejected(raw, err, opts)}, nil
	}
	out := make([]RecordReport, 0, len(recs))
	for i, rec := range recs {
		rep := x.Classified(rec, opts)
		if len(recs) > 1 {
			rep.Index = i + 1
		}
		out = append(out, rep)
	}
	return out, nil
}

// Classified explains a record already classified (or checked against its
// log type with schema.LogType.Check, as a rule test's record is): every
// enabled rule of its log type, or Options.Rule, which the caller has
// checked with CheckRule (an unknown one gets an empty report).
func (x *Explainer) Classified(rec schema.Record, opts Options) RecordReport {
	if opts.Source == (engine.Source{}) {
		opts.Source = engine.Source{Service: "file"}
	}
	rep := RecordReport{Source: opts.Location, LogType: rec.Type.Name, Rules: []RuleReport{}}
	alerts, ruleErrs := x.b.Rules.EvaluateAll(rec, opts.Source)
	names := x.b.Rules.RulesFor(rec.Type.Name)
	if opts.Rule != "" {
		names = nil
		if _, ok := x.b.Rules.Spec(opts.Rule); ok {
			names = []string{opts.Rule}
		}
	}
	for _, name := range names {
		rep.Rules = append(rep.Rules, x.rule(name, rec, opts, alerts, ruleErrs))
	}
	return rep
}

// rejected reports a record that fits no log type.
func (x *Explainer) rejected(raw []byte, err error, opts Options) RecordReport {
	rep := RecordReport{Source: opts.Location, Error: err.Error(), Rules: []RuleReport{}}
	type ranked struct {
		c    Candidate
		rank int
	}
	var cands []ranked
	for _, lt := range x.b.Schemas.Types() {
		problems, rank := lt.Misfit(raw)
		if problems == nil {
			problems = []string{"fits, but so does another type (" + err.Error() + ")"}
		}
		cands = append(cands, ranked{Candidate{LogType: lt.Name, Reason: problems[0], Problems: problems}, rank})
	}
	slices.SortStableFunc(cands, func(a, b ranked) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return strings.Compare(a.c.LogType, b.c.LogType)
	})
	for _, c := range cands {
		rep.Rejected = append(rep.Rejected, c.c)
	}
	return rep
}

// rule explains one rule on rec.
func (x *Explainer) rule(name string, rec schema.Record, opts Options, alerts []engine.Alert, ruleErrs []engine.RuleError) RuleReport {
	spec, _ := x.b.Rules.Spec(name)
	r := spec.Rule
	rep := RuleReport{Name: r.Name, File: opts.FilePrefix + r.File, Enabled: r.Enabled, Applies: slices.Contains(spec.LogTypes, rec.Type.Name)}
	for _, a := range alerts {
		if a.RuleName == name {
			rep.Fired = true
			if data, err := json.Marshal(a); err == nil { // id and created as the engine made them
				rep.Alert = data
			}
		}
	}
	var engineErr error
	for _, e := range ruleErrs {
		if e.Rule == name {
			engineErr = e.Err
		}
	}
	if !rep.Applies { // the engine never runs it on this type: nothing to walk
		rep.Why = fmt.Sprintf("does not apply to log type %s (it applies to %s)", rec.Type.Name, listOr(spec.LogTypes))
		return rep
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	w := &walk{x: x}
	w.setEnv(rec, opts.Source)
	defer rule.SetEnv(x.env, nil, nil, &rule.Source{}, nil) // do not keep the record alive
	verdict := w.explainRule(spec, rec, &rep)
	switch {
	case rep.Fired:
		rep.Why = ""
		rep.Holds = holds(r)
	case !r.Enabled:
		if verdict == "" {
			verdict = "it would fire otherwise"
		}
		rep.Why = "the rule is disabled (enabled: false); " + verdict
	case engineErr != nil && rep.Why == "":
		rep.Why = "run-time error: " + errorText(engineErr)
	case rep.Why == "" && slices.Contains(x.b.Rules.DisabledRules(), name):
		rep.Why = "the engine skips it: its cost breaker is open after runs over its budget"
	case rep.Why == "":
		rep.Why = "the engine did not fire it, though its clauses hold (please report this)"
	}
	return rep
}

func listOr(names []string) string {
	if len(names) == 0 {
		return "no log type"
	}
	return strings.Join(names, ", ")
}

// holds states the threshold, dedup and merge settings that shape the
// alerts of r (README: Thresholds, dedup and merging). explain keeps no
// state across records, so it says what is configured, not what the count is.
func holds(r *rule.Rule) []string {
	var out []string
	group := "all of the rule's records"
	if len(r.DedupKeys) > 0 {
		group = "the records with the same " + strings.Join(r.DedupKeys, ", ")
	}
	if r.Staged {
		out = append(out, "staged: true: its alerts go to the staging outputs (marked \"staged\": true), not to the rule's own")
	}
	if r.Threshold > 1 {
		period := r.DedupPeriod
		if period <= 0 {
			period = time.Hour
		}
		out = append(out, fmt.Sprintf("threshold: %d: the condition matched, but a group (%s) alerts only on its match number %d within %v of its first; this record is one match", r.Threshold, group, r.Threshold, period))
	} else if r.DedupPeriod > 0 {
		out = append(out, fmt.Sprintf("dedup_period: %v: at most one alert per group (%s) in that period", r.DedupPeriod, group))
	}
	if len(r.MergeByKeys) > 0 {
		out = append(out, fmt.Sprintf("merge_by_keys: [%s], merge_window: %v: the first alert of a group is sent at once, the rest within the window as one summary", strings.Join(r.MergeByKeys, ", "), r.MergeWindow))
	}
	return out
}
