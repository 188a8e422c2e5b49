package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/streamalert-go/streamalert/engine"
)

// Slack limits (Block Kit): blocks per message, characters per section
// text, per header text, per section field, fields per section. maxMsgText
// keeps the sum of a message's block texts under what Slack accepts in
// practice (it rejects long messages with msg_blocks_too_long).
const (
	slackMaxBlocks    = 50
	slackMaxSection   = 3000
	slackMaxHeader    = 150
	slackMaxField     = 2000
	slackMaxFields    = 10
	slackMaxMsgText   = 12000
	slackFallbackText = 300
)

// slackOutput posts Block Kit messages to a Slack incoming webhook.
// Settings: webhook_url (secret), channel, username, icon_emoji.
// Rule context: context.slack.channel overrides the channel;
// context.slack.fields lists record keys to show instead of the default.
type slackOutput struct {
	*builder
	webhook                   Secret
	channel, username, iconEm string
}

func newSlack(b *builder) Output {
	o := &slackOutput{builder: b,
		webhook:  b.set.secret("webhook_url", true),
		channel:  b.set.str("channel", false, ""),
		username: b.set.str("username", false, ""),
		iconEm:   b.set.str("icon_emoji", false, ""),
	}
	return o
}

type slackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text      string       `json:"text"`
	Channel   string       `json:"channel,omitempty"`
	Username  string       `json:"username,omitempty"`
	IconEmoji string       `json:"icon_emoji,omitempty"`
	Blocks    []slackBlock `json:"blocks"`
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func (b slackBlock) textLen() int {
	n := 0
	if b.Text != nil {
		n += len(b.Text.Text)
	}
	for _, f := range b.Fields {
		n += len(f.Text)
	}
	for _, e := range b.Elements {
		n += len(e.Text)
	}
	return n
}

// slackMessages renders a as one or more messages within Slack's limits.
func (o *slackOutput) slackMessages(a engine.Alert) []slackMessage {
	sc := serviceContext(a, "slack")
	var blocks []slackBlock
	blocks = append(blocks, slackBlock{Type: "header",
		Text: &slackText{Type: "plain_text", Text: truncate(":rotating_light: "+a.RuleName, slackMaxHeader), Emoji: true}})

	head := fmt.Sprintf("*Rule:* `%s`\n*Severity:* %s\n*Description:* %s",
		slackEscape(a.RuleName), slackEscape(orDash(a.Severity)), slackEscape(orDash(a.RuleDescription)))
	for _, c := range chunks(head, slackMaxSection) {
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: c}})
	}

	var fields []slackText
	if keys := ctxStrings(sc, "fields"); len(keys) > 0 {
		for _, k := range keys {
			if len(fields) == slackMaxFields {
				break
			}
			if v, ok := a.Record[k]; ok {
				fields = append(fields, slackField(k, fmt.Sprint(v)))
			}
		}
	} else {
		for _, kv := range keyFields(a.Record, slackMaxFields) {
			fields = append(fields, slackField(kv[0], kv[1]))
		}
	}
	if len(fields) > 0 {
		blocks = append(blocks, slackBlock{Type: "section", Fields: fields})
	}
	meta := fmt.Sprintf("alert `%s` · log `%s` · source %s `%s` · %s", a.ID, a.LogSource, a.SourceService,
		a.SourceEntity, a.Created.UTC().Format("2006-01-02T15:04:05Z"))
	if a.Staged {
		meta += " · *staged*"
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: truncate(slackEscape(meta), slackMaxField)}}})

	// The full record as code blocks: each section holds "```\n" + chunk + "\n```".
	for _, c := range chunks(slackEscape(prettyJSON(a.Record)), slackMaxSection-8) {
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: "```\n" + c + "\n```"}})
	}

	channel := o.channel
	if c := ctxString(sc, "channel"); c != "" {
		channel = c
	}
	fallback := truncate(summary(a), slackFallbackText)
	var msgs []slackMessage
	cur := slackMessage{}
	size := 0
	for _, blk := range blocks {
		n := blk.textLen()
		if len(cur.Blocks) > 0 && (len(cur.Blocks) >= slackMaxBlocks || size+n > slackMaxMsgText) {
			msgs = append(msgs, cur)
			cur, size = slackMessage{}, 0
		}
		cur.Blocks = append(cur.Blocks, blk)
		size += n
	}
	msgs = append(msgs, cur)
	for i := range msgs {
		msgs[i].Text = fallback
		if len(msgs) > 1 {
			msgs[i].Text = fmt.Sprintf("%s (part %d/%d)", fallback, i+1, len(msgs))
		}
		msgs[i].Channel, msgs[i].Username, msgs[i].IconEmoji = channel, o.username, o.iconEm
	}
	return msgs
}

func slackField(k, v string) slackText {
	return slackText{Type: "mrkdwn", Text: truncate("*"+slackEscape(k)+"*\n"+slackEscape(v), slackMaxField)}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Send posts every part of the message in order. A retry after a partial
// failure posts the earlier parts again (delivery is at-least-once).
func (o *slackOutput) Send(ctx context.Context, a engine.Alert) error {
	url, err := o.value(ctx, o.webhook)
	if err != nil {
		return err
	}
	for _, m := range o.slackMessages(a) {
		body, err := json.Marshal(m)
		if err != nil {
			return Permanent(fmt.Errorf("%s: encode: %w", o.name, err))
		}
		if _, err := o.post(ctx, url, nil, body); err != nil {
			return err
		}
	}
	return nil
}
