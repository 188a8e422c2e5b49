package rulesd_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/engine/testenv"
)

// sharedRuleSamples: real events of ../shared/realsamples (read in place,
// never copied: see its README) and the shipped rules each line must fire,
// by line number; every other line of the file must fire none. This proves
// the detections of the new sources on vendor-shaped events that the
// repository may not hold.
var sharedRuleSamples = []struct {
	file string // under realsamples/
	want map[int][]string
}{
	{"newsources/gcp-audit/panther-analysis-gcp-auditlog.jsonl", map[int][]string{
		5: {"gcp_resource_made_public"}, // GCS IAM change: allUsers objectViewer
		6: {"gcp_resource_made_public"}, // GCS AllUsers read permission
	}},
	{"newsources/gcp-audit/panther-oss-gcplogs-auditlog-samples.jsonl", map[int][]string{}},
	{"newsources/azure-activity/panther-analysis-azure-monitoractivity.jsonl", map[int][]string{
		3: {"azure_storage_account_opened"}, // networkAcls defaultAction Allow
	}},
	{"newsources/entra-audit/panther-analysis-azure-audit-auditlogs.jsonl", map[int][]string{
		1: {"entra_conditional_access_weakened"}, // MFA grant control removed (line 2 adds it back: quiet)
		4: {"entra_conditional_access_weakened"}, // policy deleted
	}},
	{"newsources/slack/panther-oss-slacklogs-test-audit.jsonl", map[int][]string{}},               // a user_login
	{"newsources/cloudflare/panther-oss-cloudflare-tests-http-request.jsonl", map[int][]string{}}, // no attack score
	{"newsources/crowdstrike-fdr/panther-oss-crowdstrike-fdr-events.jsonl", map[int][]string{}},   // benign Mac activity
}

func TestRulesOnSharedRealSamples(t *testing.T) {
	root := testenv.Shared(t, "realsamples")
	rs, set := build(t)
	c := schema.NewClassifier(set)
	for _, s := range sharedRuleSamples {
		t.Run(s.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(s.file)))
			if err != nil {
				t.Fatal(err)
			}
			lines := 0
			err = payload.Read(bytes.NewReader(data), payload.Options{}, func(raw payload.Raw) error {
				lines++
				if raw.Err != nil {
					t.Errorf("line %d: %v", raw.Line, raw.Err)
					return nil
				}
				recs, err := c.Classify(raw.Data, nil)
				if err != nil {
					t.Errorf("line %d: %v", raw.Line, err)
					return nil
				}
				var got []string
				for _, r := range recs {
					alerts, errs := rs.EvaluateAll(r, engine.Source{Service: "file", Entity: s.file})
					for _, e := range errs {
						t.Errorf("line %d: rule error: %v", raw.Line, e)
					}
					for _, a := range alerts {
						got = append(got, a.RuleName)
					}
				}
				slices.Sort(got)
				want := slices.Clone(s.want[raw.Line])
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("line %d: fired [%s], want [%s]", raw.Line, strings.Join(got, " "), strings.Join(want, " "))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for l := range s.want {
				if l > lines {
					t.Errorf("line %d expected, the file has %d", l, lines)
				}
			}
		})
	}
}
