package engine

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/schema"
)

// benchLibrary is shared by the generated rules: lists and matchers as a
// real rule pack would have them.
const benchLibrary = `lists:
  admins: [alice, bob, carol, dave, erin, frank]
  corp: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "2001:db8::/32"]
  shells: ["*/bash", "*/sh", "*/zsh", "*/nc*"]
  sensitive_events: [ConsoleLogin, CreateUser, DeleteTrail, StopLogging, PutBucketPolicy, CreateAccessKey]
matchers:
  osq_login: record.name == "logged_in_users"
  osq_added: record.action == "added"
  ct_error: record.errorCode != nil
  ct_external: not in_cidr(record.sourceIPAddress, lists.corp)
`

// osqueryRule returns the i-th generated osquery rule: a mix of equality,
// list membership, CIDR, glob and regexp conditions, most of which do not
// fire on the benchmark record.
func osqueryRule(i int, logType string) string {
	conds := []string{
		`record.columns.user == "user%d" && record.hostIdentifier == "h1"`,
		`record.columns.user not in lists.admins && record.columns.uid == "%d"`,
		`in_cidr(record.columns.host, lists.corp) && record.columns.tty == "pts/%d"`,
		`glob(record.columns.shell, lists.shells) && record.unixTime == %d`,
		`record.columns.cmd matches "^curl .*evil%d"`,
		`any(normalized.userName, # == "user%d")`,
		`record.name == "query_%d" && record.columns.user startsWith "adm"`,
		`in_cidr(record.columns.host, ["8.8.%d.0/24", "1.1.1.1"])`,
	}
	matchers := []string{"[osq_login]", "[osq_login, osq_added]", "[]", "[osq_added]"}
	return fmt.Sprintf("name: %s_%03d\nlog_types: [%s]\nmatchers: %s\nreq_subkeys: {columns: [user]}\ncondition: |\n  %s\noutputs: [slack:security]\nseverity: medium\n",
		strings.ReplaceAll(strings.ReplaceAll(logType, ":", "_"), ".", "_"), i, logType,
		matchers[i%len(matchers)], fmt.Sprintf(conds[i%len(conds)], i%256))
}

func cloudtrailRule(i int) string {
	conds := []string{
		`record.eventName == "Event%d" && record.eventSource == "iam.amazonaws.com"`,
		`record.eventName in lists.sensitive_events && record.awsRegion == "region-%d"`,
		`record.userIdentity?.type == "Root" && record.eventName == "Op%d"`,
		`any(normalized.sourceAddress, in_cidr(#, "203.0.%d.0/24"))`,
		`record.userAgent matches "^aws-cli/%d\\."`,
		`(record.requestParameters?.bucketName ?? "") == "bucket-%d"`,
		`glob(record.eventName, ["Delete*%d", "Stop*%d"])`,
		`record.errorCode == "AccessDenied%d"`,
	}
	matchers := []string{"[ct_external]", "[]", "[ct_error]", "[]"}
	c := conds[i%len(conds)]
	if strings.Count(c, "%d") == 2 {
		c = fmt.Sprintf(c, i, i)
	} else {
		c = fmt.Sprintf(c, i%256)
	}
	return fmt.Sprintf("name: cloudtrail_%03d\nlog_types: [cloudtrail:events]\nmatchers: %s\ncondition: |\n  %s\nseverity: high\n",
		i, matchers[i%len(matchers)], c)
}

const benchSchemas = testSchemas + `
cloudtrail:bench:
  parser: json
  schema:
    eventName: string
    eventSource: string
    sourceIPAddress: string
    awsRegion: string
    userAgent: string
    userIdentity: {}
    requestParameters: {}
    errorCode: string
  configuration:
    optional_top_level_keys: [requestParameters, errorCode]
    normalization:
      sourceAddress:
        - {path: [sourceIPAddress]}
`

func benchSet(b *testing.B, extra string) *schema.Set {
	set, diags := schema.Load(fstest.MapFS{"s.yaml": {Data: []byte(benchSchemas + extra)}})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	return set
}

