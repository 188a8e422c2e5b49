package terraform_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The checks above pass on this folder; these tests show they catch what
// they are for, so a passing TestHCL or TestTerraformPlan means something.

// wantProblems fails t unless every substring in want is in one of the
// collected problems, and nothing is collected when want is empty.
func wantProblems(t *testing.T, c *collector, want ...string) {
	t.Helper()
	if len(want) == 0 && len(c.problems) > 0 {
		t.Errorf("unexpected problems:\n%s", strings.Join(c.problems, "\n"))
	}
	for _, w := range want {
		found := false
		for _, p := range c.problems {
			if strings.Contains(p, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem mentions %q; got:\n%s", w, strings.Join(c.problems, "\n"))
		}
	}
}

func TestCheckStatement(t *testing.T) {
	for _, tc := range []struct {
		name                                string
		effect                              string
		actions, notActions, resources, not []string
		want                                []string
	}{
		{name: "exact", actions: []string{"s3:GetObject"}, resources: []string{"arn:aws:s3:::b/p/*"}},
		{name: "service wildcard", actions: []string{"s3:*"}, resources: []string{"arn:aws:s3:::b"}, want: []string{`wildcard action "s3:*"`}},
		{name: "prefix wildcard", actions: []string{"s3:Get*"}, resources: []string{"arn:aws:s3:::b"}, want: []string{`wildcard action "s3:Get*"`}},
		{name: "star resource", actions: []string{"sqs:SendMessage"}, resources: []string{"*"}, want: []string{`resource "*" for sqs:SendMessage`}},
		{name: "xray may", actions: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, resources: []string{"*"}},
		{name: "mixed with xray", actions: []string{"xray:PutTraceSegments", "kms:Decrypt"}, resources: []string{"*"}, want: []string{`resource "*" for kms:Decrypt`}},
		{name: "not action", actions: []string{"s3:GetObject"}, notActions: []string{"s3:DeleteObject"}, want: []string{"NotAction"}},
		{name: "deny is not a grant", effect: "Deny", actions: []string{"s3:*"}, resources: []string{"*"}},
		{name: "no actions", resources: []string{"arn:aws:s3:::b"}, want: []string{"without actions"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collector{T: t}
			checkStatement(c, "test", tc.effect, tc.actions, tc.notActions, tc.resources, tc.not)
			wantProblems(t, c, tc.want...)
		})
	}
}

func TestCheckEnv(t *testing.T) {
	for _, tc := range []struct {
		name, fn string
		env      []string
		want     []string
	}{
		{name: "rules with bucket", fn: "rules", env: []string{"RULES_BUCKET", "RULES_PREFIX", "RULES_REFRESH", "ALERTS_QUEUE_URL", "ALERTS_STATE_TABLE", "DEAD_LETTER_BUCKET", "DEAD_LETTER_PREFIX"}},
		{name: "rules with queue", fn: "rules", env: []string{"RULES_BUCKET", "RULES_PREFIX", "RULES_REFRESH", "ALERTS_QUEUE_URL", "ALERTS_STATE_TABLE", "DEAD_LETTER_QUEUE_URL"}},
		{name: "rules both", fn: "rules", env: []string{"RULES_BUCKET", "RULES_PREFIX", "RULES_REFRESH", "ALERTS_QUEUE_URL", "ALERTS_STATE_TABLE", "DEAD_LETTER_QUEUE_URL", "DEAD_LETTER_BUCKET"}, want: []string{"both"}},
		{name: "rules missing", fn: "rules", env: []string{"RULES_BUCKET", "RULES_PREFIX", "ALERTS_QUEUE_URL", "ALERTS_STATE_TABLE", "DEAD_LETTER_QUEUE_URL"}, want: []string{"missing [RULES_REFRESH]"}},
		{name: "alerts extra", fn: "alerts", env: []string{"ALERTS_QUEUE_URL", "ALERTS_STATE_TABLE", "RULES_BUCKET", "RULES_PREFIX", "LOG_LEVEL"}, want: []string{"not in the contract [LOG_LEVEL]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collector{T: t}
			checkEnv(c, "test", tc.fn, tc.env)
			wantProblems(t, c, tc.want...)
		})
	}
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEnvAgainstCode(t *testing.T) {
	root := t.TempDir()
	c := &collector{T: t}
	if _, ok := lambdaEnvReads(c, root); ok {
		t.Fatal("no lambda/ folder, yet reads were found")
	}
	writeFiles(t, root, map[string]string{
		"lambda/rules/main.go": `package main

import "os"

const bucketVar = "RULES_BUCKET"

func main() {
	_ = os.Getenv(bucketVar)
	_, _ = os.LookupEnv("ALERTS_QUEUE_URL")
	_ = envOr("RULES_REFRESH", "60s")
	_ = os.Getenv("AWS_REGION")
}

func envOr(k, d string) string { return d }
`,
		"lambda/alerts/main.go": `package main

import "os"

type config struct {
	Table string ` + "`env:\"ALERTS_STATE_TABLE\"`" + `
}

func main() { _ = os.Getenv("LOG_LEVEL") }
`,
		"lambda/internal/rulesfn/env.go": `package rulesfn

func FromEnv(getenv func(string) string) string { return getenv("RULES_PREFIX") }
`,
		"lambda/internal/env/env.go": `package env

import "os"

func Prefix() string { return os.Getenv("RULES_PREFIX") }
`,
		"lambda/rules/main_test.go": `package main

import "os"

var _ = os.Getenv("ONLY_IN_TESTS")
`,
	})
	reads, ok := lambdaEnvReads(c, root)
	if !ok {
		t.Fatal("lambda/ not found")
	}
	for fn, names := range map[string][]string{"rules": {"RULES_BUCKET", "ALERTS_QUEUE_URL", "RULES_REFRESH", "RULES_PREFIX"}, "alerts": {"ALERTS_STATE_TABLE", "LOG_LEVEL"}, "": {"RULES_PREFIX"}} {
		if missing, extra := diff(setOf(names), keys(reads[fn])); len(missing)+len(extra) > 0 {
			t.Errorf("%q reads: missing %v, extra %v", fn, missing, extra)
		}
	}
	checkEnvAgainstCode(c, root, "test", map[string][]string{
		"rules":  {"RULES_BUCKET", "RULES_PREFIX", "RULES_REFRESH", "ALERTS_QUEUE_URL", "DEAD_LETTER_QUEUE_URL"},
		"alerts": {"ALERTS_STATE_TABLE", "RULES_BUCKET", "RULES_PREFIX"},
	})
	wantProblems(t, c,
		"reads LOG_LEVEL but Terraform does not set it for the alerts function",
		"sets DEAD_LETTER_QUEUE_URL for the rules function but no code",
		"sets RULES_BUCKET for the alerts function but no code",
	)
	if len(c.problems) != 3 {
		t.Errorf("want 3 problems, got:\n%s", strings.Join(c.problems, "\n"))
	}
}

func keys(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// A module that gets wrong everything the HCL checks look at.
func TestHCLChecksCatch(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"bad/main.tf": `
terraform {
  required_version = ">= 1.0"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 4.0" }
  }
}

variable "x" {
  type = string
}

resource "aws_s3_bucket" "loose" {
  bucket = "b"
}

resource "aws_s3_bucket_public_access_block" "p" {
  bucket                  = "b"
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_sqs_queue" "alerts" {
  name = "a"
}

resource "aws_lambda_function" "f" {
  function_name    = "f"
  runtime          = "go1.x"
  handler          = "bootstrap"
  source_code_hash = "abc"
}

resource "aws_lambda_event_source_mapping" "m" {
  function_name    = "f"
  event_source_arn = "arn"
}

resource "aws_dynamodb_table" "t" {
  name         = "t"
  billing_mode = "PROVISIONED"
  hash_key     = "pk"
  range_key    = "sk"
  ttl {
    attribute_name = "ttl"
    enabled        = true
  }
}

data "aws_iam_policy_document" "role" {
  statement {
    actions   = ["s3:*"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = [1]
    content {
      actions   = ["sqs:SendMessage"]
      resources = ["*"]
    }
  }
}

data "aws_iam_policy_document" "bucket" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = data.aws_iam_policy_document.bucket.json
}
`})
	c := &collector{T: t}
	mods := loadModules(c, dir)
	m := mods["bad"]
	if m == nil {
		t.Fatalf("module not loaded: %v", mods)
	}
	checkModule(c, "bad", m)
	checkResources(c, m)
	checkIdentityPolicies(c, m)
	wantProblems(t, c,
		`required_version = ">= 1.0"`,
		"want source hashicorp/aws, version ~> 5.100",
		`variable "x" has no description`,
		"a bucket outside modules/bucket",
		"block_public_policy = false",
		"resource [aws_sqs_queue alerts] has no kms_master_key_id",
		"has no redrive_policy",
		`runtime = "go1.x"`,
		"source_code_hash should be filebase64sha256",
		"function without tracing_config",
		"has no function_response_types",
		`billing_mode = "PROVISIONED"`,
		`attribute_name = "ttl"`,
		"table without point_in_time_recovery",
		`wildcard action "s3:*"`,
		`resource "*" for sqs:SendMessage`,
	)
	for _, p := range c.problems {
		if strings.Contains(p, "aws_iam_policy_document.bucket)") {
			t.Errorf("the bucket policy (a resource policy) was checked as an identity policy: %s", p)
		}
	}
}

func TestMetricsAgainstCode(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"lambda/internal/rulesfn/f.go": `package rulesfn

type counters struct{}

func (counters) Add(name string, n float64, dims ...string) {}

type fn struct{ metrics counters }

func (f fn) run(src, rule string) {
	f.metrics.Add("UnclassifiedRecords", 1, "Source", src)
	f.metrics.Add("RuleErrors", 1, "Rule", rule)
	f.metrics.Add("RulesetReloadFailures", 1)
	var other counters
	other.Add("NotAMetric", 1)
}
`})
	c := &collector{T: t}
	emitted, ok := lambdaMetrics(c, root)
	if !ok || len(emitted) != 3 || emitted["UnclassifiedRecords"]["Source"] == "" || emitted["RulesetReloadFailures"][""] == "" {
		t.Fatalf("emitted = %v", emitted)
	}
	checkMetricsAgainstCode(c, root, "test", map[string][]string{
		"StreamAlert/UnclassifiedRecords":   {"Source"},
		"StreamAlert/RuleErrors":            {},
		"StreamAlert/RulesetReloadFailures": {},
		"StreamAlert/DeliveryFailures":      {"Output"},
		"AWS/Lambda/Errors":                 nil,
	})
	wantProblems(t, c, "the alarm on StreamAlert/RuleErrors sums over dimensions []; the code emits it with [Rule]",
		"StreamAlert/DeliveryFailures, which no code under lambda/ emits")
	if len(c.problems) != 2 {
		t.Errorf("want 2 problems, got:\n%s", strings.Join(c.problems, "\n"))
	}
}
