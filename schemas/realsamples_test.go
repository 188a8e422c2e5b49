package schemas_test

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/engine/testenv"
)

// realSample is one file of ../shared/realsamples/reallogs (real vendor
// events with provenance in that folder's README) and the log type every one
// of its records must classify as, with the file's family as the candidates
// (as `streamalert classify --logs FAMILY` does).
type realSample struct {
	file   string   // under reallogs/ (or ../newsources/SOURCE/ for sources that now ship a schema)
	family string   // --logs: a family, or several separated by commas
	want   []string // log types or globs such as "syslog:*"; a record must match one
	events int      // records the file must yield
}

var realSamples = []realSample{
	{"cloudtrail/awsdocs-cloudtrail-user-guide-examples.s3.jsonl", "cloudtrail,cloudtrail_insights", []string{"cloudtrail:events", "cloudtrail_insights:events"}, 22},
	{"cloudtrail/awsdocs-cloudtrail-user-guide-digest-examples.jsonl", "cloudtrail,cloudtrail_digest", []string{"cloudtrail_digest:files"}, 2},
	{"cloudtrail/panther-analysis-rule-tests.s3.jsonl", "cloudtrail", []string{"cloudtrail:events"}, 150},
	{"osquery/osquery-docs-logging-examples.jsonl", "osquery", []string{"osquery:*"}, 4},
	{"osquery/panther-analysis-osquery-differential.jsonl", "osquery", []string{"osquery:differential"}, 9},
	{"syslog/loghub-OpenSSH_2k-first200.log", "syslog", []string{"syslog:sshd"}, 200},
	{"syslog/loghub-Linux_2k-sshd_pam_unix.log", "syslog", []string{"syslog:sshd"}, 50},
	{"syslog/loghub-Linux_2k-every10th.log", "syslog", []string{"syslog:*"}, 200},
	{"syslog/loghub-Mac_2k-every20th.log", "syslog", []string{"syslog:generic"}, 100},
	{"auditd/go-libaudit-auparse-testdata.log", "auditd", []string{"auditd:log"}, 84},
	{"auditd/go-libaudit-testdata-normal.log", "auditd", []string{"auditd:log"}, 17},
	{"auditd/go-libaudit-aucoalesce-testdata.log", "auditd", []string{"auditd:log"}, 123},
	{"github/gm3dmo-enterprise-git-events-export.jsonl", "github", []string{"github:audit"}, 2},
	{"github/panther-analysis-github-audit.jsonl", "github", []string{"github:audit"}, 6},
	{"okta/vector-okta-source-test-event.jsonl", "okta", []string{"okta:systemlog"}, 1},
	{"okta/vector-okta-source-test-api-page.json", "okta", []string{"okta:systemlog"}, 1},
	{"k8s/falco-k8s_audit-trace-files.jsonl", "k8s", []string{"k8s:audit"}, 51},
	{"k8s/panther-analysis-eks-audit.jsonl", "k8s", []string{"k8s:audit"}, 2},
	// Sources of ../newsources that now have a shipped schema (newSourcesShipped).
	{"../newsources/alb/panther-oss-alb-test-https-no-target.log", "alb", []string{"alb:access"}, 1},
	{"../newsources/elb-classic/logstash-patterns-core-aws-spec.log", "elb", []string{"elb:classic"}, 2},
	{"../newsources/cloudfront/awsdocs-cloudfront-developer-guide-accesslogs-example.log", "cloudfront", []string{"cloudfront:access"}, 6},
	{"../newsources/s3-access/awsdocs-s3-userguide-logformat-examples.log", "s3", []string{"s3:access"}, 5},
	{"../newsources/s3-access/panther-oss-s3-server-access-test-expire.log", "s3", []string{"s3:access"}, 1},
	{"../newsources/waf/awsdocs-waf-logging-examples.jsonl", "waf", []string{"waf:webacl"}, 6},
	{"../newsources/waf/panther-oss-waf-web-acl-tests.jsonl", "waf", []string{"waf:webacl"}, 6},
	{"../newsources/route53-resolver/awsdocs-route53-resolver-query-log-example.jsonl", "route53", []string{"route53:resolver"}, 1},
	{"../newsources/securityhub/aws-solutions-asr-simdata-findings.jsonl", "securityhub", []string{"securityhub:finding"}, 30},
	{"../newsources/securityhub/awsdocs-securityhub-sample-findings.jsonl", "securityhub", []string{"securityhub:finding"}, 6},
	{"../newsources/securityhub/aws-solutions-asr-eventbridge-findings.jsonl", "securityhub", []string{"securityhub:eventbridge"}, 19},
	{"../newsources/config/awsdocs-config-example-notifications.jsonl", "config", []string{"config:change"}, 3},
	{"../newsources/config/awsdocs-config-rules-example-invoking-events.jsonl", "config", []string{"config:change", "config:oversized", "config:scheduled"}, 3},
	// Sources of ../newsources that now have a schema (TestNewSourcesNotStolen
	// skips these files).
	{"../newsources/gcp-audit/panther-analysis-gcp-auditlog.jsonl", "gcp", []string{"gcp:audit"}, 29},
	{"../newsources/gcp-audit/panther-oss-gcplogs-auditlog-samples.jsonl", "gcp", []string{"gcp:audit"}, 3},
	{"../newsources/azure-activity/panther-analysis-azure-monitoractivity.jsonl", "azure", []string{"azure:activity"}, 4},
	{"../newsources/entra-audit/panther-analysis-azure-audit-auditlogs.jsonl", "azure", []string{"azure:entra_audit"}, 6},
	{"../newsources/slack/panther-oss-slacklogs-test-audit.jsonl", "slack", []string{"slack:audit"}, 1},
	{"../newsources/cloudflare/panther-oss-cloudflare-tests-http-request.jsonl", "cloudflare", []string{"cloudflare:http_request"}, 1},
	{"../newsources/crowdstrike-fdr/panther-oss-crowdstrike-fdr-events.jsonl", "crowdstrike", []string{"crowdstrike:*"}, 8}, // TestFDRProcessEvents checks which
}

