package outputs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestNewSettingsErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // substrings of the error
		notWant    string   // must not appear (an inline secret)
	}{
		{"unknown service", yamlOf("outputs:", "  smoke-signal:", "    hill: {}"),
			[]string{"streamalert.yaml:3:5: outputs.smoke-signal: unknown output service \"smoke-signal\"", "slack"}, ""},
		{"missing required", yamlOf("outputs:", "  slack:", "    security: {}"),
			[]string{"streamalert.yaml:3:5: outputs.slack.security.webhook_url: missing required secret setting"}, ""},
		{"inline secret", yamlOf("outputs:", "  pagerduty-v2:", "    oncall:", "      routing_key: R0UTINGinlineSECRET"),
			[]string{"streamalert.yaml:3:5: outputs.pagerduty-v2.oncall.routing_key: must be a secret reference"}, "R0UTINGinlineSECRET"},
		{"unknown setting", yamlOf("outputs:", "  webhook:", "    w:", "      url: https://example.com", "      sigining_secret: env:X"),
			[]string{"outputs.webhook.w.sigining_secret: unknown setting (known: headers, signing_secret, url)"}, ""},
		{"bad URL", yamlOf("outputs:", "  opsgenie:", "    o: {api_key: env:K, api_url: 'ftp://x'}"),
			[]string{"outputs.opsgenie.o.api_url: must be an absolute http(s) URL"}, ""},
		{"bad choice", yamlOf("outputs:", "  teams:", "    t: {webhook_url: env:K, format: html}"),
			[]string{"outputs.teams.t.format: must be one of adaptivecard, messagecard"}, ""},
		{"bad repository", yamlOf("outputs:", "  github:", "    g: {token: env:K, repository: justname}"),
			[]string{"outputs.github.g.repository: must be \"owner/repo\""}, ""},
		{"sqs needs one queue", yamlOf("outputs:", "  aws-sqs:", "    q: {region: us-east-1}"),
			[]string{"outputs.aws-sqs.q: set exactly one of queue_url and queue_name"}, ""},
		{"bad responder", yamlOf("outputs:", "  opsgenie:", "    o: {api_key: env:K, responders: [bob]}"),
			[]string{"responder \"bob\""}, ""},
		{"several problems", yamlOf("outputs:", "  jira:", "    j: {url: https://x.atlassian.net}", "  aws-s3:", "    b: {}"),
			[]string{"streamalert.yaml:3:5: outputs.jira.j.api_token", "outputs.jira.j.project_key", "streamalert.yaml:5:5: outputs.aws-s3.b.bucket"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(context.Background(), loadConfig(t, c.yaml), Options{})
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if c.notWant != "" && strings.Contains(err.Error(), c.notWant) {
				t.Errorf("error echoes the inline secret:\n%v", err)
			}
		})
	}
}

func TestNewAllServicesValid(t *testing.T) {
	cfg := loadConfig(t, yamlOf("outputs:",
		"  slack: {s: {webhook_url: env:A}}",
		"  pagerduty-v2: {p: {routing_key: ssm:/pd/key}}",
		"  pagerduty-incident: {p: {api_token: secretsmanager:pd, from_email: a@b.c, service_id: P1}}",
		"  webhook: {w: {url: env:U}}",
		"  teams: {t: {webhook_url: file:/run/secrets/teams, format: messagecard}}",
		"  jira: {j: {url: https://x.atlassian.net, user: u, api_token: env:J, project_key: SEC, api_version: 2}}",
		"  github: {g: {token: env:G, repository: a/b}}",
		"  opsgenie: {o: {api_key: env:O}}",
		"  aws-sns: {t: {topic_arn: 'arn:aws:sns:us-east-1:123456789012:alerts'}}",
		"  aws-sqs: {q: {queue_name: alerts}}",
		"  aws-s3: {b: {bucket: alerts-bucket}}",
		"  aws-lambda: {f: {function_name: 'responder:prod'}}",
		"  aws-firehose: {f: {delivery_stream: alerts}}",
		"  aws-cloudwatch-log: {l: {log_group: /streamalert/alerts, log_stream: alerts}}",
		"  stdout: {local: {}}",
		"  file: {local: {path: alerts.jsonl}}",
	))
	d, err := New(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(d.Names()), len(Services()); got != want {
		t.Errorf("built %d outputs, want one per service (%d): %v", got, want, d.Names())
	}
}

// Slack messages stay within Block Kit's limits however large the record,
// and together carry the whole record.
func TestSlackSplitsLargeAlerts(t *testing.T) {
	big := map[string]any{}
	for i := range 400 {
		big[strings.Repeat("k", 5)+string(rune('a'+i%26))+strings.Repeat("x", i%7)+"_"+itoa(i)] = strings.Repeat("<v&>", 60)
	}
	big["one_long_line"] = strings.Repeat("é", 5000)
	a := sampleAlert("slack:s")
	a.Record = big
	o := &slackOutput{builder: &builder{name: "slack:s"}}
	msgs := o.slackMessages(a)
	if len(msgs) < 2 {
		t.Fatalf("%d messages for a ~150 KB record, want several", len(msgs))
	}
	var record strings.Builder
	for i, m := range msgs {
		if len(m.Blocks) == 0 || len(m.Blocks) > slackMaxBlocks {
			t.Errorf("message %d has %d blocks", i, len(m.Blocks))
		}
		total := 0
		for _, b := range m.Blocks {
			total += b.textLen()
			if b.Text != nil && b.Type == "section" && len([]rune(b.Text.Text)) > slackMaxSection {
				t.Errorf("message %d: section text of %d chars", i, len([]rune(b.Text.Text)))
			}
			if b.Type == "header" && len([]rune(b.Text.Text)) > slackMaxHeader {
				t.Errorf("header too long")
			}
			if b.Text != nil && strings.HasPrefix(b.Text.Text, "```\n") {
				record.WriteString(strings.TrimSuffix(strings.TrimPrefix(b.Text.Text, "```\n"), "\n```"))
			}
		}
		if total > slackMaxMsgText {
			t.Errorf("message %d carries %d chars of text", i, total)
		}
		if !strings.Contains(m.Text, "part ") {
			t.Errorf("message %d fallback text %q lacks the part number", i, m.Text)
		}
	}
	// Unescape and compare with the record (chunks split at newlines or mid-line).
	got := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(record.String())
	if got != prettyJSON(big) {
		t.Fatalf("reassembled record differs from the record")
	}
	var decoded map[string]any
	if err := json.Unmarshal([]byte(got), &decoded); err != nil {
		t.Fatalf("reassembled record is not JSON: %v", err)
	}
	if len(decoded) != len(big) || decoded["one_long_line"] != big["one_long_line"] {
		t.Errorf("reassembled record differs")
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
