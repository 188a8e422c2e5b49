package terraform_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/testenv"
)

// providerMirror is where the machine image keeps hashicorp/aws for offline
// use (../shared/LOCAL-AWS.md); STREAMALERT_TF_PLUGINS overrides it.
func providerMirror() string {
	if p := os.Getenv("STREAMALERT_TF_PLUGINS"); p != "" {
		return p
	}
	return "/opt/tf-plugins"
}

// cliConfig installs providers from the mirror only: with no direct block,
// nothing is fetched from the network.
const cliConfig = `disable_checkpoint = true
provider_installation {
  filesystem_mirror {
    path = %q
  }
}
`

// ciOverride is merged into an example's copy for the plan: dummy
// credentials, the provider's skip flags (nothing reaches AWS), and an
// account ID so that no STS call is needed.
const ciOverride = `provider "aws" {
  access_key                  = "test"
  secret_key                  = "testtesttest"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

module "streamalert" {
  account_id = "123456789012"
}
`

const testAccount = "123456789012"

// tf runs terraform in dir with env and returns its stdout, failing the
// test with its output on error, and on a warning from validate or plan (a
// deprecated argument today is an error in the next provider; init's
// warning that a mirror gives only this platform's checksums is expected).
type tf struct {
	t   *testing.T
	bin string
	env []string
}

func (r tf) run(dir string, args ...string) []byte {
	r.t.Helper()
	cmd := exec.Command(r.bin, args...)
	cmd.Dir = dir
	cmd.Env = r.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		r.t.Fatalf("terraform %s in %s: %v\n%s%s", strings.Join(args, " "), dir, err, stdout.String(), stderr.String())
	}
	if (args[0] == "validate" || args[0] == "plan") && bytes.Contains(append(stdout.Bytes(), stderr.Bytes()...), []byte("Warning:")) {
		r.t.Errorf("terraform %s in %s warns:\n%s%s", strings.Join(args, " "), dir, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

// TestTerraformPlan runs what CI runs when terraform and the provider
// mirror exist: `terraform fmt -check -recursive` on terraform/, then for
// each example, in a copy so that the repository stays clean, `init`
// through the mirror, `validate`, and `plan -refresh=false` with the CI
// override, and checks `terraform show -json` of the plan. Without
// terraform or the mirror (allowed in CI too, ../shared/LOCAL-AWS.md) it
// says so and parses and checks every *.tf with hcl instead.
func TestTerraformPlan(t *testing.T) {
	bin, err := exec.LookPath("terraform")
	mirror := providerMirror()
	if err == nil {
		_, err = os.Stat(mirror)
	}
	if err != nil {
		// Allowed in CI too (../shared/LOCAL-AWS.md), but never as a silent
		// skip: the files are parsed and checked with hcl instead.
		t.Logf("no terraform plan (%v): parsing and checking every *.tf with hcl instead", err)
		hclChecks(t)
		return
	}
	root := testenv.RepoRoot(t)
	tfDir := filepath.Join(root, "terraform")

	tmp := t.TempDir()
	cfg := filepath.Join(tmp, "cli.tfrc")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(cliConfig, mirror)), 0o644); err != nil {
		t.Fatalf("%v", err)
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + cfg, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=testtesttest", "AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "AWS_") {
			continue // the developer's own settings must not leak into the plan
		}
		env = append(env, kv)
	}
	run := tf{t: t, bin: bin, env: env}

	run.run(tfDir, "fmt", "-check", "-recursive", "-diff", "-no-color")

	// Placeholder deployment packages: the plan hashes them; `make package`
	// builds the real ones.
	zips := map[string]string{}
	for _, fn := range []string{"rules", "alerts"} {
		p := filepath.Join(tmp, fn+".zip")
		writeZip(t, p, fn)
		zips[fn] = p
	}

	copyDir := filepath.Join(tmp, "terraform")
	copyTree(t, tfDir, copyDir)
	examples, err := filepath.Glob(filepath.Join(copyDir, "examples", "*"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples under %s", copyDir)
	}
	// Besides the examples, a configuration with every option on.
	examples = append(examples, filepath.Join(copyDir, "testdata", "everything"))
	for _, ex := range examples {
		name := filepath.Base(ex)
		t.Run(name, func(t *testing.T) {
			run := tf{t: t, bin: bin, env: append(append([]string{}, env...), "TF_DATA_DIR="+filepath.Join(tmp, "data-"+name))}
			mustWrite(t, filepath.Join(ex, "ci_override.tf"), ciOverride)
			mustWrite(t, filepath.Join(ex, "ci.auto.tfvars"), fmt.Sprintf("rules_zip_path = %q\nalerts_zip_path = %q\n", zips["rules"], zips["alerts"]))
			run.run(ex, "init", "-input=false", "-no-color")
			run.run(ex, "validate", "-no-color")
			planFile := filepath.Join(tmp, name+".tfplan")
			run.run(ex, "plan", "-refresh=false", "-input=false", "-no-color", "-lock=false", "-out="+planFile)
			var p plan
			if err := json.Unmarshal(run.run(ex, "show", "-json", planFile), &p); err != nil {
				t.Fatalf("terraform show -json: %v", err)
			}
			checkPlan(t, root, name, &p, zips)
		})
	}
}

