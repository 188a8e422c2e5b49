package sigma

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// sigmaRule wraps a detection (YAML lines indented by 4) in a CloudTrail
// Sigma rule.
func sigmaRule(detection string) string {
	return `title: Test Rule
id: 00000000-0000-0000-0000-000000000001
status: test
description: A test.
author: tester
logsource:
    product: aws
    service: cloudtrail
detection:
` + detection + `
level: high
`
}

// fires converts src and evaluates the rule on CloudTrail records (JSON
// objects merged into a minimal event) with the engine.
func fires(t *testing.T, set *schema.Set, src string, records ...string) []bool {
	t.Helper()
	c := NewConverter(Options{Schemas: set})
	rs := c.Convert("t.yml", []byte(src))
	if len(rs) != 1 || !rs[0].Converted() {
		t.Fatalf("not converted: %v", rs[0].Refusal)
	}
	var b strings.Builder
	b.Write(rs[0].YAML)
	b.WriteString("tests:\n")
	for i, r := range records {
		rec := map[string]any{"eventVersion": "1.09", "eventTime": "2024-05-06T10:00:00Z", "awsRegion": "us-east-1",
			"eventSource": "s3.amazonaws.com", "eventName": "ListBuckets"}
		if err := json.Unmarshal([]byte("{"+r+"}"), &rec); err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(rec)
		fmt.Fprintf(&b, "  - description: case %d\n    log_type: cloudtrail:events\n    record: %s\n    trigger: true\n", i, js)
	}
	ruleset, ds := lint.Load(fstest.MapFS{"r.yaml": &fstest.MapFile{Data: []byte(b.String())}}, lint.Options{Schemas: set})
	if ruleset == nil || ds.HasErrors() {
		t.Fatalf("does not load: %v\n%s", ds, b.String())
	}
	var out []bool
	for _, r := range ruleset.RunTests(schema.NewClassifier(set)) {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Description, r.Err)
		}
		out = append(out, r.Actual)
	}
	return out
}

