package schemas_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// realCorpus is ../testdata/real: real events from public sources, with
// provenance in its README. Each file's records must all classify as want,
// with the file's family as candidates and with every shipped type.
var realCorpus = []struct {
	file, family, want string
	events             int
	check              func(t *testing.T, i int, rec schema.Record) // per record, may be nil
}{
	{"auditd/enriched-from-issue-threads.log", "auditd", "auditd:log", 7, checkEnriched},
	{"vpcflow/awsdocs-default-format.log", "vpcflow", "vpcflow:v2", 5, nil},
	{"vpcflow/awsdocs-default-format-nodata.log", "vpcflow", "vpcflow:nodata", 2, nil},
	{"vpcflow/awsdocs-custom-format-tcp-flags.log", "vpcflow", "vpcflow:custom", 7, checkFlowCustom},
	{"vpcflow/awsdocs-custom-format-transit-gateway-path.log", "vpcflow", "vpcflow:custom", 4, checkFlowCustom},
	{"vpcflow/awsdocs-custom-format-nat-gateway.log", "vpcflow", "vpcflow:custom", 4, checkFlowCustom},
	{"guardduty/aws-cli-get-findings-example.json", "guardduty", "guardduty:api_finding", 1, checkAPIFinding},
	{"k8s/panther-gcplogs-gke-audit-activity.jsonl", "k8s", "k8s:gke", 1, checkGKE},
	{"alb/awsdocs-alb-access-log-examples.log", "alb", "alb:access", 7, checkAddrPort("client", "target")},
	{"alb/elastic-beats-application-lb-http.log", "alb", "alb:access", 10, checkAddrPort("client", "target")},
	{"elb/awsdocs-classic-access-log-examples.log", "elb", "elb:classic", 4, checkAddrPort("client", "backend")},
	{"elb/elastic-beats-elb-http.log", "elb", "elb:classic", 5, checkAddrPort("client", "backend")},
	{"elb/elastic-beats-elb-tcp.log", "elb", "elb:classic", 6, checkAddrPort("client", "backend")},
	{"s3/elastic-beats-s3access-test.log", "s3", "s3:access", 7, checkS3Access},
	{"webserver/elastic-beats-apache-access-darwin.log", "webserver", "webserver:access", 6, checkWebserver},
	{"webserver/elastic-beats-apache-access-test.log", "webserver", "webserver:access", 4, checkWebserver},
	{"webserver/elastic-beats-nginx-access-test.log", "webserver", "webserver:access", 5, checkWebserver},
	{"route53/elastic-integrations-route53-resolver-test.jsonl", "route53", "route53:resolver", 14, checkRoute53},
	{"gcp/elastic-integrations-gcp-audit-test-audit.jsonl", "gcp", "gcp:audit", 7, nil},
	{"gcp/elastic-integrations-gcp-audit-test-cloudresourcemanager.jsonl", "gcp", "gcp:audit", 1, checkGCPSetIamPolicy},
	{"gcp/elastic-integrations-gcp-audit-test-compute.jsonl", "gcp", "gcp:audit", 1, nil},
	{"gcp/elastic-integrations-gcp-audit-test-audit-gke.jsonl", "k8s", "k8s:gke", 3, nil}, // GKE entries stay k8s:gke
	{"azure/elastic-integrations-activitylogs-raw.jsonl", "azure", "azure:activity", 1, nil},
	{"azure/elastic-integrations-activitylogs-edgecases.jsonl", "azure", "azure:activity", 1, nil},
	{"azure/elastic-integrations-activitylogs-mixedcase-resourceid.jsonl", "azure", "azure:activity", 2, nil},
	{"azure/microsoft-docs-activity-log-schema-example.json", "azure", "azure:activity", 1, nil},
	{"azure/elastic-integrations-entra-auditlogs-raw.jsonl", "azure", "azure:entra_audit", 1, nil},
	{"azure/elastic-integrations-auditlogs-sample.jsonl", "azure", "azure:entra_audit", 3, nil},
	{"azure/elastic-integrations-entra-signinlogs-raw.jsonl", "azure", "azure:entra_signin", 1, checkEntraSignin},
	{"azure/elastic-integrations-signinlogs-sample.jsonl", "azure", "azure:entra_signin", 2, nil},
	{"azure/elastic-integrations-signinlogs-service-principal-sample.jsonl", "azure", "azure:entra_signin", 7, nil},
	{"slack/elastic-integrations-slack-audit-test-audit.jsonl", "slack", "slack:audit", 4, nil},
	{"slack/slack-docs-audit-logs-api-app-event.jsonl", "slack", "slack:audit", 1, nil},
	{"cloudflare/elastic-integrations-cloudflare-logpush-http-request.jsonl", "cloudflare", "cloudflare:http_request", 1, nil},
	{"cloudflare/elastic-integrations-cloudflare-logpull-http.jsonl", "cloudflare", "cloudflare:http_request", 3, nil},
	{"cloudflare/wazuh-ruleset-cloudflare-waf-http-requests.jsonl", "cloudflare", "cloudflare:http_request", 10, nil},
	{"crowdstrike/elastic-integrations-fdr-test-linux-process.jsonl", "crowdstrike", "crowdstrike:process", 2, checkFDRProcess},
	{"crowdstrike/elastic-integrations-fdr-test-linux-events.jsonl", "crowdstrike", "crowdstrike:event", 3, nil},
	{"crowdstrike/elastic-integrations-fdr-test-fdr-process.jsonl", "crowdstrike", "crowdstrike:process", 3, checkFDRProcess},
	{"crowdstrike/elastic-integrations-fdr-test-fdr-events.jsonl", "crowdstrike", "crowdstrike:event", 7, nil},
	{"crowdstrike/elastic-integrations-fdr-test-fdr-process-more.jsonl", "crowdstrike", "crowdstrike:process", 6, checkFDRProcess},
	{"crowdstrike/elastic-integrations-fdr-test-fdr-events-more.jsonl", "crowdstrike", "crowdstrike:event", 6, nil},
	{"zeek/elastic-integrations-zeek-conn.jsonl", "zeek", "zeek:conn", 10, checkZeekConn},
	{"zeek/elastic-integrations-zeek-dns.jsonl", "zeek", "zeek:dns", 7, nil},
	{"zeek/elastic-integrations-zeek-http.jsonl", "zeek", "zeek:http", 6, nil},
	{"zeek/elastic-integrations-zeek-ssl.jsonl", "zeek", "zeek:ssl", 10, nil},
	{"zeek/elastic-integrations-zeek-notice.jsonl", "zeek", "zeek:notice", 4, nil},
	{"zeek/zeek-docs-log-formats-dns.jsonl", "zeek", "zeek:dns", 2, nil},
	{"zeek/zeek-docs-http.jsonl", "zeek", "zeek:http", 2, nil},
	{"zeek/stratosphere-slips-sample-dns.jsonl", "zeek", "zeek:dns", 8, nil},
	{"zeek/stratosphere-slips-test9-http.jsonl", "zeek", "zeek:http", 5, nil},
	{"zeek/stratosphere-slips-test9-notice.jsonl", "zeek", "zeek:notice", 6, nil},
	{"suricata/elastic-integrations-eve-small-alert.jsonl", "suricata", "suricata:alert", 1, nil},
	{"suricata/elastic-integrations-eve-6-0-alert.jsonl", "suricata", "suricata:alert", 1, nil},
	{"suricata/elastic-beats-eve-alerts.jsonl", "suricata", "suricata:alert", 10, nil},
	{"suricata/elastic-integrations-eve-small-dns.jsonl", "suricata", "suricata:dns", 1, nil},
	{"suricata/elastic-integrations-eve-dns-4-1-4.jsonl", "suricata", "suricata:dns", 11, nil},
	{"suricata/elastic-integrations-eve-small-http.jsonl", "suricata", "suricata:http", 3, nil},
	{"suricata/elastic-integrations-eve-small-tls.jsonl", "suricata", "suricata:tls", 3, nil},
	{"suricata/elastic-integrations-eve-small-flow.jsonl", "suricata", "suricata:flow", 1, nil},
	{"suricata/elastic-integrations-eve-6-0-flow.jsonl", "suricata", "suricata:flow", 2, nil},
	{"suricata/elastic-integrations-eve-small-other.jsonl", "suricata", "suricata:eve", 2, nil},
	{"suricata/oisf-suricata-verify-tls.jsonl", "suricata", "suricata:tls", 2, nil},
	{"suricata/oisf-suricata-verify-flow.jsonl", "suricata", "suricata:flow", 3, nil},
	{"suricata/stratosphere-slips-suricata-flows-flow.jsonl", "suricata", "suricata:flow", 8, nil},
	{"suricata/josevnz-suricatalog-eve-2-tls.jsonl", "suricata", "suricata:tls", 6, nil},
	{"suricata/josevnz-suricatalog-eve-2-http.jsonl", "suricata", "suricata:http", 2, nil},
	{"suricata/ait-aminer-ait-lds-http.jsonl", "suricata", "suricata:http", 6, nil},
	{"suricata/ait-aminer-ait-lds-tls.jsonl", "suricata", "suricata:tls", 1, nil},
	{"suricata/oisf-suricata-verify-http.jsonl", "suricata", "suricata:http", 1, nil},
	{"suricata/oisf-suricata-verify-other.jsonl", "suricata", "suricata:eve", 9, nil},
	{"windows/elastic-integrations-system-security.jsonl", "windows", "windows:security", 3, nil},
	{"windows/elastic-integrations-sysmon-operational.jsonl", "windows", "windows:sysmon", 2, nil},
	{"windows/elastic-beats-winlogbeat-security-golden.jsonl", "windows", "windows:security", 8, nil},
	{"windows/elastic-beats-winlogbeat-sysmon-9.01-golden.jsonl", "windows", "windows:sysmon", 9, nil},
	{"windows/elastic-beats-winlogbeat-sysmon-processcreate-golden.jsonl", "windows", "windows:sysmon", 1, nil},
	{"onepassword/elastic-integrations-1password-signinattempts.jsonl", "onepassword", "onepassword:signin_attempt", 2, nil},
	{"onepassword/elastic-integrations-1password-itemusages.jsonl", "onepassword", "onepassword:item_usage", 2, nil},
	{"onepassword/elastic-integrations-1password-auditevents.jsonl", "onepassword", "onepassword:audit_event", 2, nil},
	{"m365/elastic-integrations-o365-exchange-admin.jsonl", "m365", "m365:audit", 6, nil},
	{"m365/elastic-integrations-o365-exchange-admin-set-mailbox-quota.jsonl", "m365", "m365:audit", 4, nil},
	{"journald/koenbollen-jl-mocks-journald.jsonl", "journald", "journald:entry", 2, checkJournald},
	{"journald/elastic-beats-journalctl-sample-journal-event.jsonl", "journald", "journald:entry", 1, checkJournald},
	{"journald/elastic-beats-journalctl-corner-cases-binary-message.jsonl", "journald", "journald:entry", 1, checkJournald},
	{"journald/vivimice-containering-systemd-readme.jsonl", "journald", "journald:entry", 1, checkJournald},
	{"journald/aliyun-assist-client-checkagentpanic-test.jsonl", "journald", "journald:entry", 8, checkJournald},
}

