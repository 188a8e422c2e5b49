package outputs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/streamalert-go/streamalert/engine"
)

// pagerDutyV2 triggers PagerDuty Events API v2 events
// (POST {api_url}/v2/enqueue). The dedup_key is the alert id, so a retried
// delivery updates the same incident instead of paging twice.
// Settings: routing_key (secret), api_url (default
// https://events.pagerduty.com). Rule context: context["pagerduty-v2"] may
// set component, group, class.
type pagerDutyV2 struct {
	*builder
	routingKey Secret
	apiURL     string
}

func newPagerDutyV2(b *builder) Output {
	return &pagerDutyV2{builder: b,
		routingKey: b.set.secret("routing_key", true),
		apiURL:     b.set.httpURL("api_url", false, "https://events.pagerduty.com"),
	}
}

// pagerDutySeverity maps StreamAlert severities to the Events API's four.
func pagerDutySeverity(s string) string {
	switch s {
	case "info", "low":
		return "info"
	case "medium":
		return "warning"
	case "high":
		return "error"
	case "critical":
		return "critical"
	}
	return "warning"
}

type pdPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details"`
}

type pdEvent struct {
	RoutingKey  string    `json:"routing_key"`
	EventAction string    `json:"event_action"`
	DedupKey    string    `json:"dedup_key"`
	Client      string    `json:"client"`
	Payload     pdPayload `json:"payload"`
}

// alertDetails is the alert as a details object for ticketing services.
func alertDetails(a engine.Alert) map[string]any {
	return map[string]any{
		"alert_id": a.ID, "rule_name": a.RuleName, "rule_description": a.RuleDescription,
		"severity": a.Severity, "tags": a.Tags, "log_source": a.LogSource, "log_type": a.LogType,
		"source_service": a.SourceService, "source_entity": a.SourceEntity,
		"record": a.Record, "context": a.Context, "created": a.Created, "staged": a.Staged,
	}
}

func (o *pagerDutyV2) Send(ctx context.Context, a engine.Alert) error {
	key, err := o.value(ctx, o.routingKey)
	if err != nil {
		return err
	}
	pc := serviceContext(a, "pagerduty-v2")
	source := a.SourceEntity
	if source == "" {
		source = "streamalert"
	}
	ev := pdEvent{RoutingKey: key, EventAction: "trigger", DedupKey: a.ID, Client: "StreamAlert",
		Payload: pdPayload{
			Summary:       truncate(summary(a), 1024),
			Source:        truncate(source, 255),
			Severity:      pagerDutySeverity(a.Severity),
			Component:     firstNonEmpty(ctxString(pc, "component"), a.LogSource),
			Group:         firstNonEmpty(ctxString(pc, "group"), a.SourceService),
			Class:         firstNonEmpty(ctxString(pc, "class"), a.RuleName),
			CustomDetails: alertDetails(a),
		}}
	if !a.Created.IsZero() {
		ev.Payload.Timestamp = a.Created.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return Permanent(fmt.Errorf("%s: encode: %w", o.name, err))
	}
	_, err = o.post(ctx, o.apiURL+"/v2/enqueue", nil, body)
	return err
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
