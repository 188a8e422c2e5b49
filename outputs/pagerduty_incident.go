package outputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/streamalert-go/streamalert/engine"
)

// pagerDutyIncident creates incidents with the PagerDuty REST API
// (POST {api_url}/incidents). Settings: api_token (secret), from_email,
// service_id, and optional defaults escalation_policy_id, priority_id,
// urgency (high|low), api_url (default https://api.pagerduty.com).
// Rule context: context["pagerduty-incident"] may set priority_id,
// assignee_id (a user id; PagerDuty then ignores the escalation policy),
// escalation_policy_id and urgency.
type pagerDutyIncident struct {
	*builder
	token                             Secret
	from, serviceID, policy, priority string
	urgency, apiURL                   string
}

func newPagerDutyIncident(b *builder) Output {
	return &pagerDutyIncident{builder: b,
		token:     b.set.secret("api_token", true),
		from:      b.set.str("from_email", true, ""),
		serviceID: b.set.str("service_id", true, ""),
		policy:    b.set.str("escalation_policy_id", false, ""),
		priority:  b.set.str("priority_id", false, ""),
		urgency:   b.set.oneOf("urgency", "high", "high", "low"),
		apiURL:    b.set.httpURL("api_url", false, "https://api.pagerduty.com"),
	}
}

type pdRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type pdIncident struct {
	Type             string `json:"type"`
	Title            string `json:"title"`
	Service          pdRef  `json:"service"`
	Urgency          string `json:"urgency,omitempty"`
	IncidentKey      string `json:"incident_key"`
	Priority         *pdRef `json:"priority,omitempty"`
	EscalationPolicy *pdRef `json:"escalation_policy,omitempty"`
	Assignments      []struct {
		Assignee pdRef `json:"assignee"`
	} `json:"assignments,omitempty"`
	Body struct {
		Type    string `json:"type"`
		Details string `json:"details"`
	} `json:"body"`
}

func (o *pagerDutyIncident) Send(ctx context.Context, a engine.Alert) error {
	token, err := o.value(ctx, o.token)
	if err != nil {
		return err
	}
	pc := serviceContext(a, "pagerduty-incident")
	inc := pdIncident{Type: "incident", Title: truncate(summary(a), 255),
		Service:     pdRef{ID: o.serviceID, Type: "service_reference"},
		Urgency:     firstNonEmpty(ctxString(pc, "urgency"), o.urgency),
		IncidentKey: a.ID}
	if p := firstNonEmpty(ctxString(pc, "priority_id"), o.priority); p != "" {
		inc.Priority = &pdRef{ID: p, Type: "priority_reference"}
	}
	if u := ctxString(pc, "assignee_id"); u != "" {
		inc.Assignments = append(inc.Assignments, struct {
			Assignee pdRef `json:"assignee"`
		}{pdRef{ID: u, Type: "user_reference"}})
	} else if p := firstNonEmpty(ctxString(pc, "escalation_policy_id"), o.policy); p != "" {
		inc.EscalationPolicy = &pdRef{ID: p, Type: "escalation_policy_reference"}
	}
	inc.Body.Type = "incident_body"
	inc.Body.Details = truncate(a.RuleDescription+"\n\n"+prettyJSON(alertDetails(a)), 60000)
	body, err := json.Marshal(map[string]any{"incident": inc})
	if err != nil {
		return Permanent(fmt.Errorf("%s: encode: %w", o.name, err))
	}
	hdr := http.Header{
		"Authorization": {"Token token=" + token},
		"Accept":        {"application/vnd.pagerduty+json;version=2"},
		"From":          {o.from},
	}
	_, err = o.post(ctx, o.apiURL+"/incidents", hdr, body)
	// A retry after a lost response finds the incident already open under
	// our incident_key: that is a success, not a failure.
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(se.Body), "matching dedup key already exists") {
		return nil
	}
	return err
}
