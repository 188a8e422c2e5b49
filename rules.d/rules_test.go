package rulesd_test

import (
	"regexp"
	"testing"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
	"github.com/streamalert-go/streamalert/schemas"
)

// minEnabledRules is the size the shipped pack promises (at least 40
// detections a security team would deploy).
const minEnabledRules = 40

var attackTechnique = regexp.MustCompile(`^attack\.t[0-9]{4}(\.[0-9]{3})?$`)

// build compiles the embedded rules against the embedded schemas, failing
// the test with every diagnostic when either does not load.
func build(t *testing.T) (*engine.Ruleset, *schema.Set) {
	t.Helper()
	set, diags := schema.Load(schemas.FS)
	if len(diags) > 0 {
		t.Fatalf("embedded schemas do not load:\n%v", diags)
	}
	rs, diags := engine.Build(rulesd.FS, engine.Options{Schemas: set})
	if len(diags) > 0 {
		for _, d := range diags {
			t.Errorf("%v", d)
		}
		t.FailNow()
	}
	return rs, set
}

// TestRulesPassTheirTests runs every rule's own test cases.
func TestRulesPassTheirTests(t *testing.T) {
	rs, set := build(t)
	results := rs.RunTests(schema.NewClassifier(set))
	if len(results) == 0 {
		t.Fatal("no rule tests ran")
	}
	for _, r := range results {
		if !r.Passed() {
			t.Errorf("%v: rule %s, test %q: want trigger %v, got %v (log type %q, error: %v)",
				r.Pos, r.Rule, r.Description, r.Expected, r.Actual, r.LogType, r.Err)
		}
	}
}

// TestRulesAreComplete checks what every shipped rule must carry: a
// description, a severity, a MITRE ATT&CK technique tag, and tests that show
// it both firing and staying quiet.
func TestRulesAreComplete(t *testing.T) {
	rs, _ := build(t)
	enabled := 0
	for _, r := range rs.Rules() {
		t.Run(r.Name, func(t *testing.T) {
			if r.Enabled {
				enabled++
			}
			if r.Description == "" {
				t.Errorf("%s: no description", r.File)
			}
			if r.Severity == "" {
				t.Errorf("%s: no severity", r.File)
			}
			hasTechnique := false
			for _, tag := range r.Tags {
				hasTechnique = hasTechnique || attackTechnique.MatchString(tag)
			}
			if !hasTechnique {
				t.Errorf("%s: tags %v name no MITRE ATT&CK technique (attack.tNNNN or attack.tNNNN.NNN)", r.File, r.Tags)
			}
			var fires, quiet int
			for _, tc := range r.Tests {
				if tc.Trigger {
					fires++
				} else {
					quiet++
				}
			}
			if fires == 0 || quiet == 0 {
				t.Errorf("%s: needs at least one triggering and one non-triggering test, has %d and %d", r.File, fires, quiet)
			}
		})
	}
	if enabled < minEnabledRules {
		t.Errorf("%d enabled rules, want at least %d", enabled, minEnabledRules)
	}
}