func TestRealCorpus(t *testing.T) {
	set := load(t)
	c := schema.NewClassifier(set)
	const root = "../testdata/real"
	listed := map[string]bool{}
	for _, s := range realCorpus {
		listed[s.file] = true
		t.Run(s.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(s.file)))
			if err != nil {
				t.Fatal(err)
			}
			fam, err := set.Resolve([]string{s.family})
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
						if r.Type.Name != s.want {
							t.Errorf("line %d (candidates %s): classified as %s, want %s", raw.Line, candName(cands, s.family), r.Type.Name, s.want)
						}
					}
					if cands == nil {
						continue
					}
					for _, r := range recs {
						if s.check != nil {
							s.check(t, n, r)
						}
						n++
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
	files, _ := filepath.Glob(filepath.Join(root, "*", "*"))
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		if filepath.Base(f) == "README.md" { // a folder's provenance
			continue
		}
		if !listed[filepath.ToSlash(rel)] {
			t.Errorf("testdata/real/%s is not in realCorpus", filepath.ToSlash(rel))
		}
	}
	if len(files) == 0 {
		t.Error("no corpus files")
	}
}

// checkEnriched: with log_format = ENRICHED the fields after 0x1D are their
// own pairs; the raw field before it keeps exactly its value.
func checkEnriched(t *testing.T, i int, r schema.Record) {
	t.Helper()
	d := r.Data
	want := []map[string]any{
		{"key": "delete", "ARCH": "x86_64", "SYSCALL": "unlink", "AUID": "na-uoradbdba03", "node": "praorem001"},
		{"key": "login_session", "SYSCALL": "open", "AUID": "someone"},
		{"key": "(null)", "SYSCALL": "sendmsg", "AUID": "unset"},
		{"saddr": "02000000000000000000000000000000", "SADDR": "{ saddr_fam=inet laddr=0.0.0.0 lport=0 }"},
		{"SADDR": "{ saddr_fam=inet6 laddr=::ffff:58.108.72.222 lport=56985 }"},
		{"saddr": "0100", "SADDR": "{ saddr_fam=local sockaddr len too short }"},
		{"op": "destroy", "res": "success", "UID": "root", "AUID": "root", "msg": "audit(1753352400.359:115007):"},
	}
	if i >= len(want) {
		return
	}
	for k, v := range want[i] {
		if d[k] != v {
			t.Errorf("record %d: %s = %#v, want %#v", i+1, k, d[k], v)
		}
	}
	for k, v := range d {
		if s, ok := v.(string); ok && strings.ContainsRune(s, 0x1d) {
			t.Errorf("record %d: %s holds the 0x1D separator: %q", i+1, k, s)
		}
	}
}

