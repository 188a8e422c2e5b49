package outputs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/streamalert-go/streamalert/engine"
)

// httpCase describes one HTTP service: its configuration (URL placeholder
// %[1]s is the test server), environment secrets, the alert context, and
// the exact request the service's public API expects.
type httpCase struct {
	name    string // service:descriptor
	yaml    string
	env     map[string]string // %[1]s is replaced by the server URL
	context map[string]any
	ok      step // the service's success response
	check   func(t *testing.T, r recorded, a engine.Alert)
}

func checkCommon(t *testing.T, r recorded, path string) {
	t.Helper()
	wantEq(t, "method", r.Method, http.MethodPost)
	wantEq(t, "path", r.Path, path)
	wantEq(t, "Content-Type", r.Header.Get("Content-Type"), "application/json")
}

var httpCases = []httpCase{
	{
		name:    "slack:security",
		yaml:    yamlOf("outputs:", "  slack:", "    security:", "      webhook_url: env:TEST_SLACK_URL", "      username: streamalert"),
		env:     map[string]string{"TEST_SLACK_URL": "%[1]s/services/T0001/B0001/slacktokenSECRET123456"},
		context: map[string]any{"slack": map[string]any{"channel": "#incidents"}},
		ok:      step{status: 200, body: "ok"},
		check: func(t *testing.T, r recorded, a engine.Alert) {
			checkCommon(t, r, "/services/T0001/B0001/slacktokenSECRET123456")
			m := r.json(t)
			wantEq(t, "channel", m["channel"], "#incidents")
			wantEq(t, "username", m["username"], "streamalert")
			wantEq(t, "text", m["text"], "[HIGH] osquery_invalid_user: Catch unauthorized user logins")
			wantEq(t, "blocks[0].type", dig(t, m, "blocks", 0, "type"), "header")
			head := dig(t, m, "blocks", 1, "text", "text").(string)
			for _, s := range []string{"osquery_invalid_user", "high", "Catch unauthorized user logins"} {
				if !strings.Contains(head, s) {
					t.Errorf("summary section %q lacks %q", head, s)
				}
			}
			wantEq(t, "fields[0]", dig(t, m, "blocks", 2, "fields", 0, "text"), "*hostIdentifier*\nh1")
			blocks := m["blocks"].([]any)
			last := dig(t, blocks[len(blocks)-1], "text", "text").(string)
			if !strings.HasPrefix(last, "```\n") || !strings.Contains(last, `"user": "mallory"`) {
				t.Errorf("record code block = %q", last)
			}
		},
	},
	{
		name: "pagerduty-v2:oncall",
		yaml: yamlOf("outputs:", "  pagerduty-v2:", "    oncall:", "      routing_key: env:TEST_PD_KEY", "      api_url: %[1]s"),
		env:  map[string]string{"TEST_PD_KEY": "R0UTINGKEY0123456789abcdef012345"},
		ok:   step{status: 202, body: `{"status":"success","message":"Event processed","dedup_key":"x"}`},
		check: func(t *testing.T, r recorded, a engine.Alert) {
			checkCommon(t, r, "/v2/enqueue")
			m := r.json(t)
			wantEq(t, "routing_key", m["routing_key"], "R0UTINGKEY0123456789abcdef012345")
			wantEq(t, "event_action", m["event_action"], "trigger")
			wantEq(t, "dedup_key", m["dedup_key"], a.ID)
			wantEq(t, "payload.severity", dig(t, m, "payload", "severity"), "error")
			wantEq(t, "payload.summary", dig(t, m, "payload", "summary"), "[HIGH] osquery_invalid_user: Catch unauthorized user logins")
			wantEq(t, "payload.source", dig(t, m, "payload", "source"), "prefix_cluster1_streamalert")
			wantEq(t, "payload.timestamp", dig(t, m, "payload", "timestamp"), "2024-05-06T07:08:09.000Z")
			wantEq(t, "custom_details.record.columns.user", dig(t, m, "payload", "custom_details", "record", "columns", "user"), "mallory")
			wantEq(t, "custom_details.rule_name", dig(t, m, "payload", "custom_details", "rule_name"), "osquery_invalid_user")
		},
	},
	{
		name: "pagerduty-incident:sec",
		yaml: yamlOf("outputs:", "  pagerduty-incident:", "    sec:", "      api_token: env:TEST_PD_TOKEN",
			"      from_email: secbot@example.com", "      service_id: PSERVICE", "      escalation_policy_id: PPOLICY", "      api_url: %[1]s"),
		env:     map[string]string{"TEST_PD_TOKEN": "pdtokenSECRET0123456789"},
		context: map[string]any{"pagerduty-incident": map[string]any{"priority_id": "PPRIO1", "assignee_id": "PUSER1"}},
		ok:      step{status: 201, body: `{"incident":{"id":"Q1"}}`},
		check: func(t *testing.T, r recorded, a engine.Alert) {
			checkCommon(t, r, "/incidents")
			wantEq(t, "Authorization", r.Header.Get("Authorization"), "Token token=pdtokenSECRET0123456789")
			wantEq(t, "From", r.Header.Get("From"), "secbot@example.com")
			wantEq(t, "Accept", r.Header.Get("Accept"), "application/vnd.pagerduty+json;version=2")
			m := r.json(t)
			wantEq(t, "incident.type", dig(t, m, "incident", "type"), "incident")
			wantEq(t, "incident.title", dig(t, m, "incident", "title"), "[HIGH] osquery_invalid_user: Catch unauthorized user logins")
			wantEq(t, "incident.service", dig(t, m, "incident", "service", "id"), "PSERVICE")
			wantEq(t, "incident.service.type", dig(t, m, "incident", "service", "type"), "service_reference")
			wantEq(t, "incident.priority", dig(t, m, "incident", "priority", "id"), "PPRIO1")
			wantEq(t, "incident.priority.type", dig(t, m, "incident", "priority", "type"), "priority_reference")
			wantEq(t, "assignee", dig(t, m, "incident", "assignments", 0, "assignee", "id"), "PUSER1")
			wantEq(t, "assignee.type", dig(t, m, "incident", "assignments", 0, "assignee", "type"), "user_reference")
			wantEq(t, "escalation_policy (ignored with an assignee)", dig(t, m, "incident", "escalation_policy"), nil)
			wantEq(t, "incident_key", dig(t, m, "incident", "incident_key"), a.ID)
			wantEq(t, "body.type", dig(t, m, "incident", "body", "type"), "incident_body")
		},
	},
	{
		name: "webhook:siem",
		yaml: yamlOf("outputs:", "  webhook:", "    siem:", "      url: %[1]s/ingest", "      signing_secret: env:TEST_HOOK_KEY",
			"      headers:", "        X-Tenant: blue", "        Authorization: env:TEST_HOOK_AUTH"),
		env: map[string]string{"TEST_HOOK_KEY": "hmacSECRETkey0123", "TEST_HOOK_AUTH": "Bearer hookSECRETtoken99"},
		ok:  step{status: 204},
		check: func(t *testing.T, r recorded, a engine.Alert) {
			checkCommon(t, r, "/ingest")
			wantEq(t, "X-Tenant", r.Header.Get("X-Tenant"), "blue")
			wantEq(t, "Authorization", r.Header.Get("Authorization"), "Bearer hookSECRETtoken99")
			wantEq(t, SignatureHeader, r.Header.Get(SignatureHeader), Sign("hmacSECRETkey0123", r.Body))
			if !strings.HasPrefix(r.Header.Get(SignatureHeader), "sha256=") || len(r.Header.Get(SignatureHeader)) != 7+64 {
				t.Errorf("signature %q is not sha256=<64 hex>", r.Header.Get(SignatureHeader))
			}
			var got engine.Alert
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Fatal(err)
			}
			wantEq(t, "alert id", got.ID, a.ID)
			wantEq(t, "rule_name", r.json(t)["rule_name"], "osquery_invalid_user")
		},
	},
	{
		name: "teams:soc",
		yaml: yamlOf("outputs:", "  teams:", "    soc:", "      webhook_url: env:TEST_TEAMS_URL"),
		env:  map[string]string{"TEST_TEAMS_URL": "%[1]s/workflows/abc/triggers/manual/paths/invoke?sig=teamsSECRETsig0123"},
		ok:   step{status: 202},
		check: func(t *testing.T, r recorded, a engine.Alert) {
			checkCommon(t, r, "/workflows/abc/triggers/manual/paths/invoke")
			wantEq(t, "query", r.RawQuery, "sig=teamsSECRETsig0123")
			m := r.json(t)
			wantEq(t, "type", m["type"], "message")
			wantEq(t, "contentType", dig(t, m, "attachments", 0, "contentType"), "application/vnd.microsoft.card.adaptive")
			wantEq(t, "content.type", dig(t, m, "attachments", 0, "content", "type"), "AdaptiveCard")
			wantEq(t, "title", dig(t, m, "attachments", 0, "content", "body", 0, "text"), "[HIGH] osquery_invalid_user: Catch unauthorized user logins")
			wantEq(t, "facts[0]", dig(t, m, "attachments", 0, "content", "body", 2, "facts", 0, "value"), "osquery_invalid_user")
		},
	},
	{
		name: "jira:secops",
		yaml: yamlOf("outputs:", "  jira:", "    secops:", "      url: %[1]s", "      user: bot@example.com", "      api_token: env:TEST_JIRA_TOKEN",
			"      project_key: SEC", "      issue_type: Bug", "      labels: [detection]"),
		env:     map[string]string{"TEST_JIRA_TOKEN": "jiraSECRETtoken0123"},
		context: map[string]any{"jira": map[string]any{"priority": "Highest"}},
		ok:      step{status: 201, body: `{"id":"10000","key":"SEC-1","self":"x"}`},
		check: func(t *testing.T, r recorded, a engine.Alert) {
			checkCommon(t, r, "/rest/api/3/issue")
			wantEq(t, "Authorization", r.Header.Get("Authorization"),
				"Basic "+base64.StdEncoding.EncodeToString([]byte("bot@example.com:jiraSECRETtoken0123")))
			m := r.json(t)
			wantEq(t, "project", dig(t, m, "fields", "project", "key"), "SEC")
			wantEq(t, "issuetype", dig(t, m, "fields", "issuetype", "name"), "Bug")
			wantEq(t, "summary", dig(t, m, "fields", "summary"), "[HIGH] osquery_invalid_user: Catch unauthorized user logins")
			wantEq(t, "description.type", dig(t, m, "fields", "description", "type"), "doc")
			wantEq(t, "description.version", dig(t, m, "fields", "description", "version"), float64(1))
			wantEq(t, "codeBlock", dig(t, m, "fields", "description", "content", 2, "type"), "codeBlock")
			wantEq(t, "priority", dig(t, m, "fields", "priority", "name"), "Highest")
			wantEq(t, "labels[0]", dig(t, m, "fields", "labels", 0), "detection")
		},
	},
	{
		name: "github:alerts",
		yaml: yamlOf("outputs:", "  github:", "    alerts:", "      token: env:TEST_GH_TOKEN", "      repository: acme/security-alerts",
			"      labels: [streamalert]", "      api_url: %[1]s"),
		env:     map[string]string{"TEST_GH_TOKEN": "ghp_SECRETtoken0123456789"},
		context: map[string]any{"github": map[string]any{"labels": []any{"high"}}},
		ok:      step{status: 201, body: `{"number":1}`},
		check: func(t *testing.T, r recorded, a engine.Alert) {
			checkCommon(t, r, "/repos/acme/security-alerts/issues")
			wantEq(t, "Authorization", r.Header.Get("Authorization"), "Bearer ghp_SECRETtoken0123456789")
			wantEq(t, "Accept", r.Header.Get("Accept"), "application/vnd.github+json")
			wantEq(t, "X-GitHub-Api-Version", r.Header.Get("X-GitHub-Api-Version"), "2022-11-28")
			m := r.json(t)
			wantEq(t, "title", m["title"], "[HIGH] osquery_invalid_user: Catch unauthorized user logins")
			wantEq(t, "labels[0]", dig(t, m, "labels", 0), "streamalert")
			wantEq(t, "labels[1]", dig(t, m, "labels", 1), "high")
			if b := m["body"].(string); !strings.Contains(b, "```json") || !strings.Contains(b, a.ID) {
				t.Errorf("body lacks the record or alert id: %q", b)
			}
		},
	},
	{
		name: "opsgenie:team",
		yaml: yamlOf("outputs:", "  opsgenie:", "    team:", "      api_key: env:TEST_OG_KEY", "      responders: [team:secops]", "      api_url: %[1]s"),
		env:  map[string]string{"TEST_OG_KEY": "ogSECRETkey0123456789"},
		ok:   step{status: 202, body: `{"result":"Request will be processed","took":0.1,"requestId":"r"}`},
		check: func(t *testing.T, r recorded, a engine.Alert) {
			checkCommon(t, r, "/v2/alerts")
			wantEq(t, "Authorization", r.Header.Get("Authorization"), "GenieKey ogSECRETkey0123456789")
			m := r.json(t)
			wantEq(t, "alias", m["alias"], a.ID)
			wantEq(t, "message", m["message"], "[HIGH] osquery_invalid_user: Catch unauthorized user logins")
			wantEq(t, "priority", m["priority"], "P2")
			wantEq(t, "responder", dig(t, m, "responders", 0, "name"), "secops")
			wantEq(t, "responder type", dig(t, m, "responders", 0, "type"), "team")
			wantEq(t, "details.rule_name", dig(t, m, "details", "rule_name"), "osquery_invalid_user")
		},
	},
}