func benchEvaluate(b *testing.B, rs *Ruleset, rec schema.Record, wantAlerts int) {
	src := Source{Service: "kinesis", Entity: "stream"}
	if n := len(rs.Evaluate(rec, src)); n != wantAlerts {
		b.Fatalf("%d alerts, want %d", n, wantAlerts)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rs.Evaluate(rec, src)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

const benchOsqLine = `{"name": "logged_in_users", "hostIdentifier": "h1", "unixTime": 1700000000, "action": "added",
 "columns": {"user": "mallory", "uid": "1001", "host": "10.1.2.3", "tty": "pts/1", "shell": "/bin/fish", "cmd": "curl http://example.com"}}`

const benchCTLine = `{"eventName": "ConsoleLogin", "eventSource": "signin.amazonaws.com", "sourceIPAddress": "198.51.100.7",
 "awsRegion": "us-east-1", "userAgent": "Mozilla/5.0", "userIdentity": {"type": "IAMUser", "userName": "mallory"},
 "requestParameters": {"bucketName": "logs"}}`

// BenchmarkEvaluateOsquery: 100 generated rules apply to the record's log
// type; one fires.
func BenchmarkEvaluateOsquery(b *testing.B) {
	set := benchSet(b, "")
	files := map[string]string{"lib.yaml": benchLibrary}
	for i := range 100 {
		files[fmt.Sprintf("osq/%03d.yaml", i)] = osqueryRule(i, "osquery:differential")
	}
	files["osq/fires.yaml"] = "name: fires\nlog_types: [osquery]\nmatchers: [osq_login]\ncondition: record.columns.user == 'mallory'\n"
	rs := mustBuild(b, files, Options{Schemas: set})
	benchEvaluate(b, rs, classify(b, set, "osquery:differential", benchOsqLine), 1)
}

// BenchmarkEvaluateCloudTrail: 100 generated rules apply to the record's log
// type; one fires.
func BenchmarkEvaluateCloudTrail(b *testing.B) {
	set := benchSet(b, "")
	files := map[string]string{"lib.yaml": benchLibrary}
	for i := range 100 {
		files[fmt.Sprintf("ct/%03d.yaml", i)] = strings.Replace(cloudtrailRule(i), "cloudtrail:events", "cloudtrail:bench", 1)
	}
	files["ct/fires.yaml"] = "name: fires\nlog_types: [cloudtrail:bench]\nmatchers: [ct_external]\ncondition: record.eventName in lists.sensitive_events\n"
	rs := mustBuild(b, files, Options{Schemas: set})
	benchEvaluate(b, rs, classify(b, set, "cloudtrail:bench", benchCTLine), 1)
}

// tenTypes declares bench:t0 ... bench:t9, shaped like osquery results.
func tenTypes() string {
	var sb strings.Builder
	for i := range 10 {
		fmt.Fprintf(&sb, "bench:t%d:\n  parser: json\n  schema:\n    name: string\n    hostIdentifier: string\n    unixTime: integer\n    action: string\n    kind%d: string\n    columns: {}\n", i, i)
	}
	return sb.String()
}

func thousandRules() map[string]string {
	files := map[string]string{"lib.yaml": benchLibrary}
	for i := range 1000 {
		files[fmt.Sprintf("r/%04d.yaml", i)] = osqueryRule(i, fmt.Sprintf("bench:t%d", i%10))
	}
	return files
}

// BenchmarkEvaluate1000Rules10Types: 1000 rules over 10 log types; a record
// meets only its type's 100.
func BenchmarkEvaluate1000Rules10Types(b *testing.B) {
	set := benchSet(b, tenTypes())
	rs := mustBuild(b, thousandRules(), Options{Schemas: set})
	line := strings.Replace(benchOsqLine, `"action"`, `"kind3": "x", "action"`, 1)
	benchEvaluate(b, rs, classify(b, set, "bench:t3", line), 0)
}

// BenchmarkCompile1000Rules: parse and compile 1000 rules (Build).
func BenchmarkCompile1000Rules(b *testing.B) {
	set := benchSet(b, tenTypes())
	fsys := rulesFS(thousandRules())
	b.ReportAllocs()
	for b.Loop() {
		if rs, diags := Build(fsys, Options{Schemas: set}); rs == nil {
			b.Fatal(diags)
		}
	}
}