// checkFlowCustom: the header names the columns; "-" leaves a field out.
func checkFlowCustom(t *testing.T, i int, r schema.Record) {
	t.Helper()
	d := r.Data
	if _, ok := d["srcaddr"].(string); !ok {
		t.Errorf("record %d: srcaddr = %#v", i+1, d["srcaddr"])
	}
	if v, ok := d["interface_id"].(string); !ok || !strings.HasPrefix(v, "eni-") {
		t.Errorf("record %d: interface_id = %#v", i+1, d["interface_id"])
	}
	if v, ok := d["instance_id"]; ok && v == "-" {
		t.Errorf("record %d: instance_id \"-\" kept", i+1)
	}
	if p, ok := d["dstport"]; ok {
		if _, isInt := p.(int64); !isInt {
			t.Errorf("record %d: dstport = %#v, want an integer", i+1, p)
		}
	}
	if got := r.Normalized["sourceAddress"]; len(got) == 0 {
		t.Errorf("record %d: no normalized sourceAddress", i+1)
	}
}

func checkAPIFinding(t *testing.T, _ int, r schema.Record) {
	t.Helper()
	if r.Data["Severity"] != 5.0 || r.Data["Type"] != "Recon:IAMUser/UserPermissions" {
		t.Errorf("Severity %#v, Type %#v", r.Data["Severity"], r.Data["Type"])
	}
	if got := r.Normalized["sourceAddress"]; !slices.Equal(got, []any{"52.94.36.7"}) {
		t.Errorf("normalized sourceAddress = %v", got)
	}
}

