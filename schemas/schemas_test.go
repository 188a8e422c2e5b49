package schemas_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/schemas"
)

// wantTypes is every log type the embedded schemas must define.
var wantTypes = []string{
	"alb:access",
	"auditd:log",
	"azure:activity",
	"azure:entra_audit",
	"azure:entra_signin",
	"cloudflare:audit",
	"cloudflare:http_request",
	"cloudfront:access",
	"cloudtrail:cloudwatch",
	"cloudtrail:eventbridge",
	"cloudtrail:events",
	"cloudtrail_digest:files",
	"cloudtrail_insights:events",
	"config:change",
	"config:oversized",
	"config:scheduled",
	"crowdstrike:event",
	"crowdstrike:process",
	"duo:administrator",
	"duo:authentication",
	"elb:classic",
	"gcp:audit",
	"github:audit",
	"gsuite:reports",
	"guardduty:api_finding",
	"guardduty:finding",
	"journald:entry",
	"json:generic",
	"k8s:aks",
	"k8s:audit",
	"k8s:cloudwatch",
	"k8s:gke",
	"m365:audit",
	"okta:eventbridge",
	"okta:systemlog",
	"onepassword:audit_event",
	"onepassword:item_usage",
	"onepassword:signin_attempt",
	"osquery:batch",
	"osquery:differential",
	"osquery:snapshot",
	"osquery:status",
	"route53:resolver",
	"s3:access",
	"securityhub:eventbridge",
	"securityhub:finding",
	"slack:audit",
	"suricata:alert",
	"suricata:dns",
	"suricata:eve",
	"suricata:flow",
	"suricata:http",
	"suricata:tls",
	"syslog:generic",
	"syslog:sshd",
	"vpcflow:custom",
	"vpcflow:json",
	"vpcflow:nodata",
	"vpcflow:v2",
	"waf:webacl",
	"webserver:access",
	"windows:security",
	"windows:sysmon",
	"zeek:conn",
	"zeek:dns",
	"zeek:http",
	"zeek:notice",
	"zeek:ssl",
}

// wantExamples maps each file of ../examples/logs to the number of records of
// each log type it must yield. Every file there must be listed.
var wantExamples = map[string]map[string]int{
	"osquery.jsonl": {
		"osquery:differential": 10,
		"osquery:snapshot":     1,
		"osquery:batch":        1,
		"osquery:status":       2,
	},
	"cloudtrail.json":              {"cloudtrail:events": 16},
	"cloudtrail-cloudwatch.json":   {"cloudtrail:cloudwatch": 3},
	"cloudtrail-eventbridge.jsonl": {"cloudtrail:eventbridge": 4},
	"guardduty.jsonl":              {"guardduty:finding": 4},
	"vpcflow.log":                  {"vpcflow:v2": 17, "vpcflow:nodata": 2},
	"vpcflow-cloudwatch.json":      {"vpcflow:json": 3},
	"auth.log":                     {"syslog:sshd": 28, "syslog:generic": 8},
	"audit.log":                    {"auditd:log": 57},
	"github.jsonl":                 {"github:audit": 8},
	"okta.jsonl":                   {"okta:systemlog": 6},
	"duo.jsonl":                    {"duo:authentication": 5, "duo:administrator": 3},
	"gsuite.jsonl":                 {"gsuite:reports": 5},
	"k8s-audit.jsonl":              {"k8s:audit": 6},
	"alb.log":                      {"alb:access": 7},
	"elb.log":                      {"elb:classic": 6},
	"cloudfront.log":               {"cloudfront:access": 4},
	"s3-access.log":                {"s3:access": 4},
	"waf.jsonl":                    {"waf:webacl": 4},
	"route53-resolver.jsonl":       {"route53:resolver": 6},
	"securityhub.jsonl":            {"securityhub:finding": 2, "securityhub:eventbridge": 2},
	"config.jsonl":                 {"config:change": 4, "config:scheduled": 1},
	"webserver-access.log":         {"webserver:access": 6},
	"gcp-audit.jsonl":              {"gcp:audit": 6},
	"azure.jsonl":                  {"azure:activity": 5, "azure:entra_audit": 1, "azure:entra_signin": 2},
	"slack.jsonl":                  {"slack:audit": 4},
	"cloudflare.jsonl":             {"cloudflare:audit": 3, "cloudflare:http_request": 1},
	"crowdstrike-fdr.jsonl":        {"crowdstrike:event": 3, "crowdstrike:process": 3},
	"zeek.jsonl":                   {"zeek:conn": 10, "zeek:dns": 7, "zeek:http": 7, "zeek:ssl": 10, "zeek:notice": 4},
	"suricata-eve.jsonl":           {"suricata:alert": 2, "suricata:dns": 1, "suricata:http": 3, "suricata:tls": 3, "suricata:flow": 3, "suricata:eve": 2},
	"windows.jsonl":                {"windows:security": 8, "windows:sysmon": 5},
	"onepassword.jsonl":            {"onepassword:signin_attempt": 2, "onepassword:item_usage": 2, "onepassword:audit_event": 2},
	"m365.jsonl":                   {"m365:audit": 8},
	"okta-eventbridge.jsonl":       {"okta:eventbridge": 1},
	"journald.jsonl":               {"journald:entry": 15},
}

