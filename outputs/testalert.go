package outputs

import (
	"time"

	"github.com/streamalert-go/streamalert/engine"
)

// TestRuleName is the rule name of the alert `streamalert output test`
// sends, so receivers can recognise and filter it.
const TestRuleName = "streamalert_output_test"

// TestAlert returns a clearly marked test alert addressed to output, created
// at now.
func TestAlert(output string, now time.Time) engine.Alert {
	return engine.Alert{
		ID:              engine.NewAlertID(),
		RuleName:        TestRuleName,
		RuleDescription: "TEST ALERT from `streamalert output test`: checks that this output is configured and reachable. No action is needed.",
		Severity:        "info",
		Tags:            []string{"test"},
		LogSource:       "streamalert:test",
		LogType:         "json",
		SourceService:   "streamalert",
		SourceEntity:    "output-test",
		Record:          map[string]any{"message": "This is a test alert sent by StreamAlert.", "output": output, "test": true},
		Context:         map[string]any{},
		Outputs:         []string{output},
		Created:         now.UTC(),
	}
}
