package outputs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/streamalert-go/streamalert/engine"
)

// jiraOutput creates a Jira issue (POST {url}/rest/api/{2|3}/issue) with
// basic auth (user email + API token). Settings: url (site base URL), user,
// api_token (secret), project_key, issue_type (default Task), api_version
// (3, the default, sends an Atlassian Document Format description; 2 plain
// wiki text), labels, priority (a priority name). Rule context:
// context.jira may set priority and labels (added) and assignee_id.
type jiraOutput struct {
	*builder
	url, user, project, issueType, version, priority string
	token                                            Secret
	labels                                           []string
}

func newJira(b *builder) Output {
	return &jiraOutput{builder: b,
		url:       b.set.httpURL("url", true, ""),
		user:      b.set.str("user", true, ""),
		token:     b.set.secret("api_token", true),
		project:   b.set.str("project_key", true, ""),
		issueType: b.set.str("issue_type", false, "Task"),
		version:   b.set.oneOf("api_version", "3", "2", "3"),
		labels:    b.set.strList("labels"),
		priority:  b.set.str("priority", false, ""),
	}
}

// jiraLabel makes s a valid Jira label (no spaces).
func jiraLabel(s string) string { return strings.Join(strings.Fields(s), "_") }

func (o *jiraOutput) fields(a engine.Alert) map[string]any {
	jc := serviceContext(a, "jira")
	record := truncate(prettyJSON(a.Record), 30000)
	f := map[string]any{
		"project":   map[string]string{"key": o.project},
		"summary":   truncate(strings.ReplaceAll(summary(a), "\n", " "), 255),
		"issuetype": map[string]string{"name": o.issueType},
	}
	intro := fmt.Sprintf("StreamAlert rule %s (severity %s) triggered on %s from %s %s. Alert id %s.",
		a.RuleName, orDash(a.Severity), a.LogSource, a.SourceService, a.SourceEntity, a.ID)
	if o.version == "3" {
		f["description"] = map[string]any{"type": "doc", "version": 1, "content": []any{
			map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": orDash(a.RuleDescription)}}},
			map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": intro}}},
			map[string]any{"type": "codeBlock", "attrs": map[string]string{"language": "json"},
				"content": []any{map[string]any{"type": "text", "text": record}}},
		}}
	} else {
		f["description"] = orDash(a.RuleDescription) + "\n\n" + intro + "\n\n{code:json}\n" + record + "\n{code}"
	}
	labels := []string{}
	for _, l := range append(append(append([]string{}, o.labels...), ctxStrings(jc, "labels")...), "streamalert", jiraLabel(a.RuleName)) {
		if l = jiraLabel(l); l != "" && !contains(labels, l) {
			labels = append(labels, l)
		}
	}
	f["labels"] = labels
	if p := firstNonEmpty(ctxString(jc, "priority"), o.priority); p != "" {
		f["priority"] = map[string]string{"name": p}
	}
	if u := ctxString(jc, "assignee_id"); u != "" {
		f["assignee"] = map[string]string{"accountId": u}
	}
	return f
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (o *jiraOutput) Send(ctx context.Context, a engine.Alert) error {
	token, err := o.value(ctx, o.token)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"fields": o.fields(a)})
	if err != nil {
		return Permanent(fmt.Errorf("%s: encode: %w", o.name, err))
	}
	hdr := http.Header{
		"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(o.user+":"+token))},
		"Accept":        {"application/json"},
	}
	_, err = o.post(ctx, o.url+"/rest/api/"+o.version+"/issue", hdr, body)
	return err
}