func load(t *testing.T) *schema.Set {
	t.Helper()
	set, diags := schema.Load(schemas.FS)
	if len(diags) > 0 || set == nil {
		t.Fatalf("schema.Load(schemas.FS) = %d diagnostics:\n%v", len(diags), diags)
	}
	return set
}

func TestLoad(t *testing.T) {
	set := load(t)
	if got := set.Names(); !slices.Equal(got, wantTypes) {
		t.Errorf("log types:\n got %q\nwant %q", got, wantTypes)
	}
	// Every embedded file is a schema file: nothing else is shipped there.
	files, err := fs.Glob(schemas.FS, "*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".yaml") {
			t.Errorf("embedded file %s is not a .yaml schema", f)
		}
	}
}

// TestNormalization checks that the types rules lean on provide the
// normalized types they are documented to provide.
func TestNormalization(t *testing.T) {
	set := load(t)
	tests := []struct {
		logType string
		want    []string
	}{
		{"osquery:differential", []string{"command", "destinationAddress", "sourceAddress", "userName"}},
		{"cloudtrail:events", []string{"eventName", "sourceAddress", "userAgent", "userName"}},
		{"cloudtrail:cloudwatch", []string{"eventName", "sourceAddress", "userAgent", "userName"}},
		{"cloudtrail:eventbridge", []string{"eventName", "sourceAddress", "userAgent", "userName"}},
		{"guardduty:finding", []string{"destinationPort", "sourceAddress", "userName"}},
		{"vpcflow:v2", []string{"destinationAddress", "destinationPort", "sourceAddress", "sourcePort"}},
		{"vpcflow:json", []string{"destinationAddress", "destinationPort", "sourceAddress", "sourcePort"}},
		{"auditd:log", []string{"command", "sourceAddress", "userName"}},
		{"syslog:sshd", []string{"hostName"}},
		{"github:audit", []string{"eventName", "sourceAddress", "userAgent", "userName"}},
		{"okta:systemlog", []string{"eventName", "sourceAddress", "userAgent", "userName"}},
		{"duo:authentication", []string{"sourceAddress", "userName"}},
		{"duo:administrator", []string{"userName"}},
		{"gsuite:reports", []string{"sourceAddress", "userName"}},
		{"k8s:audit", []string{"eventName", "sourceAddress", "userAgent", "userName"}},
		{"alb:access", []string{"destinationAddress", "domain", "sourceAddress", "url", "userAgent"}},
		{"elb:classic", []string{"destinationAddress", "sourceAddress", "url", "userAgent"}},
		{"cloudfront:access", []string{"domain", "sourceAddress", "url", "userAgent"}},
		{"s3:access", []string{"domain", "sourceAddress", "url", "userAgent", "userName"}},
		{"webserver:access", []string{"sourceAddress", "url", "userAgent", "userName"}},
		{"waf:webacl", []string{"sourceAddress", "url"}},
		{"route53:resolver", []string{"domain", "sourceAddress"}},
		{"securityhub:finding", []string{"sourceAccount"}},
		{"config:change", []string{"region", "sourceAccount"}},
		{"journald:entry", []string{"command", "hostName", "processName", "userName"}},
	}
	for _, tt := range tests {
		t.Run(tt.logType, func(t *testing.T) {
			lt := set.Get(tt.logType)
			if lt == nil {
				t.Fatalf("no log type %s", tt.logType)
			}
			got := lt.NormalizedTypes()
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("normalized types %q lack %q", got, w)
				}
			}
		})
	}
}

