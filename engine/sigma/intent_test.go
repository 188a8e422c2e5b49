package sigma

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/engine/testenv"
)

// intentCase is a Sigma rule with a record its intent matches and one it
// does not. A record is a raw log line (classified first) when it does not
// start with "{", else a parsed record of logType. Records follow the shapes
// of the project's schemas and testdata/real samples.
type intentCase struct {
	file    string // "shared:" (../shared/sigma/rules) or testdata/sigma relative path
	logType string // for parsed records of family rules
	match   string
	quiet   string
}

// ct builds a CloudTrail event with the required keys and the given ones.
func ct(extra string) string {
	base := `"eventVersion":"1.09","eventTime":"2024-05-06T10:00:00Z","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","eventID":"9f1c4c55-1b7e-4b5b-9c1a-7e0a2f7e2d11","eventType":"AwsApiCall","recipientAccountId":"111122223333"`
	return "{" + base + "," + extra + "}"
}

func okta(extra string) string {
	return `{"uuid":"7f6c1c5e-0b1a-11ef-9a3c-2b1f0b9b6a11","published":"2024-05-06T10:00:00.000Z","version":"0","severity":"INFO","actor":{"id":"00u1a2b3c4","type":"User","alternateId":"alice@example.com","displayName":"Alice"},"client":{"ipAddress":"198.51.100.7"},"outcome":{"result":"SUCCESS"},` + extra + `}`
}

