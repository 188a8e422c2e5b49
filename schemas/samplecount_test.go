package schemas_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/engine/testenv"
)

// minRealSamples is issue 14's bar: every new type has at least this many
// real events in the corpus, each classifying as exactly that type.
const minRealSamples = 10

// issue14Families are the families issue 14 added; every shipped type of
// one of them ("alb" means alb:*, a full name means that type only) is
// counted by TestRealSampleCounts.
var issue14Families = []string{
	"alb", "elb", "cloudfront", "s3", "waf", "route53", "securityhub", "config",
	"zeek", "suricata", "windows", "journald", "gcp", "azure", "m365",
	"okta:eventbridge", "onepassword", "cloudflare", "slack", "crowdstrike", "webserver",
}

// onePasswordSearched is what was searched for each 1Password Events API
// type (the three share their sources).
const onePasswordSearched = "searched: elastic/integrations packages/1password (pipeline tests; sample_event.json files are ECS output without event.original), 1Password's Events API reference at www.1password.dev (generated examples: one uuid repeated, \"<string>\" placeholders, an audit event without action; not taken), 1Password/events-api-elastic, events-api-generic and events-api-splunk (no event fixtures), panther-analysis rules/onepassword_rules (written: Homer Simpson, ip 1.1.1.1.1), Azure/Azure-Sentinel Sample Data/1Password_Sample_Data.csv (real events, but as Log Analytics CSV rows with reformatted timestamps, not the API's JSON), demisto/content Packs/1Password OnePasswordEventCollector test_data (uuid fields stripped, ip 8.8.8.8, \"Test User\", a uuid \"second (and last) event\": edited or written)"

// thinTypes are the issue-14 types with fewer than minRealSamples real
// events, each with why: what exists publicly and what was searched. A type
// listed here that reaches the bar fails the test, so the table cannot go
// stale.
var thinTypes = map[string]string{
	"azure:activity": "9 found, not every public one: elastic/integrations' activitylogs pipeline tests hold 4 unedited records, panther-analysis 4 complete rule-test records (../shared), the Activity log schema page 1 storage/Event Hub example; the folder's other lines are edited for parser tests (durationMs as a string, written ResourceHealth bodies, sign-ins filed there), the page's other examples are in the REST API shape; " +
		"searched: elastic/integrations packages/azure/data_stream/activitylogs/_dev/test/pipeline (test-time-formats-corner-cases.log holds written two-key fragments, not records), panther-analysis rules/azure_activity_rules, MicrosoftDocs/azure-monitor-docs activity-log-schema.md (and its localized copies: the same example), Azure/Azure-Sentinel Sample Data (AzureActivity as Log Analytics table rows, another shape), find_string for diagnostic-format records (Logic Apps and other resource logs, REST-shaped alert payloads, Stratus Red Team's redacted Datadog-shaped sample), SumoLogic/sumologic-azure-function EventHubs/tests/activity_log_fixtures.json (a captured record whose anonymisation renamed keys: princixyzId for principalId; not taken)",
	"cloudflare:audit": "none taken: the only public Logpush audit_logs records found (elastic/integrations' test-pipeline-audit.log, one token_create record in three timestamp formats) carry placeholder NewValue/OldValue ({\"key1\":\"value1\"...}) written for the test and were taken out; " +
		"searched: elastic/integrations packages/cloudflare_logpush/data_stream/audit and packages/cloudflare/data_stream/audit (the same record edited further, and API-shaped audit events: another format), panther-labs/panther cloudflarelogs testdata (no audit records), Cloudflare's Logpush audit_logs field page (fields only, no record), find_string for Logpush audit field sequences",
	"cloudfront:access": "all public samples found: the Developer Guide's 6 example lines (../shared); other pipelines' test files reuse them with edited addresses or with spaces for tabs; " +
		"searched: awsdocs/amazon-cloudfront-developer-guide and other pipelines' test files (the issue-14 corpus work, testdata/real/README.md); not searched again here",
	"config:change": "all public samples found: the AWS Config Developer Guide's example notifications (../shared); " +
		"searched: awsdocs/aws-config-developer-guide (example-sns-notification.md, the rules' example events) in the issue-14 corpus work (testdata/real/README.md); not searched again here",
	"config:oversized": "all public samples found: the one OversizedConfigurationItemChangeNotification of the Developer Guide's rules examples (../shared); " +
		"searched: awsdocs/aws-config-developer-guide",
	"config:scheduled": "all public samples found: the one ScheduledNotification of the Developer Guide's rules examples (../shared); " +
		"searched: awsdocs/aws-config-developer-guide",
	"okta:eventbridge": "none found: no public capture of an Okta Log Streaming event in its EventBridge envelope; " +
		"searched: find_string aws.partner/okta.com (event patterns, envelope sketches with elided fields, parsers; no captured event), vectordotdev/vector and panther-labs tests (bare System Log events only)",
	"onepassword:audit_event": "2 found: elastic/integrations' audit_events test document (a user suspended, with and without location); " +
		onePasswordSearched,
	"onepassword:item_usage": "2 found: elastic/integrations' item_usages test documents; " +
		onePasswordSearched,
	"onepassword:signin_attempt": "2 found: elastic/integrations' signin_attempts test documents; " +
		onePasswordSearched,
	"slack:audit": "6 found: elastic/integrations' audit test (4), Panther's parser test (the API docs' user_login example) and the docs' second example (an event made through an app); panther-analysis Slack rule tests carry Panther-normalised date_create strings and are not taken; " +
		"searched: elastic/integrations packages/slack, panther-labs/panther slacklogs testdata, panther-analysis rules/slack_rules, docs.slack.dev audit-logs-api and methods-actions-reference (two examples, both taken), slackapi/python-slack-sdk and python-slack-discovery-sdk (mock entries with placeholder values, no stored output), find_string for entries with an epoch date_create (mocks only), demisto/content Packs/Slack SlackEventCollector (the docs example again)",
}