func mustWrite(t reporter, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatalf("%v", err)
	}
}

func writeZip(t reporter, path, content string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate})
	if err == nil {
		_, err = w.Write([]byte("#!/bin/sh\n# placeholder " + content + "\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatalf("%v", err)
	}
	mustWrite(t, path, buf.String())
}

// copyTree copies the *.tf, *.md and *.yaml files of src to dst, leaving out
// what terraform writes (.terraform, lock files, state, plans).
func copyTree(t reporter, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		switch filepath.Ext(path) {
		case ".tf", ".md", ".yaml":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("%v", err)
	}
}

// plan is the part of `terraform show -json` the checks read.
type plan struct {
	ResourceChanges []struct {
		Address string `json:"address"`
		Mode    string `json:"mode"`
		Type    string `json:"type"`
		Name    string `json:"name"`
		Change  struct {
			Actions      []string       `json:"actions"`
			After        map[string]any `json:"after"`
			AfterUnknown map[string]any `json:"after_unknown"`
		} `json:"change"`
	} `json:"resource_changes"`
	PriorState struct {
		Values struct {
			RootModule stateModule `json:"root_module"`
		} `json:"values"`
	} `json:"prior_state"`
	OutputChanges map[string]struct {
		After any `json:"after"`
	} `json:"output_changes"`
	Configuration struct {
		RootModule configModule `json:"root_module"`
	} `json:"configuration"`
}

type stateModule struct {
	Resources []struct {
		Address string         `json:"address"`
		Mode    string         `json:"mode"`
		Type    string         `json:"type"`
		Name    string         `json:"name"`
		Values  map[string]any `json:"values"`
	} `json:"resources"`
	ChildModules []stateModule `json:"child_modules"`
}

type configModule struct {
	Resources []struct {
		Address string `json:"address"`
		Type    string `json:"type"`
		// An attribute's expression is an object with references; a nested
		// block's is a list.
		Expressions map[string]json.RawMessage `json:"expressions"`
	} `json:"resources"`
	ModuleCalls map[string]struct {
		Module configModule `json:"module"`
	} `json:"module_calls"`
}

// planned is one resource or data source of a plan: its values (planned
// for resources, read or to be read for data sources) and which are
// unknown until apply.
type planned struct {
	Address string
	Type    string
	Name    string
	Data    bool
	Values  map[string]any
	Unknown map[string]any
}

var instanceKey = regexp.MustCompile(`\[("[^"]*"|\d+)\]`)

// modulePath is the module part of an address without instance keys:
// module.a[0].module.b.aws_x.y → module.a.module.b.
func modulePath(addr string) string {
	addr = instanceKey.ReplaceAllString(addr, "")
	parts := strings.Split(addr, ".")
	var out []string
	for i := 0; i+1 < len(parts) && parts[i] == "module"; i += 2 {
		out = append(out, parts[i], parts[i+1])
	}
	return strings.Join(out, ".")
}

// moduleInstance is the module part of an address with instance keys.
func moduleInstance(addr string) string {
	i := strings.LastIndex(addr, ".data.")
	if i < 0 {
		i = strings.LastIndex(addr, ".aws_")
	}
	if i < 0 {
		return ""
	}
	return addr[:i]
}

func (p *plan) all() []planned {
	var out []planned
	seen := map[string]bool{}
	for _, rc := range p.ResourceChanges {
		out = append(out, planned{Address: rc.Address, Type: rc.Type, Name: rc.Name, Data: rc.Mode == "data", Values: rc.Change.After, Unknown: rc.Change.AfterUnknown})
		seen[rc.Address] = true
	}
	var walk func(m stateModule)
	walk = func(m stateModule) {
		for _, r := range m.Resources {
			if !seen[r.Address] {
				out = append(out, planned{Address: r.Address, Type: r.Type, Name: r.Name, Data: r.Mode == "data", Values: r.Values})
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(p.PriorState.Values.RootModule)
	return out
}

func (p *plan) ofType(typ string) []planned {
	var out []planned
	for _, r := range p.all() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// resourcePolicyDocs returns module path + "." + name of every policy
// document a resource policy (key, bucket, topic, queue, trust policy) uses.
func (p *plan) resourcePolicyDocs() map[string]bool {
	out := map[string]bool{}
	var walk func(path string, m configModule)
	walk = func(path string, m configModule) {
		for _, r := range m.Resources {
			attr, ok := resourcePolicyAttrs[r.Type]
			if !ok {
				continue
			}
			var expr struct {
				References []string `json:"references"`
			}
			_ = json.Unmarshal(r.Expressions[attr], &expr) // absent or a block: no references
			for _, ref := range expr.References {
				if name, ok := strings.CutPrefix(instanceKey.ReplaceAllString(ref, ""), "data.aws_iam_policy_document."); ok {
					name, _, _ = strings.Cut(name, ".")
					out[strings.TrimPrefix(path+"."+name, ".")] = true
				}
			}
		}
		for name, c := range m.ModuleCalls {
			walk(strings.TrimPrefix(path+".module."+name, "."), c.Module)
		}
	}
	walk("", p.Configuration.RootModule)
	return out
}

// get follows keys (string for maps, int for lists) into v.
func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any) string { s, _ := v.(string); return s }

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// checkPlan checks one example's plan.
func checkPlan(t reporter, root, example string, p *plan, zips map[string]string) {
	t.Helper()
	byModule := map[string][]planned{}
	for _, r := range p.all() {
		byModule[moduleInstance(r.Address)] = append(byModule[moduleInstance(r.Address)], r)
	}
	find := func(typ, name string) []planned {
		var out []planned
		for _, r := range p.all() {
			if r.Type == typ && (name == "" || r.Name == name) && !r.Data {
				out = append(out, r)
			}
		}
		return out
	}
	one := func(typ, name string) planned {
		t.Helper()
		rs := find(typ, name)
		if len(rs) != 1 {
			t.Fatalf("want one %s.%s, found %d", typ, name, len(rs))
		}
		return rs[0]
	}

	// Event source mappings report batch item failures; the Kinesis one
	// bisects, retries a bounded number of times, and has a destination.
	esms := find("aws_lambda_event_source_mapping", "")
	if len(esms) < 2 {
		t.Errorf("want the Kinesis and the alerts queue event source mappings, found %d", len(esms))
	}
	for _, r := range esms {
		if !setOf(strs(r.Values["function_response_types"]))["ReportBatchItemFailures"] {
			t.Errorf("%s: function_response_types = %v, want ReportBatchItemFailures", r.Address, r.Values["function_response_types"])
		}
		if r.Name == "kinesis" {
			if r.Values["bisect_batch_on_function_error"] != true {
				t.Errorf("%s: bisect_batch_on_function_error is not true", r.Address)
			}
			for _, k := range []string{"maximum_retry_attempts", "maximum_record_age_in_seconds", "batch_size", "parallelization_factor"} {
				if n, ok := r.Values[k].(float64); !ok || n <= 0 {
					t.Errorf("%s: %s = %v", r.Address, k, r.Values[k])
				}
			}
			if get(r.Values, "destination_config", 0, "on_failure", 0, "destination_arn") == nil {
				t.Errorf("%s: no on-failure destination", r.Address)
			}
		}
	}

	// The alerts queue redrives to its dead-letter queue, and its
	// visibility timeout covers the alerts function's timeout six times.
	alerts := one("aws_sqs_queue", "alerts")
	dlq := one("aws_sqs_queue", "alerts_dlq")
	var redrive struct {
		DeadLetterTargetArn string
		MaxReceiveCount     int
	}
	if err := json.Unmarshal([]byte(str(alerts.Values["redrive_policy"])), &redrive); err != nil {
		t.Errorf("alerts queue redrive_policy %q: %v", alerts.Values["redrive_policy"], err)
	}
	if !strings.HasSuffix(redrive.DeadLetterTargetArn, ":"+str(dlq.Values["name"])) || redrive.MaxReceiveCount < 1 {
		t.Errorf("alerts queue redrive policy %+v, want the queue %s", redrive, dlq.Values["name"])
	}
	for _, q := range find("aws_sqs_queue", "") {
		if q.Values["kms_master_key_id"] == nil && get(q.Unknown, "kms_master_key_id") != true {
			t.Errorf("%s: not encrypted", q.Address)
		}
	}
	// The module's own queues refuse requests without TLS.
	tlsOnly := map[string]bool{}
	for _, r := range find("aws_sqs_queue_policy", "tls_only") {
		tlsOnly[r.Address] = true
	}
	for _, d := range p.ofType("aws_iam_policy_document") {
		if d.Name != "queue_tls_only" {
			continue
		}
		if sts := statements(d); len(sts) != 1 || sts[0].effect != "Deny" || !strings.Contains(fmt.Sprint(sts[0].raw["condition"]), "aws:SecureTransport") {
			t.Errorf("%s: not a TLS-only policy: %v", d.Address, d.Values["statement"])
		}
	}
	for _, q := range find("aws_sqs_queue", "") {
		if q.Name == "s3" {
			continue // written to by S3 notifications; its own policy admits the bucket
		}
		if !tlsOnly[fmt.Sprintf("module.streamalert.aws_sqs_queue_policy.tls_only[%q]", q.Name)] {
			t.Errorf("%s: no TLS-only queue policy", q.Address)
		}
	}

	// Functions: provided.al2023, bootstrap, the zip's hash, the contract's
	// environment and nothing else.
	fns := find("aws_lambda_function", "")
	if len(fns) != 2 {
		t.Fatalf("want 2 functions, found %d", len(fns))
	}
	setEnv := map[string][]string{}
	timeouts := map[string]float64{}
	for _, f := range fns {
		name := str(f.Values["function_name"])
		fn := name[strings.LastIndex(name, "-")+1:]
		if f.Values["runtime"] != "provided.al2023" || f.Values["handler"] != "bootstrap" || f.Values["package_type"] != "Zip" {
			t.Errorf("%s: runtime %v handler %v", f.Address, f.Values["runtime"], f.Values["handler"])
		}
		wantArch := "arm64" // the default
		if example == "everything" {
			wantArch = "x86_64"
		}
		if arch := strs(f.Values["architectures"]); len(arch) != 1 || arch[0] != wantArch {
			t.Errorf("%s: architectures %v, want %s", f.Address, arch, wantArch)
		}
		if want := fileHash(t, zips[fn]); f.Values["source_code_hash"] != want {
			t.Errorf("%s: source_code_hash %v, want %s (of %s)", f.Address, f.Values["source_code_hash"], want, zips[fn])
		}
		if get(f.Unknown, "environment", 0, "variables") == true {
			t.Errorf("%s: environment unknown until apply: cannot be checked", f.Address)
		}
		vars, _ := get(f.Values, "environment", 0, "variables").(map[string]any)
		for k := range vars {
			setEnv[fn] = append(setEnv[fn], k)
		}
		checkEnv(t, f.Address, fn, setEnv[fn])
		timeouts[fn], _ = f.Values["timeout"].(float64)
		if fn == "rules" {
			if u := str(vars["ALERTS_QUEUE_URL"]); str(vars["RULES_BUCKET"]) == "" || !strings.HasPrefix(u, "https://sqs.") || !strings.HasSuffix(u, ".amazonaws.com/"+testAccount+"/"+str(alerts.Values["name"])) {
				t.Errorf("%s: RULES_BUCKET %v, ALERTS_QUEUE_URL %v", f.Address, vars["RULES_BUCKET"], vars["ALERTS_QUEUE_URL"])
			}
		}
	}
	checkEnvAgainstCode(t, root, example, setEnv)
	if example != "everything" { // which replaces the dimension names on purpose
		checkMetricsAgainstCode(t, root, example, alarmedMetrics(t, p))
	}
	if v, _ := alerts.Values["visibility_timeout_seconds"].(float64); v < 6*timeouts["alerts"] || timeouts["alerts"] == 0 {
		t.Errorf("alerts queue visibility timeout %v s, alerts function timeout %v s: want at least six times", v, timeouts["alerts"])
	}
	for _, lg := range find("aws_cloudwatch_log_group", "") {
		if n, _ := lg.Values["retention_in_days"].(float64); n <= 0 {
			t.Errorf("%s: no log retention", lg.Address)
		}
	}

	// Every bucket: public access blocked, SSE-KMS, versioned, TLS-only.
	buckets := find("aws_s3_bucket", "")
	if len(buckets) == 0 {
		t.Errorf("no buckets")
	}
	for _, b := range buckets {
		mod := moduleInstance(b.Address)
		kinds := map[string]planned{}
		for _, r := range byModule[mod] {
			kinds[r.Type] = r
		}
		pab, ok := kinds["aws_s3_bucket_public_access_block"]
		for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			if !ok || pab.Values[k] != true {
				t.Errorf("%s: %s is not true", b.Address, k)
			}
		}
		if sse := kinds["aws_s3_bucket_server_side_encryption_configuration"]; get(sse.Values, "rule", 0, "apply_server_side_encryption_by_default", 0, "sse_algorithm") != "aws:kms" {
			t.Errorf("%s: not encrypted with SSE-KMS", b.Address)
		}
		if v := kinds["aws_s3_bucket_versioning"]; get(v.Values, "versioning_configuration", 0, "status") != "Enabled" {
			t.Errorf("%s: not versioned", b.Address)
		}
		if lc := kinds["aws_s3_bucket_lifecycle_configuration"]; get(lc.Values, "rule", 0, "noncurrent_version_expiration", 0, "noncurrent_days") == nil {
			t.Errorf("%s: old versions never expire", b.Address)
		}
		tls := false
		for _, r := range byModule[mod] {
			if r.Type == "aws_iam_policy_document" {
				for _, s := range statements(r) {
					if s.effect == "Deny" && strings.Contains(fmt.Sprint(s.raw["condition"]), "aws:SecureTransport") {
						tls = true
					}
				}
			}
		}
		if _, ok := kinds["aws_s3_bucket_policy"]; !ok || !tls {
			t.Errorf("%s: no TLS-only bucket policy", b.Address)
		}
	}

	// Merge summaries are flushed on a schedule, by the alerts function.
	sched := one("aws_cloudwatch_event_rule", "merge_flush")
	if got := get(sched.Values, "schedule_expression"); got != "rate(1 minute)" {
		t.Errorf("merge flush schedule = %v, want rate(1 minute)", got)
	}
	one("aws_cloudwatch_event_target", "merge_flush")
	if perm := one("aws_lambda_permission", "merge_flush"); get(perm.Values, "principal") != "events.amazonaws.com" {
		t.Errorf("merge flush permission principal = %v", get(perm.Values, "principal"))
	}

	// The alert state table.
	table := one("aws_dynamodb_table", "alert_state")
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"billing_mode"}, "PAY_PER_REQUEST"},
		{[]any{"hash_key"}, "pk"},
		{[]any{"range_key"}, "sk"},
		{[]any{"ttl", 0, "attribute_name"}, "expires_at"},
		{[]any{"ttl", 0, "enabled"}, true},
		{[]any{"point_in_time_recovery", 0, "enabled"}, true},
		{[]any{"server_side_encryption", 0, "enabled"}, true},
	} {
		if got := get(table.Values, c.path...); got != c.want {
			t.Errorf("alert state table %v = %v, want %v", c.path, got, c.want)
		}
	}

	checkPlanPolicies(t, p)
	checkPlanAlarms(t, p)

	// The outputs the issue asks for.
	bucket := str(p.OutputChanges["rules_bucket"].After)
	if bucket == "" {
		t.Errorf("output rules_bucket is not known in the plan")
	}
	if cmd := str(p.OutputChanges["rules_push_command"].After); !strings.HasPrefix(cmd, "streamalert rules push --bucket "+bucket) || bucket == "" {
		t.Errorf("rules_push_command = %q", cmd)
	}
	if _, ok := p.OutputChanges["analysts_policy_arn"]; !ok {
		t.Errorf("no analysts_policy_arn output")
	}

	switch example {
	case "minimal":
		s := one("aws_kinesis_stream", "this")
		if s.Values["encryption_type"] != "KMS" || get(s.Values, "stream_mode_details", 0, "stream_mode") != "ON_DEMAND" {
			t.Errorf("%s: encryption %v, mode %v", s.Address, s.Values["encryption_type"], get(s.Values, "stream_mode_details", 0, "stream_mode"))
		}
	case "existing-stream":
		if n := len(find("aws_kinesis_stream", "")); n != 0 {
			t.Errorf("existing stream: %d streams created", n)
		}
		esm := one("aws_lambda_event_source_mapping", "kinesis")
		if arn := str(esm.Values["event_source_arn"]); !strings.HasSuffix(arn, ":stream/security-logs") {
			t.Errorf("%s: event_source_arn %q, want the existing stream", esm.Address, arn)
		}
		if len(find("aws_sqs_queue", "s3")) != 1 || len(find("aws_s3_bucket_notification", "")) != 1 {
			t.Errorf("existing-stream: want the log bucket's notification queue and notification")
		}
	case "everything":
		checkEverything(t, p, find)
	}
}