func checkGKE(t *testing.T, _ int, r schema.Record) {
	t.Helper()
	if got := r.Normalized["userName"]; !slices.Equal(got, []any{"system:serviceaccount:monitoring:prometheus-k8s"}) {
		t.Errorf("normalized userName = %v", got)
	}
	if got := r.Normalized["eventName"]; !slices.Equal(got, []any{"io.k8s.core.v1.nodes.proxy.get"}) {
		t.Errorf("normalized eventName = %v", got)
	}
}

// checkAddrPort: load balancer "address:port" fields are split into
// {ip, port} with an integer port, "-" leaves the field out, and the client
// address is the normalized sourceAddress.
func checkAddrPort(keys ...string) func(t *testing.T, i int, r schema.Record) {
	return func(t *testing.T, i int, r schema.Record) {
		t.Helper()
		for n, k := range keys {
			v, ok := r.Data[k]
			if !ok && n > 0 {
				continue // target/backend "-"
			}
			m, _ := v.(map[string]any)
			if _, err := netip.ParseAddr(fmt.Sprint(m["ip"])); err != nil {
				t.Errorf("record %d: %s = %#v, want {ip, port}", i+1, k, v)
			}
			if _, isInt := m["port"].(int64); !isInt {
				t.Errorf("record %d: %s.port = %#v, want an integer", i+1, k, m["port"])
			}
		}
		for k, v := range r.Data {
			if v == "-" {
				t.Errorf("record %d: %s \"-\" kept", i+1, k)
			}
		}
		src := r.Normalized["sourceAddress"]
		if len(src) != 1 || src[0] != r.Data[keys[0]].(map[string]any)["ip"] {
			t.Errorf("record %d: normalized sourceAddress = %v", i+1, src)
		}
		if req, _ := r.Data["request"].(string); len(strings.Fields(req)) != 3 && req != "- - - " {
			t.Errorf("record %d: request = %q, want the whole quoted request line", i+1, req)
		}
	}
}