// TestRealSampleCounts counts, per issue-14 type, the real events of
// ../testdata/real (realCorpus) and ../shared/realsamples (realSamples) that
// classify as exactly that type, with the file's family as candidates and
// with every shipped type. A type under minRealSamples fails unless
// thinTypes says why. `go test -v` prints the table.
func TestRealSampleCounts(t *testing.T) {
	shared := testenv.Shared(t, "realsamples/reallogs")
	set := load(t)
	c := schema.NewClassifier(set)

	var types []string
	for _, name := range set.Names() {
		if slices.ContainsFunc(issue14Families, func(f string) bool { return name == f || strings.HasPrefix(name, f+":") }) {
			types = append(types, name)
		}
	}
	count := map[string]int{}
	files := map[string]int{}
	add := func(file, family string) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Error(err)
			return
		}
		fam, err := set.Resolve(strings.Split(family, ","))
		if err != nil {
			t.Error(err)
			return
		}
		seen := map[string]bool{}
		for _, name := range exactTypes(c, data, fam) {
			count[name]++
			if !seen[name] {
				seen[name] = true
				files[name]++
			}
		}
	}
	for _, s := range realCorpus {
		add(filepath.Join("..", "testdata", "real", filepath.FromSlash(s.file)), s.family)
	}
	for _, s := range realSamples {
		add(filepath.Join(shared, filepath.FromSlash(s.file)), s.family)
	}

	var table strings.Builder
	fmt.Fprintf(&table, "%-28s %6s %5s\n", "log type", "events", "files")
	for _, name := range types {
		fmt.Fprintf(&table, "%-28s %6d %5d", name, count[name], files[name])
		if count[name] < minRealSamples {
			table.WriteString("  (under " + fmt.Sprint(minRealSamples) + ")")
		}
		table.WriteByte('\n')
	}
	t.Logf("real events per issue-14 log type:\n%s", table.String())

	for _, name := range types {
		why, listed := thinTypes[name]
		switch n := count[name]; {
		case n < minRealSamples && !listed:
			t.Errorf("%s: %d real events, want at least %d (or a thinTypes entry saying what exists publicly)", name, n, minRealSamples)
		case n >= minRealSamples && listed:
			t.Errorf("%s: %d real events, but thinTypes still says %q: remove the entry", name, n, why)
		case listed && !strings.Contains(why, "searched"):
			t.Errorf("%s: thinTypes reason %q does not say what was searched", name, why)
		}
	}
	for name := range thinTypes {
		if !slices.Contains(types, name) {
			t.Errorf("thinTypes names %s, which is not a shipped issue-14 type", name)
		}
	}
}

// exactTypes reads data as a source would and returns, for every record, the
// log type it classifies as, counting only records that get the same type
// with fam as candidates and with every shipped type (records that miss or
// differ are the corpus tests' failures, not counted here).
func exactTypes(c *schema.Classifier, data []byte, fam []*schema.LogType) []string {
	var out []string
	_ = payload.Read(bytes.NewReader(data), payload.Options{}, func(raw payload.Raw) error {
		if raw.Err != nil {
			return nil
		}
		byFam, err := c.Classify(raw.Data, fam)
		if err != nil {
			return nil
		}
		byAll, err := c.Classify(raw.Data, nil)
		if err != nil || len(byAll) != len(byFam) {
			return nil
		}
		for i, r := range byFam {
			if byAll[i].Type.Name == r.Type.Name {
				out = append(out, r.Type.Name)
			}
		}
		return nil
	})
	return out
}
