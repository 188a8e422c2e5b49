package outputs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/streamalert-go/streamalert/engine"
)

// teamsMaxRecord bounds the record text in a card: Teams rejects messages
// over about 28 KB.
const teamsMaxRecord = 18000

// teamsOutput posts to a Microsoft Teams incoming webhook (a Workflows
// webhook takes an Adaptive Card; a legacy Office 365 connector a
// MessageCard). Settings: webhook_url (secret), format (adaptivecard,
// the default, or messagecard).
type teamsOutput struct {
	*builder
	webhook Secret
	format  string
}

func newTeams(b *builder) Output {
	return &teamsOutput{builder: b,
		webhook: b.set.secret("webhook_url", true),
		format:  b.set.oneOf("format", "adaptivecard", "adaptivecard", "messagecard"),
	}
}

func teamsFacts(a engine.Alert) [][2]string {
	facts := [][2]string{{"Rule", a.RuleName}, {"Severity", orDash(a.Severity)}, {"Log source", a.LogSource},
		{"Source", a.SourceService + " " + a.SourceEntity}, {"Alert id", a.ID}}
	return append(facts, keyFields(a.Record, 10)...)
}

func severityColor(s string) string {
	switch s {
	case "critical", "high":
		return "D00000"
	case "medium":
		return "FF8C00"
	}
	return "0078D7"
}

func (o *teamsOutput) card(a engine.Alert) any {
	record := truncate(prettyJSON(a.Record), teamsMaxRecord)
	if o.format == "messagecard" {
		var facts []map[string]string
		for _, f := range teamsFacts(a) {
			facts = append(facts, map[string]string{"name": f[0], "value": f[1]})
		}
		return map[string]any{
			"@type": "MessageCard", "@context": "https://schema.org/extensions",
			"summary": truncate(summary(a), 200), "themeColor": severityColor(a.Severity),
			"title": truncate(summary(a), 200),
			"sections": []map[string]any{
				{"activityTitle": a.RuleName, "activitySubtitle": a.RuleDescription, "facts": facts},
				{"title": "Record", "text": "<pre>" + htmlEscape(record) + "</pre>"},
			},
		}
	}
	var facts []map[string]string
	for _, f := range teamsFacts(a) {
		facts = append(facts, map[string]string{"title": f[0], "value": f[1]})
	}
	color := "Accent"
	if a.Severity == "critical" || a.Severity == "high" {
		color = "Attention"
	} else if a.Severity == "medium" {
		color = "Warning"
	}
	content := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard", "version": "1.4",
		"body": []map[string]any{
			{"type": "TextBlock", "text": truncate(summary(a), 500), "weight": "Bolder", "size": "Medium", "color": color, "wrap": true},
			{"type": "TextBlock", "text": orDash(a.RuleDescription), "wrap": true},
			{"type": "FactSet", "facts": facts},
			{"type": "TextBlock", "text": record, "fontType": "Monospace", "wrap": true},
		},
	}
	return map[string]any{"type": "message", "attachments": []map[string]any{{
		"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": content,
	}}}
}

func htmlEscape(s string) string { return slackEscape(s) }

func (o *teamsOutput) Send(ctx context.Context, a engine.Alert) error {
	url, err := o.value(ctx, o.webhook)
	if err != nil {
		return err
	}
	body, err := json.Marshal(o.card(a))
	if err != nil {
		return Permanent(fmt.Errorf("%s: encode: %w", o.name, err))
	}
	_, err = o.post(ctx, url, nil, body)
	return err
}
