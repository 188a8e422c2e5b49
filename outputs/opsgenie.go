package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/streamalert-go/streamalert/engine"
)

// opsgenieOutput creates an alert (POST {api_url}/v2/alerts,
// Authorization: GenieKey KEY). The alias is the alert id, so a retried
// delivery is de-duplicated by Opsgenie. Settings: api_key (secret),
// api_url (default https://api.opsgenie.com; EU: https://api.eu.opsgenie.com),
// responders (list of "team:NAME", "user:EMAIL", "escalation:NAME",
// "schedule:NAME"), tags. Rule context: context.opsgenie may set priority
// (P1..P5) and add responders and tags.
type opsgenieOutput struct {
	*builder
	key        Secret
	apiURL     string
	responders []map[string]string
	tags       []string
}

func newOpsgenie(b *builder) Output {
	o := &opsgenieOutput{builder: b,
		key:    b.set.secret("api_key", true),
		apiURL: b.set.httpURL("api_url", false, "https://api.opsgenie.com"),
		tags:   b.set.strList("tags"),
	}
	for _, r := range b.set.strList("responders") {
		rr, err := opsgenieResponder(r)
		if err != nil {
			b.set.errorf("responders", "%v", err)
			continue
		}
		o.responders = append(o.responders, rr)
	}
	return o
}

func opsgenieResponder(s string) (map[string]string, error) {
	typ, name, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return nil, fmt.Errorf("responder %q: want team:NAME, user:EMAIL, escalation:NAME or schedule:NAME", s)
	}
	switch typ {
	case "team", "escalation", "schedule":
		return map[string]string{"type": typ, "name": name}, nil
	case "user":
		return map[string]string{"type": typ, "username": name}, nil
	}
	return nil, fmt.Errorf("responder %q: unknown type %q (team, user, escalation, schedule)", s, typ)
}

func opsgeniePriority(s string) string {
	switch s {
	case "critical":
		return "P1"
	case "high":
		return "P2"
	case "medium":
		return "P3"
	case "low":
		return "P4"
	case "info":
		return "P5"
	}
	return "P3"
}

func (o *opsgenieOutput) Send(ctx context.Context, a engine.Alert) error {
	key, err := o.value(ctx, o.key)
	if err != nil {
		return err
	}
	oc := serviceContext(a, "opsgenie")
	responders := append([]map[string]string{}, o.responders...)
	for _, r := range ctxStrings(oc, "responders") {
		if rr, err := opsgenieResponder(r); err == nil {
			responders = append(responders, rr)
		}
	}
	details := map[string]string{"rule_name": a.RuleName, "alert_id": a.ID, "log_source": a.LogSource,
		"source_service": a.SourceService, "source_entity": a.SourceEntity}
	for _, kv := range keyFields(a.Record, 20) {
		details["record."+kv[0]] = truncate(kv[1], 1000)
	}
	tags := append(append(append([]string{}, o.tags...), a.Tags...), ctxStrings(oc, "tags")...)
	req := map[string]any{
		"message":     truncate(summary(a), 130),
		"alias":       truncate(a.ID, 512),
		"description": truncate(orDash(a.RuleDescription)+"\n\n"+prettyJSON(a.Record), 15000),
		"tags":        tags,
		"details":     details,
		"entity":      truncate(a.SourceEntity, 512),
		"source":      "StreamAlert",
		"priority":    firstNonEmpty(ctxString(oc, "priority"), opsgeniePriority(a.Severity)),
	}
	if len(responders) > 0 {
		req["responders"] = responders
	}
	body, err := json.Marshal(req)
	if err != nil {
		return Permanent(fmt.Errorf("%s: encode: %w", o.name, err))
	}
	_, err = o.post(ctx, o.apiURL+"/v2/alerts", http.Header{"Authorization": {"GenieKey " + key}}, body)
	return err
}