func checkS3Access(t *testing.T, i int, r schema.Record) {
	t.Helper()
	d := r.Data
	if tm, _ := d["time"].(string); !strings.HasSuffix(tm, " +0000") {
		t.Errorf("record %d: time = %#v, want the whole bracketed time", i+1, d["time"])
	}
	if v, ok := d["tls_version"]; !ok || v != "TLSv1.2" {
		t.Errorf("record %d: tls_version = %#v (fields shifted?)", i+1, v)
	}
	if i < 4 && d["requester"] != "arn:aws:sts::123456:assumed-role/AWSServiceRoleForTrustedAdvisor/TrustedAdvisor_627959692251_784ab70b-8cc9-4d37-a2ec-2ff4d0c08af9" {
		t.Errorf("record %d: requester = %#v", i+1, d["requester"])
	}
	if i == 6 {
		if _, ok := d["remote_ip"]; ok {
			t.Errorf("record 7: remote_ip \"-\" kept")
		}
		if d["requester"] != "svc:delivery.logs.amazonaws.com" || d["http_status"] != int64(200) {
			t.Errorf("record 7: requester %#v, http_status %#v", d["requester"], d["http_status"])
		}
	}
}

func checkWebserver(t *testing.T, i int, r schema.Record) {
	t.Helper()
	d := r.Data
	if _, isInt := d["status"].(int64); !isInt {
		t.Errorf("record %d: status = %#v", i+1, d["status"])
	}
	if tm, _ := d["time_local"].(string); len(tm) != len("26/Dec/2016:16:16:28 +0200") {
		t.Errorf("record %d: time_local = %#v", i+1, d["time_local"])
	}
	if ua, ok := d["http_user_agent"].(string); ok && !strings.Contains(ua, "/") {
		t.Errorf("record %d: http_user_agent = %q (fields shifted?)", i+1, ua)
	}
	if len(r.Normalized["sourceAddress"]) != 1 {
		t.Errorf("record %d: normalized sourceAddress = %v", i+1, r.Normalized["sourceAddress"])
	}
}

func checkRoute53(t *testing.T, i int, r schema.Record) {
	t.Helper()
	if got := r.Normalized["domain"]; len(got) != 1 || got[0] != r.Data["query_name"] {
		t.Errorf("record %d: normalized domain = %v", i+1, got)
	}
	if got := r.Normalized["sourceAddress"]; !slices.Equal(got, []any{"172.31.86.159"}) {
		t.Errorf("record %d: normalized sourceAddress = %v", i+1, got)
	}
}

// TestManagedKubernetesEnvelopes: the same audit Event as EKS (CloudWatch
// Logs subscription) and AKS (resource-log records, properties.log a string
// or an object) deliver it classifies as k8s:cloudwatch and k8s:aks with the
// Event as the record. The envelopes follow the CloudWatch Logs and Azure
// Monitor documentation; no public sample of either was found (see
// testdata/real/README.md), so the event is a minimal one.
func TestManagedKubernetesEnvelopes(t *testing.T) {
	set := load(t)
	c := schema.NewClassifier(set)
	const event = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/secrets","verb":"list","user":{"username":"alice"},"sourceIPs":["10.0.0.1"]}`
	quoted := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	tests := []struct{ name, raw, want string }{
		{"EKS via CloudWatch Logs", `{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/eks/c1/cluster","logStream":"kube-apiserver-audit-1","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":` + quoted(event) + `}]}`, "k8s:cloudwatch"},
		{"AKS, log a string", `{"records":[{"time":"t","category":"kube-audit","properties":{"log":` + quoted(event) + `,"stream":"stdout"}}]}`, "k8s:aks"},
		{"AKS, log an object", `{"records":[{"time":"t","category":"kube-audit-admin","properties":{"log":` + event + `}}]}`, "k8s:aks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := c.Classify([]byte(tc.raw), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || recs[0].Type.Name != tc.want || recs[0].Data["verb"] != "list" {
				t.Fatalf("got %d records, first %s %v", len(recs), recs[0].Type.Name, recs[0].Data)
			}
			if got := recs[0].Normalized["userName"]; !slices.Equal(got, []any{"alice"}) {
				t.Errorf("normalized userName = %v", got)
			}
		})
	}
	// A document with a record that is not an audit event does not
	// classify as AKS audit at all: nothing is dropped silently.
	mixed := `{"records":[{"category":"kube-audit","properties":{"log":` + quoted(event) + `}},{"category":"kube-apiserver","properties":{"log":"I0101 started"}}]}`
	aks, _ := set.Resolve([]string{"k8s:aks"})
	if recs, err := c.Classify([]byte(mixed), aks); err == nil {
		t.Errorf("mixed document classified: %v", recs)
	}
}