// TestRealSamples classifies every real event of ../shared/realsamples as
// its expected type: a miss or a wrong type fails, naming the line and why.
// The same events with every shipped type as a candidate (no --logs) must
// classify the same way, so no other schema steals them.
func TestRealSamples(t *testing.T) {
	root := testenv.Shared(t, "realsamples/reallogs")
	set := load(t)
	c := schema.NewClassifier(set)
	listed := map[string]bool{}
	for _, s := range realSamples {
		listed[s.file] = true
		t.Run(s.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(s.file)))
			if err != nil {
				t.Fatal(err)
			}
			fam, err := set.Resolve(strings.Split(s.family, ","))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			err = payload.Read(bytes.NewReader(data), payload.Options{}, func(raw payload.Raw) error {
				if raw.Err != nil {
					t.Errorf("line %d: rejected by payload: %v", raw.Line, raw.Err)
					return nil
				}
				for _, cands := range [][]*schema.LogType{fam, nil} {
					recs, err := c.Classify(raw.Data, cands)
					if err != nil {
						t.Errorf("line %d (candidates %s): %v\n\t%s", raw.Line, candName(cands, s.family), err, clip(raw.Data))
						continue
					}
					for _, r := range recs {
						if !slices.ContainsFunc(s.want, func(g string) bool { ok, _ := path.Match(g, r.Type.Name); return ok }) {
							t.Errorf("line %d (candidates %s): classified as %s, want %s\n\t%s", raw.Line, candName(cands, s.family), r.Type.Name, s.want, clip(raw.Data))
						}
					}
					if cands != nil {
						n += len(recs)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != s.events {
				t.Errorf("%d records, want %d", n, s.events)
			}
		})
	}
	// Every file of the shared set is tested.
	files, _ := filepath.Glob(filepath.Join(root, "*", "*"))
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		rel = filepath.ToSlash(rel)
		if path.Dir(rel) != "tools" && !listed[rel] {
			t.Errorf("%s is not in realSamples", rel)
		}
	}
}

func candName(cands []*schema.LogType, family string) string {
	if cands == nil {
		return "all"
	}
	return family
}

// newSourcesShipped are the folders of ../shared/realsamples/newsources
// whose source now has a shipped schema: realSamples classifies every one of
// their files as that type (TestNewSourcesNotStolen checks that it does).
var newSourcesShipped = map[string]bool{
	"alb": true, "elb-classic": true, "cloudfront": true, "s3-access": true, "waf": true,
	"route53-resolver": true, "securityhub": true, "config": true,
}

// TestNewSourcesNotStolen: events of sources without a shipped schema
// (../shared/realsamples/newsources: GCP and Azure audit, Cloudflare ...)
// must never classify as a vendor type, open or closed; JSON lands in the
// catch-all json:generic, text does not classify. The files of sources that
// have a schema (newSourcesShipped) must each be a realSamples row instead.
func TestNewSourcesNotStolen(t *testing.T) {
	root := testenv.Shared(t, "realsamples/newsources")
	set := load(t)
	c := schema.NewClassifier(set)
	files, _ := filepath.Glob(filepath.Join(root, "*", "*"))
	covered := map[string]bool{}
	for _, s := range realSamples {
		if rel, ok := strings.CutPrefix(s.file, "../newsources/"); ok {
			covered[rel] = true
		}
	}
	n, total := 0, 0
	for _, f := range files {
		dir := filepath.Base(filepath.Dir(f))
		if dir == "tools" {
			continue
		}
		rel, _ := filepath.Rel(root, f)
		if covered[filepath.ToSlash(rel)] {
			continue // classified as its own type by TestRealSamples
		}
		if newSourcesShipped[dir] {
			t.Errorf("../newsources/%s has a shipped schema but is not in realSamples", filepath.ToSlash(rel))
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		err = payload.Read(bytes.NewReader(data), payload.Options{}, func(raw payload.Raw) error {
			if raw.Err != nil {
				return nil
			}
			total++
			recs, err := c.Classify(raw.Data, nil)
			if err != nil {
				return nil
			}
			for _, r := range recs {
				n++
				if r.Type.Name != "json:generic" {
					t.Errorf("%s line %d: classified as %s\n\t%s", rel, raw.Line, r.Type.Name, clip(raw.Data))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The set has 21 event files (its README); those not covered yet must
	// have been read.
	if len(files) < 21 || (len(covered) < 21 && total == 0) {
		t.Errorf("%d files, %d records read (%d classified): the newsources set is missing or smaller than expected", len(files), total, n)
	}
}