func fileHash(t reporter, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

type statement struct {
	effect                                 string
	actions, notActions, resources, notRes []string
	unknownResources                       int
	raw                                    map[string]any
}

// statements returns a policy document's statements as the plan knows them.
func statements(r planned) []statement {
	var out []statement
	list, _ := r.Values["statement"].([]any)
	for i, s := range list {
		m, _ := s.(map[string]any)
		st := statement{effect: str(m["effect"]), actions: strs(m["actions"]), notActions: strs(m["not_actions"]),
			resources: strs(m["resources"]), notRes: strs(m["not_resources"]), raw: m}
		if st.effect == "" {
			st.effect = "Allow"
		}
		if u, ok := get(r.Unknown, "statement", i, "resources").([]any); ok {
			for _, x := range u {
				if x == true {
					st.unknownResources++
				}
			}
		} else if get(r.Unknown, "statement", i, "resources") == true {
			st.unknownResources++
		}
		out = append(out, st)
	}
	return out
}

// checkPlanPolicies checks every identity policy in the plan: each policy
// document no resource policy uses, and each role or managed policy whose
// JSON is known.
func checkPlanPolicies(t reporter, p *plan) {
	t.Helper()
	resourceDocs := p.resourcePolicyDocs()
	if len(resourceDocs) == 0 {
		t.Errorf("found no resource policies in the configuration: the identity/resource split is broken")
	}
	checked := map[string]bool{}
	for _, r := range p.ofType("aws_iam_policy_document") {
		key := strings.TrimPrefix(modulePath(r.Address)+"."+r.Name, ".")
		if resourceDocs[key] {
			continue
		}
		for i, s := range statements(r) {
			checkStatement(t, fmt.Sprintf("%s statement %d (%s)", r.Address, i, str(s.raw["sid"])), s.effect, s.actions, s.notActions, s.resources, s.notRes)
			if len(s.resources) == 0 && s.unknownResources == 0 {
				t.Errorf("%s statement %d: no resources", r.Address, i)
			}
			if p, _ := s.raw["principals"].([]any); len(p) > 0 {
				t.Errorf("%s statement %d: an identity policy with principals", r.Address, i)
			}
		}
		checked[key] = true
	}
	for _, want := range []string{"module.streamalert.rules", "module.streamalert.alerts", "module.streamalert.analysts",
		"module.streamalert.module.rules_function.runtime", "module.streamalert.module.alerts_function.runtime"} {
		if !checked[want] {
			t.Errorf("identity policy document %s was not checked (checked: %v)", want, sorted(checked))
		}
	}
	// Role policies and managed policies whose JSON the plan knows.
	for _, typ := range []string{"aws_iam_role_policy", "aws_iam_policy"} {
		for _, r := range p.ofType(typ) {
			doc, ok := r.Values["policy"].(string)
			if !ok {
				continue // computed from a key ARN: its document was checked above
			}
			var pol struct {
				Statement []struct {
					Effect      string
					Action      any
					NotAction   any
					Resource    any
					NotResource any
				}
			}
			if err := json.Unmarshal([]byte(doc), &pol); err != nil {
				t.Errorf("%s: policy: %v", r.Address, err)
				continue
			}
			for i, s := range pol.Statement {
				checkStatement(t, fmt.Sprintf("%s statement %d", r.Address, i), s.Effect, oneOrMany(s.Action), oneOrMany(s.NotAction), oneOrMany(s.Resource), oneOrMany(s.NotResource))
			}
		}
	}

	// The analysts may do what `rules push` does under the prefix, nothing
	// else.
	var bucket, prefix string
	for _, f := range p.ofType("aws_lambda_function") {
		bucket = "arn:aws:s3:::" + str(get(f.Values, "environment", 0, "variables", "RULES_BUCKET"))
		prefix = str(get(f.Values, "environment", 0, "variables", "RULES_PREFIX"))
	}
	if prefix != "" {
		prefix += "/"
	}
	n := 0
	for _, r := range p.ofType("aws_iam_policy_document") {
		if r.Name != "analysts" {
			continue
		}
		for _, s := range statements(r) {
			for _, a := range s.actions {
				n++
				switch a {
				case "s3:PutObject", "s3:DeleteObject", "s3:GetObject":
					if len(s.resources) != 1 || s.resources[0] != bucket+"/"+prefix+"*" {
						t.Errorf("analysts' policy: %s on %v, want %s/%s*", a, s.resources, bucket, prefix)
					}
				case "s3:ListBucket":
					cond := fmt.Sprint(s.raw["condition"])
					if len(s.resources) != 1 || s.resources[0] != bucket || (prefix != "" && !(strings.Contains(cond, "s3:prefix") && strings.Contains(cond, prefix+"*"))) {
						t.Errorf("analysts' policy: %s on %v with %s, want the bucket limited to the prefix", a, s.resources, cond)
					}
				case "kms:GenerateDataKey", "kms:Decrypt":
					if !strings.Contains(fmt.Sprint(s.raw["condition"]), "kms:ViaService") {
						t.Errorf("analysts' policy: %s not limited to use through S3", a)
					}
				default:
					t.Errorf("analysts' policy grants %s", a)
				}
			}
		}
	}
	if n == 0 {
		t.Errorf("no analysts' policy document in the plan")
	}
}

func oneOrMany(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		return strs(v)
	}
	return nil
}