// checkGCPSetIamPolicy: normalization reaches into the open protoPayload.
func checkGCPSetIamPolicy(t *testing.T, _ int, r schema.Record) {
	t.Helper()
	want := map[string][]any{
		"userName":      {"made-up-ci-account@project-id.iam.gserviceaccount.com"},
		"sourceAddress": {"192.168.0.1"},
		"eventName":     {"SetIamPolicy"},
	}
	for k, v := range want {
		if got := r.Normalized[k]; !slices.Equal(got, v) {
			t.Errorf("normalized %s = %v, want %v", k, got, v)
		}
	}
}

func checkEntraSignin(t *testing.T, _ int, r schema.Record) {
	t.Helper()
	if got := r.Normalized["userName"]; !slices.Equal(got, []any{"test@elastic.co"}) {
		t.Errorf("normalized userName = %v", got)
	}
	if got := r.Normalized["sourceAddress"]; !slices.Equal(got, []any{"81.2.69.144"}) {
		t.Errorf("normalized sourceAddress = %v", got)
	}
}

func checkFDRProcess(t *testing.T, _ int, r schema.Record) {
	t.Helper()
	if cmd, ok := r.Data["CommandLine"].(string); !ok || !slices.Equal(r.Normalized["command"], []any{cmd}) {
		t.Errorf("normalized command = %v, CommandLine %#v", r.Normalized["command"], r.Data["CommandLine"])
	}
}

// checkZeekConn: the dotted 4-tuple keys are fields of their own, typed.
func checkZeekConn(t *testing.T, i int, r schema.Record) {
	t.Helper()
	if _, ok := r.Data["id.resp_p"].(int64); !ok {
		t.Errorf("record %d: id.resp_p = %#v, want an integer", i+1, r.Data["id.resp_p"])
	}
	if got := r.Normalized["sourceAddress"]; len(got) != 1 || got[0] != r.Data["id.orig_h"] {
		t.Errorf("record %d: normalized sourceAddress = %v", i+1, got)
	}
}

// checkJournald: the address fields are coerced to integers (microseconds),
// the host and the command line are normalized, and MESSAGE keeps what
// journalctl wrote, a string or (not UTF-8) a list of byte values.
func checkJournald(t *testing.T, i int, r schema.Record) {
	t.Helper()
	if ts, ok := r.Data["__REALTIME_TIMESTAMP"].(int64); !ok || ts < 1e15 {
		t.Errorf("record %d: __REALTIME_TIMESTAMP = %#v, want microseconds as an integer", i+1, r.Data["__REALTIME_TIMESTAMP"])
	}
	if got := r.Normalized["hostName"]; len(got) != 1 || got[0] != r.Data["_HOSTNAME"] {
		t.Errorf("record %d: normalized hostName = %v, want [%v]", i+1, got, r.Data["_HOSTNAME"])
	}
	if cmd, ok := r.Data["_CMDLINE"]; ok {
		if got := r.Normalized["command"]; len(got) != 1 || got[0] != cmd {
			t.Errorf("record %d: normalized command = %v, want [%v]", i+1, got, cmd)
		}
	}
	switch m := r.Data["MESSAGE"].(type) {
	case string:
	case []any:
		if len(m) == 0 {
			t.Errorf("record %d: MESSAGE is an empty list", i+1)
		}
	default:
		t.Errorf("record %d: MESSAGE = %#v, want a string or a list of bytes", i+1, m)
	}
}
