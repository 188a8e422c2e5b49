package schemas_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/engine/testenv"
)

// TestAzureRecordsDocument: a storage account or Event Hub delivers
// diagnostic-settings records as {"records": [...]}; each record classifies
// as its type, and a document mixing two types does not classify at all
// (nothing is cut silently). The records are the real ones of
// testdata/real/azure; the envelope is Azure Monitor's documented one.
func TestAzureRecordsDocument(t *testing.T) {
	set := load(t)
	c := schema.NewClassifier(set)
	read := func(name string) []byte {
		b, err := os.ReadFile("../testdata/real/azure/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.TrimSpace(b)
	}
	activity := bytes.ReplaceAll(read("elastic-integrations-activitylogs-mixedcase-resourceid.jsonl"), []byte("\n"), []byte(","))
	audit := read("elastic-integrations-entra-auditlogs-raw.jsonl")

	doc := append(append([]byte(`{"records":[`), activity...), ']', '}')
	recs, err := c.Classify(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	for _, r := range recs {
		if r.Type.Name != "azure:activity" || r.Data["category"] != "Administrative" {
			t.Errorf("record %s %v", r.Type.Name, r.Data["category"])
		}
	}

	mixed := append(append(append(append([]byte(`{"records":[`), activity...), ','), audit...), ']', '}')
	if recs, err := c.Classify(mixed, nil); err == nil {
		for _, r := range recs {
			if r.Type.Name != "json:generic" {
				t.Errorf("mixed document classified as %s", r.Type.Name)
			}
		}
	}
	azure, err := set.Resolve([]string{"azure"})
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := c.Classify(mixed, azure); err == nil {
		t.Errorf("mixed document classified with the azure family: %d records, first %s", len(recs), recs[0].Type.Name)
	}
}

// TestSlackAuditLogsPage: the Audit Logs API's response page
// {"entries": [...], "response_metadata": {...}} (Slack's documented shape)
// classifies as one slack:audit record per entry; the entries are the real
// ones of testdata/real/slack.
func TestSlackAuditLogsPage(t *testing.T) {
	set := load(t)
	c := schema.NewClassifier(set)
	b, err := os.ReadFile("../testdata/real/slack/elastic-integrations-slack-audit-test-audit.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	entries := bytes.ReplaceAll(bytes.TrimSpace(b), []byte("\n"), []byte(","))
	page := append(append([]byte(`{"entries":[`), entries...), []byte(`],"response_metadata":{"next_cursor":""}}`)...)
	recs, err := c.Classify(page, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4", len(recs))
	}
	for i, want := range []string{"user_login", "user_created", "file_downloaded", "anomaly"} {
		if recs[i].Type.Name != "slack:audit" || recs[i].Data["action"] != want {
			t.Errorf("record %d: %s action %v, want slack:audit %s", i, recs[i].Type.Name, recs[i].Data["action"], want)
		}
	}
}

// TestFDRProcessEvents: of the shared FDR events (read in place), exactly
// the process executions are crowdstrike:process, everything else with an
// event_simpleName crowdstrike:event, whatever the candidates.
func TestFDRProcessEvents(t *testing.T) {
	root := testenv.Shared(t, "realsamples/newsources/crowdstrike-fdr")
	set := load(t)
	c := schema.NewClassifier(set)
	data, err := os.ReadFile(filepath.Join(root, "panther-oss-crowdstrike-fdr-events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		recs, err := c.Classify(line, nil)
		if err != nil || len(recs) != 1 {
			t.Fatalf("line %d: %v", i+1, err)
		}
		name, _ := recs[0].Data["event_simpleName"].(string)
		want := "crowdstrike:event"
		if name == "ProcessRollup2" || name == "SyntheticProcessRollup2" {
			want = "crowdstrike:process"
			n++
		}
		if recs[0].Type.Name != want {
			t.Errorf("line %d (%s): %s, want %s", i+1, name, recs[0].Type.Name, want)
		}
	}
	if n != 2 {
		t.Errorf("%d process events, want 2", n)
	}
}

// TestOktaEventBridge: a real System Log event (../shared, read in place)
// in the EventBridge envelope Okta Log Streaming publishes (documented
// shape; no public sample of the whole envelope was found) classifies as
// okta:eventbridge with the event as the record and the envelope under
// streamalert:envelope_keys; the bare event stays okta:systemlog.
func TestOktaEventBridge(t *testing.T) {
	root := testenv.Shared(t, "realsamples/reallogs/okta")
	set := load(t)
	c := schema.NewClassifier(set)
	event, err := os.ReadFile(filepath.Join(root, "vector-okta-source-test-event.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	event = bytes.TrimSpace(event)
	env := append(append([]byte(`{"version":"0","id":"0b6f5b8e-8c1d-2a57-1f3c-4c8d3e2a1b0c","detail-type":"SystemLog","source":"aws.partner/okta.com/example-org/okta-log-stream","account":"123456789012","time":"2024-05-06T18:00:00Z","region":"us-east-1","resources":[],"detail":`), event...), '}')
	recs, err := c.Classify(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Type.Name != "okta:eventbridge" {
		t.Fatalf("got %d records, first %v", len(recs), recs)
	}
	if recs[0].Data["uuid"] == nil || recs[0].Data["eventType"] == nil {
		t.Errorf("record is not the event: %v", recs[0].Data)
	}
	envKeys, _ := recs[0].Data["streamalert:envelope_keys"].(map[string]any)
	if envKeys["source"] != "aws.partner/okta.com/example-org/okta-log-stream" {
		t.Errorf("envelope keys %v", envKeys)
	}
	bare, err := c.Classify(event, nil)
	if err != nil || len(bare) != 1 || bare[0].Type.Name != "okta:systemlog" {
		t.Errorf("bare event: %v %v", bare, err)
	}
	// Another partner's event in the same envelope is not Okta.
	other := bytes.Replace(env, []byte("aws.partner/okta.com/"), []byte("aws.partner/example.com/"), 1)
	if recs, err := c.Classify(other, nil); err == nil && recs[0].Type.Name == "okta:eventbridge" {
		t.Errorf("another partner's event classified as okta:eventbridge")
	}
}