// insightsQuery is the form of the alarms on StreamAlert's own metrics.
var insightsQuery = regexp.MustCompile(`^SELECT SUM\((\w+)\) FROM SCHEMA\("(\w+)"((?:, "\w+")*)\)$`)

// alarmedMetrics returns "NAMESPACE/METRIC" → the dimension names it is
// summed over (nil for a plain metric alarm), for every alarm in the plan.
func alarmedMetrics(t reporter, p *plan) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, a := range p.ofType("aws_cloudwatch_metric_alarm") {
		if q, ok := get(a.Values, "metric_query", 0, "expression").(string); ok {
			m := insightsQuery.FindStringSubmatch(q)
			if m == nil {
				t.Errorf("%s: query %q is not SELECT SUM(metric) FROM SCHEMA(namespace, dimensions...)", a.Address, q)
				continue
			}
			dims := []string{}
			for _, d := range strings.Split(m[3], ",") {
				if d = strings.Trim(strings.TrimSpace(d), `"`); d != "" {
					dims = append(dims, d)
				}
			}
			out[m[2]+"/"+m[1]] = dims
			continue
		}
		out[str(a.Values["namespace"])+"/"+str(a.Values["metric_name"])] = nil
	}
	return out
}

// checkPlanAlarms: the alarms exist and notify a topic.
func checkPlanAlarms(t reporter, p *plan) {
	t.Helper()
	metrics := map[string]bool{}
	for m := range alarmedMetrics(t, p) {
		metrics[m] = true
	}
	for _, a := range p.ofType("aws_cloudwatch_metric_alarm") {
		if len(strs(a.Values["alarm_actions"])) == 0 && get(a.Unknown, "alarm_actions") == nil {
			t.Errorf("%s: notifies nobody", a.Address)
		}
	}
	for _, m := range []string{"AWS/Lambda/Errors", "AWS/Lambda/Throttles", "AWS/Lambda/IteratorAge",
		"AWS/SQS/ApproximateNumberOfMessagesVisible", "AWS/SQS/ApproximateAgeOfOldestMessage",
		"StreamAlert/UnclassifiedRecords", "StreamAlert/RuleErrors", "StreamAlert/DeliveryFailures", "StreamAlert/RulesetReloadFailures", "StreamAlert/RulesetEmbeddedFallback"} {
		if !metrics[m] {
			t.Errorf("no alarm on %s", m)
		}
	}
}