func setupHTTPCase(t *testing.T, c httpCase, opts Options, steps ...step) (*Dispatcher, *sleeps, *recorder, engine.Alert) {
	t.Helper()
	srv := newRecorder(t, steps...)
	for k, v := range c.env {
		t.Setenv(k, strings.ReplaceAll(v, "%[1]s", srv.URL))
	}
	d, sl := newDispatcher(t, strings.ReplaceAll(c.yaml, "%[1]s", srv.URL), opts)
	a := sampleAlert(c.name)
	if c.context != nil {
		a.Context = c.context
	}
	return d, sl, srv, a
}

func TestHTTPOutputsRequest(t *testing.T) {
	for _, c := range httpCases {
		t.Run(c.name, func(t *testing.T) {
			d, _, srv, a := setupHTTPCase(t, c, Options{}, c.ok)
			res, err := d.Dispatch(context.Background(), a)
			if err != nil || len(res) != 1 || res[0].Err != nil {
				t.Fatalf("Dispatch = %+v, %v", res, err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			wantEq(t, "User-Agent", reqs[0].Header.Get("User-Agent"), userAgent)
			c.check(t, reqs[0], a)
			wantEq(t, "metrics", d.Metrics().Snapshot()[c.name], Counts{Sent: 1})
		})
	}
}

func TestHTTPOutputsRetry(t *testing.T) {
	date := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	scenarios := []struct {
		name      string
		steps     func(ok step) []step
		attempts  int
		delivered bool
		sleeps    []time.Duration // nil: don't check exact values
		timeout   time.Duration
	}{
		{name: "500 then ok", steps: func(ok step) []step { return []step{{status: 500, body: "boom"}, ok} }, attempts: 2, delivered: true},
		{name: "503 three times", steps: func(ok step) []step { return []step{{status: 503}} }, attempts: 3},
		{name: "429 Retry-After seconds", steps: func(ok step) []step {
			return []step{{status: 429, header: map[string]string{"Retry-After": "7"}}, ok}
		}, attempts: 2, delivered: true, sleeps: []time.Duration{7 * time.Second}},
		{name: "429 Retry-After date", steps: func(ok step) []step {
			return []step{{status: 429, header: map[string]string{"Retry-After": date.Add(12 * time.Second).Format(http.TimeFormat)}}, ok}
		}, attempts: 2, delivered: true, sleeps: []time.Duration{12 * time.Second}},
		{name: "429 Retry-After capped", steps: func(ok step) []step {
			return []step{{status: 429, header: map[string]string{"Retry-After": "3600"}}, ok}
		}, attempts: 2, delivered: true, sleeps: []time.Duration{60 * time.Second}},
		{name: "timeout then ok", steps: func(ok step) []step { return []step{{status: 200, delay: 2 * time.Second}, ok} },
			attempts: 2, delivered: true, timeout: 100 * time.Millisecond},
		{name: "400 not retried", steps: func(ok step) []step { return []step{{status: 400, body: "invalid_payload"}, ok} }, attempts: 1},
		{name: "408 retried", steps: func(ok step) []step { return []step{{status: 408}, ok} }, attempts: 2, delivered: true},
	}
	for _, c := range httpCases {
		for _, s := range scenarios {
			t.Run(c.name+"/"+s.name, func(t *testing.T) {
				opts := Options{Now: func() time.Time { return date }}
				opts.Retry = RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, Timeout: 2 * time.Second}
				if s.timeout > 0 {
					opts.Retry.Timeout = s.timeout
				}
				d, sl, srv, a := setupHTTPCase(t, c, opts, s.steps(c.ok)...)
				r := d.Deliver(context.Background(), c.name, a)
				if got := len(srv.requests()); got != s.attempts {
					t.Errorf("server saw %d requests, want %d", got, s.attempts)
				}
				wantEq(t, "Result.Attempts", r.Attempts, s.attempts)
				if s.delivered != (r.Err == nil) {
					t.Fatalf("delivered = %v, want %v (err %v)", r.Err == nil, s.delivered, r.Err)
				}
				if len(sl.all()) != s.attempts-1 {
					t.Errorf("waits %v, want %d", sl.all(), s.attempts-1)
				}
				if s.sleeps != nil && fmt.Sprint(sl.all()) != fmt.Sprint(s.sleeps) {
					t.Errorf("waits %v, want %v", sl.all(), s.sleeps)
				}
				for _, w := range sl.all() {
					if s.sleeps == nil && (w <= 0 || w > 4*time.Millisecond) {
						t.Errorf("backoff wait %v outside (0, 4ms]", w)
					}
				}
				if r.Err != nil && !strings.Contains(r.Err.Error(), "HTTP ") {
					t.Errorf("error %q does not name the HTTP status", r.Err)
				}
				snap := d.Metrics().Snapshot()[c.name]
				want := Counts{Retried: uint64(s.attempts - 1)}
				if s.delivered {
					want.Sent = 1
				} else {
					want.Failed = 1
				}
				wantEq(t, "metrics", snap, want)
				// Every attempt carried the same request body (same dedup key).
				reqs := srv.requests()
				for i := 1; i < len(reqs); i++ {
					if string(reqs[i].Body) != string(reqs[0].Body) {
						t.Errorf("attempt %d body differs from the first", i+1)
					}
				}
			})
		}
	}
}