func k8s(extra string) string {
	return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"4f2b8c1e-6a7d-4f7e-9a0b-1c2d3e4f5a6b","stage":"ResponseComplete","user":{"username":"alice@example.com","groups":["system:authenticated"]},"sourceIPs":["198.51.100.7"],"requestReceivedTimestamp":"2024-05-06T10:00:00.000000Z","stageTimestamp":"2024-05-06T10:00:00.050000Z",` + extra + `}`
}

func gh(extra string) string {
	return `{"@timestamp":1714989600000,"_document_id":"Qm9vdHN0cmFw","actor":"alice","actor_ip":"198.51.100.7","org":"example-org","created_at":1714989600000,` + extra + `}`
}

func sysmon1(image, cmdline, extra string) string {
	ed := map[string]string{"Image": image, "CommandLine": cmdline, "ParentImage": `C:\Windows\System32\cmd.exe`, "User": `CORP\alice`, "ProcessId": "6120"}
	if extra != "" {
		ed["OriginalFileName"] = extra
	}
	b, _ := json.Marshal(map[string]any{"@timestamp": "2024-05-06T18:20:00.000Z",
		"winlog": map[string]any{"computer_name": "WS-0142.corp.example.com", "channel": "Microsoft-Windows-Sysmon/Operational", "event_id": "1", "provider_name": "Microsoft-Windows-Sysmon", "event_data": ed}})
	return string(b)
}

var intentCases = []intentCase{
	{file: "shared:cloud/aws/cloudtrail/aws_cloudtrail_bedrock_guardrail_deleted.yml", logType: "cloudtrail:events",
		match: ct(`"eventSource":"bedrock.amazonaws.com","eventName":"DeleteGuardrail","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}`),
		quiet: ct(`"eventSource":"bedrock.amazonaws.com","eventName":"GetGuardrail","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}`)},
	{file: "shared:cloud/aws/cloudtrail/aws_cloudtrail_console_login_failed_authentication.yml", logType: "cloudtrail:events",
		match: ct(`"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"}`),
		quiet: ct(`"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","responseElements":{"ConsoleLogin":"Success"}`)},
	{file: "shared:cloud/aws/cloudtrail/aws_root_account_usage.yml", logType: "cloudtrail:events",
		match: ct(`"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root"}`),
		quiet: ct(`"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}`)},
	{file: "shared:cloud/aws/cloudtrail/aws_update_login_profile.yml", logType: "cloudtrail:events",
		match: ct(`"eventSource":"iam.amazonaws.com","eventName":"UpdateLoginProfile","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory"},"requestParameters":{"userName":"alice"}`),
		quiet: ct(`"eventSource":"iam.amazonaws.com","eventName":"UpdateLoginProfile","userIdentity":{"type":"IAMUser","arn":"ARN:AWS:IAM::111122223333:USER/ALICE"},"requestParameters":{"userName":"arn:aws:iam::111122223333:user/alice"}`)},
	{file: "shared:cloud/aws/cloudtrail/aws_cloudtrail_pua_trufflehog.yml", logType: "cloudtrail:events",
		match: ct(`"eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","userAgent":"TruffleHog"`),
		quiet: ct(`"eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","userAgent":"aws-cli/2.15.0 Python/3.11.6"`)},
	{file: "shared:linux/auditd/execve/lnx_auditd_susp_cmds.yml",
		match: `type=EXECVE msg=audit(1714989600.123:4711): argc=3 a0="chmod" a1="777" a2="/tmp/x"`,
		quiet: `type=EXECVE msg=audit(1714989600.123:4712): argc=3 a0="chmod" a1="644" a2="/tmp/x"`},
	{file: "shared:linux/auditd/execve/lnx_auditd_binary_padding.yml",
		match: `type=EXECVE msg=audit(1714989600.123:4713): argc=4 a0="truncate" a1="-s" a2="+5M" a3="/tmp/payload"`,
		quiet: `type=EXECVE msg=audit(1714989600.123:4714): argc=4 a0="dd" a1="if=/dev/zero" a2="of=/tmp/img" a3="bs=1M"`},
	{file: "shared:linux/auditd/path/lnx_auditd_auditing_config_change.yml",
		match: `type=PATH msg=audit(1714989600.123:4715): item=0 name="/etc/audit/auditd.conf" inode=1311 dev=fd:00 mode=0100640 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL`,
		quiet: `type=PATH msg=audit(1714989600.123:4716): item=0 name="/etc/hosts" inode=1312 dev=fd:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL`},
	{file: "cloud/okta/okta_api_token_created.yml", logType: "okta:systemlog",
		match: okta(`"eventType":"system.api_token.create","displayMessage":"Create API token"`),
		quiet: okta(`"eventType":"system.api_token.revoke","displayMessage":"Revoke API token"`)},
	{file: "cloud/okta/okta_password_in_alternateid_field.yml", logType: "okta:systemlog",
		match: `{"uuid":"1","published":"2024-05-06T10:00:00.000Z","eventType":"user.session.start","legacyEventType":"core.user_auth.login_failed","actor":{"id":"unknown","type":"User","alternateId":"Summer2024!"}}`,
		quiet: `{"uuid":"2","published":"2024-05-06T10:00:00.000Z","eventType":"user.session.start","legacyEventType":"core.user_auth.login_failed","actor":{"id":"00u1","type":"User","alternateId":"alice@example.com"}}`},
	{file: "cloud/github/github_delete_action_invoked.yml",
		match: gh(`"action":"repo.destroy","operation_type":"remove","repo":"example-org/payments"`),
		quiet: gh(`"action":"repo.create","operation_type":"create","repo":"example-org/payments"`)},
	{file: "cloud/github/github_push_protection_bypass_detected.yml",
		match: gh(`"action":"secret_scanning_push_protection.bypass","repo":"example-org/payments"`),
		quiet: gh(`"action":"secret_scanning_alert.create","repo":"example-org/payments"`)},
	{file: "application/kubernetes/audit/kubernetes_audit_exec_into_container.yml", logType: "k8s:audit",
		match: k8s(`"requestURI":"/api/v1/namespaces/default/pods/web-0/exec?command=sh","verb":"create","objectRef":{"resource":"pods","namespace":"default","name":"web-0","subresource":"exec","apiVersion":"v1"},"responseStatus":{"code":101}`),
		quiet: k8s(`"requestURI":"/api/v1/namespaces/default/pods/web-0/log","verb":"get","objectRef":{"resource":"pods","namespace":"default","name":"web-0","subresource":"log","apiVersion":"v1"},"responseStatus":{"code":200}`)},
	{file: "application/kubernetes/audit/kubernetes_audit_unauthorized_unauthenticated_actions.yml", logType: "k8s:audit",
		match: k8s(`"requestURI":"/api/v1/secrets","verb":"list","objectRef":{"resource":"secrets","apiVersion":"v1"},"responseStatus":{"code":403,"status":"Failure","reason":"Forbidden"}`),
		quiet: k8s(`"requestURI":"/api/v1/secrets","verb":"list","objectRef":{"resource":"secrets","apiVersion":"v1"},"responseStatus":{"code":200}`)},
	{file: "linux/builtin/sshd/lnx_sshd_susp_ssh.yml",
		match: `May  6 10:00:00 bastion-1 sshd[2211]: fatal: buffer_get_string: bad string length 1048576`,
		quiet: `May  6 10:00:01 bastion-1 sshd[2212]: Accepted publickey for alice from 198.51.100.7 port 50122 ssh2: ED25519 SHA256:abc`},
	{file: "cloud/gcp/audit/gcp_service_account_key_created.yml",
		match: `{"insertId":"1","logName":"projects/p1/logs/cloudaudit.googleapis.com%2Factivity","timestamp":"2024-05-06T10:00:00Z","protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"iam.googleapis.com","methodName":"google.iam.admin.v1.IAM.serviceAccounts.keys.create","authenticationInfo":{"principalEmail":"alice@example.com"}}}`,
		quiet: `{"insertId":"2","logName":"projects/p1/logs/cloudaudit.googleapis.com%2Factivity","timestamp":"2024-05-06T10:00:00Z","protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"iam.googleapis.com","methodName":"google.iam.admin.v1.IAM.serviceAccounts.keys.list","authenticationInfo":{"principalEmail":"alice@example.com"}}}`},
	{file: "cloud/gcp/gworkspace/admin/gcp_gworkspace_mfa_disabled.yml",
		match: `{"kind":"admin#reports#activity","id":{"time":"2024-05-06T10:00:00.000Z","uniqueQualifier":"-1","applicationName":"admin","customerId":"C01"},"actor":{"email":"admin@example.com"},"events":[{"type":"SECURITY_SETTINGS","name":"ENFORCE_STRONG_AUTHENTICATION","parameters":[{"name":"ORG_UNIT_NAME","value":"/"},{"name":"NEW_VALUE","value":"false"},{"name":"OLD_VALUE","value":"true"}]}]}`,
		quiet: `{"kind":"admin#reports#activity","id":{"time":"2024-05-06T10:00:00.000Z","uniqueQualifier":"-2","applicationName":"admin","customerId":"C01"},"actor":{"email":"admin@example.com"},"events":[{"type":"SECURITY_SETTINGS","name":"ENFORCE_STRONG_AUTHENTICATION","parameters":[{"name":"ORG_UNIT_NAME","value":"/"},{"name":"NEW_VALUE","value":"true"},{"name":"OLD_VALUE","value":"false"}]}]}`},
	{file: "cloud/azure/activity_logs/azure_keyvault_modified_or_deleted.yml",
		match: `{"time":"2024-05-06T10:00:00Z","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","operationName":"MICROSOFT.KEYVAULT/VAULTS/DELETE","category":"Administrative","resultType":"Success","callerIpAddress":"198.51.100.7"}`,
		quiet: `{"time":"2024-05-06T10:00:00Z","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","operationName":"MICROSOFT.KEYVAULT/VAULTS/READ","category":"Administrative","resultType":"Success","callerIpAddress":"198.51.100.7"}`},
	{file: "cloud/m365/exchange/microsoft365_exchange_inbox_rule_exfil_forwarding.yml",
		match: `{"Id":"5d2a","RecordType":1,"CreationTime":"2024-05-06T10:00:00","Operation":"New-InboxRule","OrganizationId":"o1","UserType":0,"UserKey":"alice@example.com","Workload":"Exchange","ResultStatus":"True","ObjectId":"alice","UserId":"alice@example.com","ClientIP":"198.51.100.7","Parameters":[{"Name":"Name","Value":"sync"},{"Name":"ForwardTo","Value":"drop@evil.example"}]}`,
		quiet: `{"Id":"5d2b","RecordType":1,"CreationTime":"2024-05-06T10:00:00","Operation":"New-InboxRule","OrganizationId":"o1","UserType":0,"UserKey":"alice@example.com","Workload":"Exchange","ResultStatus":"True","ObjectId":"alice","UserId":"alice@example.com","ClientIP":"198.51.100.7","Parameters":[{"Name":"Name","Value":"newsletters"},{"Name":"MoveToFolder","Value":"News"}]}`},
	{file: "windows/process_creation/proc_creation_win_7zip_password_compression.yml",
		match: sysmon1(`C:\Program Files\7-Zip\7z.exe`, `7z.exe a -pS3cret C:\Users\Public\out.7z C:\Users\alice\Documents`, "7z.exe"),
		quiet: sysmon1(`C:\Program Files\7-Zip\7z.exe`, `7z.exe x C:\Users\alice\Downloads\setup.7z`, "7z.exe")},
	{file: "windows/process_creation/proc_creation_win_amsi_disable.yml",
		match: sysmon1(`C:\Windows\System32\reg.exe`, `reg.exe add "HKCU\Software\Microsoft\Windows Script\Settings" /v AmsiEnable /t REG_DWORD /d 0 /f`, "reg.exe"),
		quiet: sysmon1(`C:\Windows\System32\reg.exe`, `reg.exe add "HKCU\Software\Microsoft\Windows Script\Settings" /v AmsiEnable /t REG_DWORD /d 0x1 /f`, "reg.exe")},
	{file: "windows/process_creation/proc_creation_win_anydesk_silent_install.yml",
		match: sysmon1(`C:\Users\alice\Downloads\AnyDesk.exe`, `AnyDesk.exe --install "C:\Program Files (x86)\AnyDesk" --start-with-win --silent`, ""),
		quiet: sysmon1(`C:\Users\alice\Downloads\AnyDesk.exe`, `AnyDesk.exe --install "C:\Program Files (x86)\AnyDesk"`, "")},
}