type classified struct {
	line int
	rec  schema.Record
}

func (c classified) logType() string { return c.rec.Type.Name }

// classifyFile reads one example file as a source would and classifies
// every record against all the embedded log types.
func classifyFile(t *testing.T, set *schema.Set, name string, data []byte) []classified {
	t.Helper()
	var out []classified
	c := schema.NewClassifier(set)
	err := payload.Read(bytes.NewReader(data), payload.Options{}, func(raw payload.Raw) error {
		if raw.Err != nil {
			t.Errorf("line %d: rejected by payload: %v", raw.Line, raw.Err)
			return nil
		}
		recs, err := c.Classify(raw.Data, nil)
		if err != nil {
			t.Errorf("line %d: %v\n\t%s", raw.Line, err, clip(raw.Data))
			return nil
		}
		for _, r := range recs {
			out = append(out, classified{line: raw.Line, rec: r})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("payload.Read: %v", err)
	}
	return out
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func examplesDir(t *testing.T) fs.FS {
	t.Helper()
	if _, err := os.Stat("../examples/logs"); err != nil {
		t.Fatalf("examples folder: %v", err)
	}
	return os.DirFS("../examples/logs")
}

func TestExamplesClassify(t *testing.T) {
	set := load(t)
	dir := examplesDir(t)
	names, err := fs.Glob(dir, "*")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if name == "README.md" {
			continue
		}
		if _, ok := wantExamples[name]; !ok {
			t.Errorf("examples/%s is not listed in wantExamples", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(wantExamples)) {
		want := wantExamples[name]
		t.Run(name, func(t *testing.T) {
			data, err := fs.ReadFile(dir, name)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, r := range classifyFile(t, set, name, data) {
				got[r.logType()]++
			}
			if !maps.Equal(got, want) {
				t.Errorf("log types: got %v, want %v", got, want)
			}
		})
	}
}

// TestExampleValues spot-checks that values come out with the declared
// types, which rules compare against (numbers, not strings).
func TestExampleValues(t *testing.T) {
	set := load(t)
	dir := examplesDir(t)
	tests := []struct {
		file string
		idx  int // index of the record in the file's classified records
		path []string
		want any
	}{
		{"osquery.jsonl", 0, []string{"columns", "user"}, "alice"},
		{"osquery.jsonl", 0, []string{"unixTime"}, int64(1709632801)},
		{"osquery.jsonl", 0, []string{"numerics"}, false},
		{"osquery.jsonl", 12, []string{"line"}, int64(85)},
		{"cloudtrail.json", 2, []string{"userIdentity", "type"}, "Root"},
		{"cloudtrail.json", 2, []string{"additionalEventData", "MFAUsed"}, "No"},
		{"cloudtrail.json", 8, []string{"eventName"}, "AuthorizeSecurityGroupIngress"},
		{"cloudtrail-cloudwatch.json", 1, []string{"eventName"}, "ConsoleLogin"},
		{"cloudtrail-cloudwatch.json", 1, []string{"streamalert:envelope_keys", "logGroup"}, "aws-cloudtrail-logs-123456789012-org"},
		{"cloudtrail-eventbridge.jsonl", 2, []string{"eventName"}, "StopLogging"},
		{"cloudtrail-eventbridge.jsonl", 2, []string{"streamalert:envelope_keys", "detail-type"}, "AWS API Call via CloudTrail"},
		{"guardduty.jsonl", 0, []string{"detail", "severity"}, float64(8)},
		{"guardduty.jsonl", 2, []string{"detail", "severity"}, float64(2)},
		{"vpcflow.log", 12, []string{"dstport"}, int64(4444)},
		{"vpcflow.log", 12, []string{"action"}, "ACCEPT"},
		{"vpcflow.log", 17, []string{"srcport"}, "-"},
		{"vpcflow-cloudwatch.json", 1, []string{"dstport"}, int64(4444)},
		{"vpcflow-cloudwatch.json", 1, []string{"streamalert:envelope_keys", "logStream"}, "eni-0a9b8c7d6e5f40312"},
		{"auth.log", 0, []string{"application"}, "sshd"},
		{"auth.log", 0, []string{"host"}, "web-1"},
		{"auth.log", 0, []string{"pid"}, int64(20805)},
		{"audit.log", 6, []string{"type"}, "SYSCALL"},
		{"audit.log", 6, []string{"pid"}, int64(20850)},
		{"audit.log", 7, []string{"a0"}, "ls"},
		{"github.jsonl", 3, []string{"action"}, "org.disable_two_factor_requirement"},
		{"github.jsonl", 3, []string{"@timestamp"}, int64(1709636500123)},
		{"okta.jsonl", 3, []string{"eventType"}, "user.mfa.factor.reset_all"},
		{"duo.jsonl", 5, []string{"action"}, "admin_login"},
		{"duo.jsonl", 0, []string{"timestamp"}, int64(1709632801)},
		{"k8s-audit.jsonl", 2, []string{"objectRef", "subresource"}, "exec"},
	}
	byFile := map[string][]classified{}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d/%s", tt.file, tt.idx, strings.Join(tt.path, ".")), func(t *testing.T) {
			recs, ok := byFile[tt.file]
			if !ok {
				data, err := fs.ReadFile(dir, tt.file)
				if err != nil {
					t.Fatal(err)
				}
				recs = classifyFile(t, set, tt.file, data)
				byFile[tt.file] = recs
			}
			if tt.idx >= len(recs) {
				t.Fatalf("only %d records classified", len(recs))
			}
			var v any = recs[tt.idx].rec.Data
			for _, k := range tt.path {
				m, ok := v.(map[string]any)
				if !ok {
					t.Fatalf("%s: not a mapping at %q (%T)", tt.file, k, v)
				}
				v = m[k]
			}
			if v != tt.want {
				t.Errorf("got %#v (%T), want %#v (%T)", v, v, tt.want, tt.want)
			}
		})
	}
}

// TestCatchAllLoses checks that json:generic only takes JSON objects no
// specific type accepts.
func TestCatchAllLoses(t *testing.T) {
	set := load(t)
	c := schema.NewClassifier(set)
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"any object", `{"anything": 1, "else": [true]}`, "json:generic"},
		{"specific type wins", `{"action":"admin_login","description":"{}","isotimestamp":"2024-03-05T09:55:00+00:00","object":null,"timestamp":1709632500,"username":"dave"}`, "duo:administrator"},
		// duo:administrator keeps undeclared keys: a field Duo adds does not
		// send the record to the catch-all, which declares none of its keys.
		{"drifted record of an open type", `{"action":"admin_login","description":"{}","timestamp":1709632500,"username":"dave","extra":1}`, "duo:administrator"},
		// osquery:status is closed: a key osquery does not send falls to the
		// catch-all.
		{"drifted record of a closed type", `{"hostIdentifier":"h","calendarTime":"c","unixTime":"1","severity":"0","filename":"f","line":"1","message":"m","version":"5","extra":1}`, "json:generic"},
		{"empty object", `{}`, "json:generic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := c.Classify([]byte(tt.raw), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.Type.Name)
			}
			if !slices.Equal(got, []string{tt.want}) {
				t.Errorf("got %q, want [%s]", got, tt.want)
			}
		})
	}
}