// TestSemantics checks each Sigma construct on records that must and must
// not match, evaluated by the engine.
func TestSemantics(t *testing.T) {
	set := shippedSchemas(t)
	cases := []struct {
		name      string
		detection string
		records   []string
		want      []bool
	}{
		{"equality is case-insensitive", "    sel:\n        eventName: 'deletetrail'\n    condition: sel",
			[]string{`"eventName":"DeleteTrail"`, `"eventName":"DeleteTrails"`}, []bool{true, false}},
		{"a list is an OR", "    sel:\n        eventName: [StopLogging, DeleteTrail]\n    condition: sel",
			[]string{`"eventName":"StopLogging"`, `"eventName":"DeleteTrail"`, `"eventName":"StartLogging"`}, []bool{true, true, false}},
		{"a map is an AND", "    sel:\n        eventName: ConsoleLogin\n        errorMessage: Failed authentication\n    condition: sel",
			[]string{`"eventName":"ConsoleLogin","errorMessage":"Failed authentication"`, `"eventName":"ConsoleLogin"`}, []bool{true, false}},
		{"a list of maps is an OR of ANDs", "    sel:\n        - eventName: A\n          errorCode: X\n        - eventName: B\n    condition: sel",
			[]string{`"eventName":"A","errorCode":"X"`, `"eventName":"A"`, `"eventName":"B"`}, []bool{true, false, true}},
		{"contains, startswith, endswith", "    a:\n        userAgent|contains: 'boto'\n    b:\n        eventName|startswith: 'Delete'\n    c:\n        eventName|endswith: 'Bucket'\n    condition: a and b and c",
			[]string{`"userAgent":"Boto3/1.34","eventName":"DeleteBucket"`, `"userAgent":"Boto3/1.34","eventName":"CreateBucket"`, `"userAgent":"aws-cli","eventName":"DeleteBucket"`}, []bool{true, false, false}},
		{"wildcards * and ?, escaped \\*", "    sel:\n        eventName: 'Get*Polic?'\n        userAgent: 'a\\*b*'\n    condition: sel",
			[]string{`"eventName":"GetBucketPolicy","userAgent":"a*bc"`, `"eventName":"GetBucketPolicies","userAgent":"a*bc"`, `"eventName":"GetBucketPolicy","userAgent":"axbc"`}, []bool{true, false, false}},
		{"all", "    sel:\n        userAgent|contains|all: [aws-cli, linux]\n    condition: sel",
			[]string{`"userAgent":"aws-cli/2 Linux/6"`, `"userAgent":"aws-cli/2 Darwin/23"`}, []bool{true, false}},
		{"re is case-sensitive, re|i is not", "    a:\n        userAgent|re: '^Boto3/[0-9]'\n    b:\n        eventName|re|i: '^get'\n    condition: a and b",
			[]string{`"userAgent":"Boto3/1","eventName":"GetObject"`, `"userAgent":"boto3/1","eventName":"GetObject"`}, []bool{true, false}},
		{"cidr", "    sel:\n        sourceIPAddress|cidr: ['10.0.0.0/8', '2001:db8::/32']\n    condition: not sel",
			[]string{`"sourceIPAddress":"10.1.2.3"`, `"sourceIPAddress":"2001:db8::1"`, `"sourceIPAddress":"198.51.100.7"`, `"sourceIPAddress":"s3.amazonaws.com"`}, []bool{false, false, true, true}},
		{"exists and null", "    a:\n        errorCode|exists: true\n    b:\n        errorMessage: null\n    condition: a and b",
			[]string{`"errorCode":"AccessDenied"`, `"errorCode":"AccessDenied","errorMessage":"no"`, `"eventName":"x"`}, []bool{true, false, false}},
		{"base64 and base64offset", "    a:\n        requestParameters.data|base64: 'hello'\n    b:\n        requestParameters.blob|base64offset|contains: '/bin/bash'\n    condition: a or b",
			[]string{`"requestParameters":{"data":"aGVsbG8="}`, `"requestParameters":{"data":"AGVSBG8="}`, `"requestParameters":{"blob":"ZWNobyAvYmluL2Jhc2g="}`, `"requestParameters":{"blob":"eCAvYmluL2Jhc2g="}`, `"requestParameters":{"blob":"ZWNobyBoaQ=="}`}, []bool{true, false, true, true, false}},
		{"windash", "    sel:\n        userAgent|windash|contains: ' -enc '\n    condition: sel",
			[]string{`"userAgent":"ps -enc x"`, `"userAgent":"ps /enc x"`, `"userAgent":"ps \u2013enc x"`, `"userAgent":"ps enc x"`}, []bool{true, true, true, false}},
		{"cased", "    sel:\n        eventName|cased: 'DeleteTrail'\n    condition: sel",
			[]string{`"eventName":"DeleteTrail"`, `"eventName":"deletetrail"`}, []bool{true, false}},
		{"1 of, all of, them, not, parentheses", "    sel_a:\n        eventName: A\n    sel_b:\n        errorCode: X\n    filter:\n        userAgent: ok\n    condition: (1 of sel_* and not filter) or all of them",
			[]string{`"eventName":"A"`, `"errorCode":"X","userAgent":"ok"`, `"eventName":"A","errorCode":"X","userAgent":"ok"`, `"eventName":"C"`}, []bool{true, false, true, false}},
		{"numbers compare as Sigma writes them", "    sel:\n        requestParameters.maxResults: 1000\n    condition: sel",
			[]string{`"requestParameters":{"maxResults":1000}`, `"requestParameters":{"maxResults":"1000"}`, `"requestParameters":{"maxResults":100}`}, []bool{true, true, false}},
		{"fieldref", "    sel:\n        userIdentity.userName|fieldref: requestParameters.userName\n    condition: sel",
			[]string{`"userIdentity":{"userName":"Alice"},"requestParameters":{"userName":"alice"}`, `"userIdentity":{"userName":"alice"},"requestParameters":{"userName":"bob"}`, `"userIdentity":{"userName":"alice"}`}, []bool{true, false, false}},
		{"keyword-free map key with a list condition", "    a:\n        eventName: A\n    b:\n        eventName: B\n    condition:\n        - a\n        - b",
			[]string{`"eventName":"A"`, `"eventName":"B"`, `"eventName":"C"`}, []bool{true, true, false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := fires(t, set, sigmaRule(tc.detection), tc.records...)
			if !slices.Equal(got, tc.want) {
				t.Errorf("fired %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRefusals checks that constructs which cannot be translated exactly
// refuse the rule, at the position of the construct, with the reason.
func TestRefusals(t *testing.T) {
	set := shippedSchemas(t)
	cases := []struct {
		name, src, want string
	}{
		{"aggregation", sigmaRule("    sel:\n        eventName: A\n    condition: sel | count() by userIdentity.arn > 5"), `t.yml:12:16: aggregation "| count() by userIdentity.arn > 5" is not supported`},
		{"near", sigmaRule("    a:\n        eventName: A\n    b:\n        eventName: B\n    condition: a near b"), `t.yml:14:16: near is not supported`},
		{"unknown modifier", sigmaRule("    sel:\n        eventName|sounds_like: A\n    condition: sel"), `t.yml:11:9: eventName|sounds_like: unknown value modifier "sounds_like"`},
		{"numeric modifier", sigmaRule("    sel:\n        requestParameters.n|gt: 5\n    condition: sel"), `t.yml:11:9: requestParameters.n|gt: numeric modifier "gt" is not supported`},
		{"regexp RE2 cannot run", sigmaRule("    sel:\n        userAgent|re: '(?<=x)y'\n    condition: sel"), `t.yml:11:9: userAgent|re: regular expression "(?<=x)y" is not RE2 syntax`},
		{"bad CIDR", sigmaRule("    sel:\n        sourceIPAddress|cidr: 10.0.0.0/33\n    condition: sel"), `t.yml:11:9: sourceIPAddress|cidr: bad CIDR "10.0.0.0/33"`},
		{"timeframe", sigmaRule("    sel:\n        eventName: A\n    timeframe: 5m\n    condition: sel"), `t.yml:12:5: timeframe is not supported`},
		{"unknown selection", sigmaRule("    sel:\n        eventName: A\n    condition: sel and filter"), `t.yml:12:16: condition names "filter", which is not a selection of the detection`},
		{"2 of", sigmaRule("    sel1:\n        eventName: A\n    sel2:\n        eventName: B\n    condition: 2 of sel*"), `"2" of is not supported`},
		{"field not in the schema", sigmaRule("    sel:\n        eventNmae: A\n    condition: sel"), `t.yml:11:9: the converted rule does not lint: unknown field "record.eventNmae"`},
		{"keywords without a keyword field", sigmaRule("    keywords:\n        - evil\n    condition: keywords"), `t.yml:11:9: keyword search (values without a field) is not mapped for aws_cloudtrail`},
		{"unmapped logsource", strings.Replace(sigmaRule("    sel:\n        Image: x\n    condition: sel"), "product: aws\n    service: cloudtrail", "product: windows\n    category: wmi_event", 1), `t.yml:6:1: logsource product=windows category=wmi_event is not mapped to a log type`},
		{"unmapped field of a closed mapping", strings.Replace(sigmaRule("    sel:\n        Image: x\n        TargetImage: y\n    condition: sel"), "product: aws\n    service: cloudtrail", "product: windows\n    category: process_creation", 1), `t.yml:12:9: field "TargetImage" is not mapped for windows_process_creation`},
		{"unknown level", strings.Replace(sigmaRule("    sel:\n        eventName: A\n    condition: sel"), "level: high", "level: severe", 1), `unknown level "severe"`},
		{"correlation", "title: x\ncorrelation:\n    type: event_count\n", `t.yml:2:1: correlation rules are not supported`},
		{"not YAML", "title: [x\n", `t.yml:1`},
		{"no detection", "title: x\nlogsource:\n    product: aws\n    service: cloudtrail\n", `t.yml:1:1: the rule has no detection mapping`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewConverter(Options{Schemas: set})
			rs := c.Convert("t.yml", []byte(tc.src))
			if len(rs) != 1 {
				t.Fatalf("%d results", len(rs))
			}
			if rs[0].Converted() {
				t.Fatalf("converted, want refused:\n%s", rs[0].YAML)
			}
			if got := rs[0].Refusal.String(); !strings.Contains(got, tc.want) {
				t.Errorf("refusal\n  %s\nwant it to contain\n  %s", got, tc.want)
			}
		})
	}
}

// TestRuleShape checks what a converted rule keeps from the Sigma rule.
func TestRuleShape(t *testing.T) {
	set := shippedSchemas(t)
	src := `title: AWS Thing Deleted (Test)
id: 11111111-2222-3333-4444-555555555555
status: experimental
description: Detects a thing.
references:
    - https://example.com/ref
author: Jane Doe
tags:
    - attack.defense-evasion
    - attack.t1562.008
    - cve.2024-0001
logsource:
    product: aws
    service: cloudtrail
detection:
    sel:
        eventName: DeleteThing
    condition: sel
falsepositives:
    - Admins
level: informational
`
	c := NewConverter(Options{Schemas: set})
	r := c.Convert("rules/thing.yml", []byte(src))[0]
	if !r.Converted() {
		t.Fatal(r.Refusal)
	}
	y := string(r.YAML)
	for _, want := range []string{
		"name: aws_thing_deleted_test\n",
		"severity: info\n",
		"tags: [attack.defense_evasion, attack.t1562.008, cve.2024-0001]\n",
		"sigma_id: 11111111-2222-3333-4444-555555555555\n",
		"sigma_author: Jane Doe\n",
		"sigma_file: thing.yml\n",
		"- https://example.com/ref\n",
		"False positives:\n  - Admins\n",
		"log_types: [cloudtrail]\n",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("converted rule lacks %q:\n%s", want, y)
		}
	}
	formatted, err := lint.Format(r.YAML)
	if err != nil || string(formatted) != y {
		t.Errorf("converted rule is not in ruleck fmt form (err %v)", err)
	}
	// A second rule with the same title gets another name.
	r2 := c.Convert("rules/thing2.yml", []byte(src))[0]
	if !r2.Converted() || r2.Name == r.Name {
		t.Errorf("second rule named %q, first %q", r2.Name, r.Name)
	}
}