// checkEverything checks the options testdata/everything turns on.
func checkEverything(t reporter, p *plan, find func(typ, name string) []planned) {
	t.Helper()
	count := func(typ, name string, want int) {
		t.Helper()
		if got := len(find(typ, name)); got != want {
			t.Errorf("%s.%s: %d, want %d", typ, name, got, want)
		}
	}
	count("aws_kms_key", "", 0)            // the key given
	count("aws_sns_topic", "operators", 0) // the alarm topic given
	count("aws_s3_bucket_notification", "logs", 3)
	count("aws_lambda_permission", "s3", 1)
	count("aws_lambda_permission", "sns", 3)
	count("aws_sns_topic_subscription", "rules", 3)
	count("aws_lambda_event_source_mapping", "sqs", 2)
	count("aws_sqs_queue", "dead_letter", 1)
	count("aws_s3_bucket", "", 3) // rules bucket and two new log buckets; no dead-letter bucket

	for _, s := range find("aws_kinesis_stream", "this") {
		if s.Values["shard_count"] != 2.0 || get(s.Values, "stream_mode_details", 0, "stream_mode") != "PROVISIONED" {
			t.Errorf("%s: shard_count %v, mode %v", s.Address, s.Values["shard_count"], get(s.Values, "stream_mode_details", 0, "stream_mode"))
		}
	}
	for _, m := range find("aws_lambda_event_source_mapping", "") {
		want := map[string]any{"sqs": 5.0, "alerts": 2.0}[m.Name]
		if want != nil && get(m.Values, "scaling_config", 0, "maximum_concurrency") != want {
			t.Errorf("%s: maximum_concurrency %v, want %v", m.Address, get(m.Values, "scaling_config", 0, "maximum_concurrency"), want)
		}
	}
	for _, f := range find("aws_lambda_function", "") {
		if get(f.Values, "tracing_config", 0, "mode") != "Active" {
			t.Errorf("%s: tracing %v", f.Address, get(f.Values, "tracing_config", 0, "mode"))
		}
		if v := get(f.Values, "environment", 0, "variables", "RULES_PREFIX"); v != "team/prod" {
			t.Errorf("%s: RULES_PREFIX %v", f.Address, v)
		}
	}
	for _, r := range find("aws_iam_role", "") {
		if !strings.HasSuffix(str(r.Values["permissions_boundary"]), ":policy/boundary") {
			t.Errorf("%s: permissions boundary %v", r.Address, r.Values["permissions_boundary"])
		}
	}
	if cmd := str(p.OutputChanges["rules_push_command"].After); !strings.HasSuffix(cmd, " --prefix team/prod") {
		t.Errorf("rules_push_command %q without the prefix", cmd)
	}

	// With the key given, every policy is known in the plan: the grants,
	// exactly.
	grants := map[string]map[string]bool{} // function → "action resource"
	for _, r := range p.ofType("aws_iam_role_policy") {
		doc, ok := r.Values["policy"].(string)
		if !ok {
			t.Errorf("%s: policy unknown in the plan although every ARN is known", r.Address)
			continue
		}
		var pol struct {
			Statement []struct{ Action, Resource any }
		}
		if err := json.Unmarshal([]byte(doc), &pol); err != nil {
			t.Errorf("%s: %v", r.Address, err)
			continue
		}
		fn := strings.TrimSuffix(strings.TrimPrefix(str(r.Values["name"]), "sa-test-"), "-permissions")
		grants[fn] = map[string]bool{}
		for _, s := range pol.Statement {
			for _, a := range oneOrMany(s.Action) {
				for _, res := range oneOrMany(s.Resource) {
					grants[fn][a+" "+res] = true
				}
			}
		}
	}
	const arn = "arn:aws:%s:eu-west-1:" + testAccount + ":%s"
	for fn, want := range map[string][]string{
		"rules": {
			"s3:GetObject arn:aws:s3:::sa-test-rules-" + testAccount + "-eu-west-1/team/prod/*",
			"s3:ListBucket arn:aws:s3:::sa-test-rules-" + testAccount + "-eu-west-1",
			"sqs:SendMessage " + fmt.Sprintf(arn, "sqs", "sa-test-alerts"),
			"sqs:SendMessage " + fmt.Sprintf(arn, "sqs", "sa-test-rules-failures"),
			"sqs:SendMessage " + fmt.Sprintf(arn, "sqs", "sa-test-dead-letter"),
			"kinesis:GetRecords " + fmt.Sprintf(arn, "kinesis", "stream/sa-test-logs"),
			"dynamodb:UpdateItem " + fmt.Sprintf(arn, "dynamodb", "table/sa-test-alert-state"),
			"sqs:ReceiveMessage " + fmt.Sprintf(arn, "sqs", "vendor-queue"),
			"sqs:ReceiveMessage " + fmt.Sprintf(arn, "sqs", "sa-test-s3-existing-sqs-logs"),
			"s3:GetObject arn:aws:s3:::existing.sqs.logs/AWSLogs/*",
			"s3:GetObject arn:aws:s3:::sa-test-new-sns/*",
			"kms:Decrypt " + fmt.Sprintf(arn, "kms", "key/bucket-key"),
			"kms:Decrypt " + fmt.Sprintf(arn, "kms", "key/queue-key"),
			"xray:PutTraceSegments *",
		},
		"alerts": {
			"s3:GetObject arn:aws:s3:::sa-test-rules-" + testAccount + "-eu-west-1/team/prod/streamalert.yaml",
			"dynamodb:UpdateItem " + fmt.Sprintf(arn, "dynamodb", "table/sa-test-alert-state"),
			"ssm:GetParameter " + fmt.Sprintf(arn, "ssm", "parameter/sa-test/*"),
			"ssm:GetParameter " + fmt.Sprintf(arn, "ssm", "parameter/other/slack"),
			"secretsmanager:GetSecretValue " + fmt.Sprintf(arn, "secretsmanager", "secret:/sa-test/*"),
			"secretsmanager:GetSecretValue " + fmt.Sprintf(arn, "secretsmanager", "secret:pagerduty-AbCdEf"),
			"kms:Decrypt " + fmt.Sprintf(arn, "kms", "key/secrets-key"),
			"sns:Publish " + fmt.Sprintf(arn, "sns", "alerts-out"),
			"sqs:SendMessage " + fmt.Sprintf(arn, "sqs", "alerts-out"),
			"lambda:InvokeFunction " + fmt.Sprintf(arn, "lambda", "function:alert-handler"),
			"firehose:PutRecordBatch " + fmt.Sprintf(arn, "firehose", "deliverystream/alerts"),
			"s3:PutObject arn:aws:s3:::sa-test-alert-archive/*",
			"logs:PutLogEvents " + fmt.Sprintf(arn, "logs", "log-group:/alerts:log-stream:*"),
			"kms:GenerateDataKey " + fmt.Sprintf(arn, "kms", "key/outputs-key"),
			"xray:PutTraceSegments *",
		},
	} {
		for _, g := range want {
			if !grants[fn][g] {
				t.Errorf("%s role: no grant %q", fn, g)
			}
		}
	}
	// What one function needs, the other does not get.
	for _, g := range []string{"kinesis:GetRecords " + fmt.Sprintf(arn, "kinesis", "stream/sa-test-logs")} {
		if grants["alerts"][g] {
			t.Errorf("alerts role has the rules function's grant %q", g)
		}
	}
	// The rules function counts and merges in the table (UpdateItem,
	// PutItem, DeleteItem) but never reads delivery records or scans.
	for _, g := range []string{"sns:Publish " + fmt.Sprintf(arn, "sns", "alerts-out"), "dynamodb:Scan " + fmt.Sprintf(arn, "dynamodb", "table/sa-test-alert-state"), "dynamodb:GetItem " + fmt.Sprintf(arn, "dynamodb", "table/sa-test-alert-state")} {
		if grants["rules"][g] {
			t.Errorf("rules role has the alerts function's grant %q", g)
		}
	}

	for _, a := range p.ofType("aws_cloudwatch_metric_alarm") {
		if acts := strs(a.Values["alarm_actions"]); len(acts) != 1 || acts[0] != fmt.Sprintf(arn, "sns", "oncall") {
			t.Errorf("%s: alarm_actions %v", a.Address, acts)
		}
	}
	// metric_dimension_keys replaced the defaults: Source and Account for
	// UnclassifiedRecords, none for the others.
	for m, want := range map[string]string{"StreamAlert/UnclassifiedRecords": "[Source Account]", "StreamAlert/RuleErrors": "[]"} {
		if got := fmt.Sprint(alarmedMetrics(t, p)[m]); got != want {
			t.Errorf("alarm on %s sums over %s, want %s", m, got, want)
		}
	}
}