// yamlQuote quotes s as a YAML single-quoted scalar.
func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestIntent converts each Sigma rule of intentCases, adds a test that its
// intent fires on and one it stays quiet on, and runs them with the engine
// (raw lines are classified first; records are checked against the schema
// as classified records are). The tests must lint clean: a record that does
// not fit its log type is a failure.
func TestIntent(t *testing.T) {
	set := shippedSchemas(t)
	shared := testenv.Shared(t, "sigma/rules")
	if len(intentCases) < 20 {
		t.Fatalf("%d intent cases, want at least 20", len(intentCases))
	}
	for _, tc := range intentCases {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			path := filepath.Join("..", "..", "testdata", "sigma", tc.file)
			if rel, ok := strings.CutPrefix(tc.file, "shared:"); ok {
				path = filepath.Join(shared, rel)
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c := NewConverter(Options{Schemas: set})
			rs := c.Convert(filepath.Base(path), src)
			if len(rs) != 1 || !rs[0].Converted() {
				t.Fatalf("not converted: %+v", rs[0].Refusal)
			}
			var b strings.Builder
			b.Write(rs[0].YAML)
			b.WriteString("tests:\n")
			for _, x := range []struct {
				rec     string
				trigger bool
			}{{tc.match, true}, {tc.quiet, false}} {
				desc := map[bool]string{true: "the Sigma rule's intent", false: "a similar benign event"}[x.trigger]
				b.WriteString("  - description: " + desc + "\n")
				if strings.HasPrefix(x.rec, "{") {
					if tc.logType != "" {
						b.WriteString("    log_type: " + tc.logType + "\n")
					}
					b.WriteString("    record: " + x.rec + "\n")
				} else {
					b.WriteString("    raw: " + yamlQuote(x.rec) + "\n")
				}
				b.WriteString("    trigger: " + map[bool]string{true: "true", false: "false"}[x.trigger] + "\n")
			}
			fsys := fstest.MapFS{rs[0].Name + ".yaml": &fstest.MapFile{Data: []byte(b.String())}}
			ruleset, ds := lint.Load(fsys, lint.Options{Schemas: set})
			for _, d := range ds {
				if d.Code != "no-outputs" {
					t.Errorf("%s", d)
				}
			}
			if ruleset == nil {
				t.Fatalf("rule did not load:\n%s", b.String())
			}
			results := ruleset.RunTests(schema.NewClassifier(set))
			if len(results) != 2 {
				t.Fatalf("%d results, want 2", len(results))
			}
			for _, r := range results {
				if !r.Passed() {
					t.Errorf("%s: want trigger %v, got %v (err %v)\n%s", r.Description, r.Expected, r.Actual, r.Err, b.String())
				}
			}
		})
	}
}
