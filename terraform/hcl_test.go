package terraform_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/streamalert-go/streamalert/engine/testenv"
	"github.com/zclconf/go-cty/cty"
)

// tfModule is one folder of *.tf files, parsed.
type tfModule struct {
	dir    string // relative to terraform/, "." for the root module
	blocks []*hclsyntax.Block
}

func (m *tfModule) all(typ string, labels ...string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range m.blocks {
		if b.Type != typ || len(b.Labels) < len(labels) {
			continue
		}
		match := true
		for i, l := range labels {
			if b.Labels[i] != l {
				match = false
			}
		}
		if match {
			out = append(out, b)
		}
	}
	return out
}

func (m *tfModule) one(t reporter, typ string, labels ...string) *hclsyntax.Block {
	t.Helper()
	bs := m.all(typ, labels...)
	if len(bs) != 1 {
		t.Fatalf("%s: want one %s %v block, found %d", m.dir, typ, labels, len(bs))
	}
	return bs[0]
}

func pos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// loadModules parses every *.tf under dir (skipping .terraform folders),
// grouped by folder; a syntax error fails the test with file:line:col.
func loadModules(t reporter, dir string) map[string]*tfModule {
	t.Helper()
	p := hclparse.NewParser()
	mods := map[string]*tfModule{}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".terraform" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".tf") {
			return nil
		}
		f, diags := p.ParseHCLFile(path)
		for _, d := range diags {
			if d.Subject != nil {
				t.Errorf("%s: %s: %s", pos(*d.Subject), d.Summary, d.Detail)
			} else {
				t.Errorf("%s: %s: %s", path, d.Summary, d.Detail)
			}
		}
		if diags.HasErrors() {
			return nil
		}
		files++
		rel, _ := filepath.Rel(dir, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if mods[rel] == nil {
			mods[rel] = &tfModule{dir: rel}
		}
		mods[rel].blocks = append(mods[rel].blocks, f.Body.(*hclsyntax.Body).Blocks...)
		return nil
	})
	if err != nil {
		t.Fatalf("%v", err)
	}
	if files == 0 {
		t.Fatalf("no *.tf files under %s", dir)
	}
	t.Logf("parsed %d *.tf files in %d modules with hcl", files, len(mods))
	return mods
}

// literal is the value of a constant expression (no variables, no
// functions), or ok = false.
func literal(e hclsyntax.Expression) (cty.Value, bool) {
	if len(e.Variables()) > 0 {
		return cty.NilVal, false
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

func literalString(e hclsyntax.Expression) (string, bool) {
	v, ok := literal(e)
	if !ok || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// attr returns block b's attribute name, failing the test when it is absent.
func attr(t reporter, b *hclsyntax.Block, name string) *hclsyntax.Attribute {
	t.Helper()
	a, ok := b.Body.Attributes[name]
	if !ok {
		t.Errorf("%s: %s %v has no %s", pos(b.DefRange()), b.Type, b.Labels, name)
	}
	return a
}

func wantLiteral(t reporter, b *hclsyntax.Block, name string, want cty.Value) {
	t.Helper()
	a := attr(t, b, name)
	if a == nil {
		return
	}
	got, ok := literal(a.Expr)
	if !ok || !got.Type().Equals(want.Type()) || !got.Equals(want).True() {
		t.Errorf("%s: %s = %s, want %s", pos(a.SrcRange), name, exprText(a.Expr), show(want))
	}
}

// show writes a constant as it would be written in HCL.
func show(v cty.Value) string {
	switch v.Type() {
	case cty.String:
		return strconv.Quote(v.AsString())
	case cty.Bool:
		return strconv.FormatBool(v.True())
	}
	return v.GoString()
}

func exprText(e hclsyntax.Expression) string {
	r := e.Range()
	src, err := os.ReadFile(r.Filename)
	if err != nil || r.End.Byte > len(src) {
		return "?"
	}
	return string(src[r.Start.Byte:r.End.Byte])
}

// nested returns the blocks of type typ inside b, including the content of
// `dynamic "typ"` blocks.
func nested(b *hclsyntax.Block, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, c := range b.Body.Blocks {
		switch {
		case c.Type == typ:
			out = append(out, c)
		case c.Type == "dynamic" && len(c.Labels) == 1 && c.Labels[0] == typ:
			for _, cc := range c.Body.Blocks {
				if cc.Type == "content" {
					out = append(out, cc)
				}
			}
		}
	}
	return out
}

// stringElems returns the constant strings of a list expression, and how
// many of its elements (or the whole list) are computed.
func stringElems(e hclsyntax.Expression) (consts []string, computed int) {
	tup, ok := e.(*hclsyntax.TupleConsExpr)
	if !ok {
		if v, ok := literal(e); ok && v.CanIterateElements() {
			for it := v.ElementIterator(); it.Next(); {
				_, ev := it.Element()
				if ev.Type() == cty.String {
					consts = append(consts, ev.AsString())
				}
			}
			return consts, 0
		}
		return nil, 1
	}
	for _, el := range tup.Exprs {
		if s, ok := literalString(el); ok {
			consts = append(consts, s)
		} else {
			computed++
		}
	}
	return consts, computed
}

// docRefs returns the names of the aws_iam_policy_document data sources e
// refers to.
func docRefs(e hclsyntax.Expression) []string {
	var out []string
	for _, tr := range e.Variables() {
		if tr.RootName() != "data" || len(tr) < 3 {
			continue
		}
		typ, ok1 := tr[1].(hcl.TraverseAttr)
		name, ok2 := tr[2].(hcl.TraverseAttr)
		if ok1 && ok2 && typ.Name == "aws_iam_policy_document" {
			out = append(out, name.Name)
		}
	}
	return out
}

// objectKeys collects the constant keys of every object constructor in e.
func objectKeys(e hclsyntax.Expression) []string {
	var keys []string
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		if o, ok := n.(*hclsyntax.ObjectConsExpr); ok {
			for _, it := range o.Items {
				if v, diags := it.KeyExpr.Value(nil); !diags.HasErrors() && v.Type() == cty.String {
					keys = append(keys, v.AsString())
				}
			}
		}
		return nil
	})
	sort.Strings(keys)
	return keys
}

// TestHCL parses every *.tf with hcl and checks what can be checked
// without terraform: the structure, the security settings written as
// constants, the IAM statements' constant actions and resources, and the
// functions' environment keys. It always runs; where terraform and its
// provider mirror are missing it is the only check (see TestTerraformPlan).
func TestHCL(t *testing.T) {
	hclChecks(t)
}

// hclChecks is TestHCL's body, also what TestTerraformPlan does instead of a
// plan where terraform or its provider mirror is missing.
func hclChecks(t *testing.T) {
	root := testenv.RepoRoot(t)
	tfDir := filepath.Join(root, "terraform")
	mods := loadModules(t, tfDir)

	buckets := 0
	for dir, m := range mods {
		checkModule(t, dir, m)
		checkResources(t, m)
		checkIdentityPolicies(t, m)
		buckets += len(m.all("resource", "aws_s3_bucket"))
	}
	if buckets == 0 {
		t.Error("no aws_s3_bucket resource anywhere")
	}

	rootMod := mods["."]
	if rootMod == nil {
		t.Fatal("no root module")
	}
	checkEnvLocals(t, root, rootMod)
	checkExamples(t, tfDir, mods)
}

// checkModule checks what every module must have: known top-level blocks,
// a description and type on every variable and output, the Terraform and
// AWS provider pins, and buckets only through modules/bucket.
func checkModule(t reporter, dir string, m *tfModule) {
	t.Helper()
	for _, b := range m.blocks {
		if !allowedTop[b.Type] {
			t.Errorf("%s: unexpected top-level block %q", pos(b.DefRange()), b.Type)
		}
		if b.Type == "variable" || b.Type == "output" {
			if a, ok := b.Body.Attributes["description"]; !ok {
				t.Errorf("%s: %s %q has no description", pos(b.DefRange()), b.Type, b.Labels[0])
			} else if s, ok := literalString(a.Expr); ok && strings.TrimSpace(s) == "" {
				t.Errorf("%s: %s %q has an empty description", pos(a.SrcRange), b.Type, b.Labels[0])
			}
		}
		if b.Type == "variable" {
			attr(t, b, "type")
		}
		if b.Type == "resource" && b.Labels[0] == "aws_s3_bucket" && dir != "modules/bucket" {
			t.Errorf("%s: a bucket outside modules/bucket misses its hardening (versioning, SSE-KMS, public access block, TLS-only)", pos(b.DefRange()))
		}
	}

	tb := m.one(t, "terraform")
	wantLiteral(t, tb, "required_version", cty.StringVal(">= 1.5"))
	rp := nested(tb, "required_providers")
	if len(rp) != 1 {
		t.Errorf("%s: want one required_providers block", pos(tb.DefRange()))
	} else if a := attr(t, rp[0], "aws"); a != nil {
		v, ok := literal(a.Expr)
		if !ok || !v.Type().IsObjectType() || !v.Type().HasAttribute("version") || !v.Type().HasAttribute("source") ||
			v.GetAttr("version").AsString() != "~> 5.100" || v.GetAttr("source").AsString() != "hashicorp/aws" {
			t.Errorf("%s: aws provider: want source hashicorp/aws, version ~> 5.100", pos(a.SrcRange))
		}
	}
}

var allowedTop = setOf([]string{"terraform", "variable", "output", "locals", "module", "resource", "data", "provider"})

// checkResources checks the settings the issue requires on each kind of
// resource wherever it appears.
func checkResources(t reporter, m *tfModule) {
	t.Helper()
	for _, b := range m.all("resource") {
		switch b.Labels[0] {
		case "aws_lambda_event_source_mapping":
			if a := attr(t, b, "function_response_types"); a != nil {
				if got, _ := stringElems(a.Expr); !setOf(got)["ReportBatchItemFailures"] {
					t.Errorf("%s: event source mapping without ReportBatchItemFailures", pos(a.SrcRange))
				}
			}
		case "aws_lambda_function":
			wantLiteral(t, b, "runtime", cty.StringVal("provided.al2023"))
			wantLiteral(t, b, "handler", cty.StringVal("bootstrap"))
			if a := attr(t, b, "source_code_hash"); a != nil {
				if c, ok := a.Expr.(*hclsyntax.FunctionCallExpr); !ok || c.Name != "filebase64sha256" {
					t.Errorf("%s: source_code_hash should be filebase64sha256(zip)", pos(a.SrcRange))
				}
			}
			if len(nested(b, "tracing_config")) == 0 {
				t.Errorf("%s: function without tracing_config", pos(b.DefRange()))
			}
		case "aws_sqs_queue":
			attr(t, b, "kms_master_key_id")
			if b.Labels[1] == "alerts" {
				attr(t, b, "redrive_policy")
			}
		case "aws_sns_topic":
			attr(t, b, "kms_master_key_id")
		case "aws_kinesis_stream":
			wantLiteral(t, b, "encryption_type", cty.StringVal("KMS"))
		case "aws_cloudwatch_log_group":
			attr(t, b, "retention_in_days")
			attr(t, b, "kms_key_id")
		case "aws_dynamodb_table":
			wantLiteral(t, b, "billing_mode", cty.StringVal("PAY_PER_REQUEST"))
			wantLiteral(t, b, "hash_key", cty.StringVal("pk"))
			wantLiteral(t, b, "range_key", cty.StringVal("sk"))
			for typ, want := range map[string]map[string]cty.Value{
				"ttl":                    {"attribute_name": cty.StringVal("expires_at"), "enabled": cty.True},
				"point_in_time_recovery": {"enabled": cty.True},
				"server_side_encryption": {"enabled": cty.True},
			} {
				bs := nested(b, typ)
				if len(bs) != 1 {
					t.Errorf("%s: table without %s", pos(b.DefRange()), typ)
					continue
				}
				for k, v := range want {
					wantLiteral(t, bs[0], k, v)
				}
			}
		case "aws_s3_bucket_public_access_block":
			for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
				wantLiteral(t, b, k, cty.True)
			}
		case "aws_s3_bucket_versioning":
			for _, vc := range nested(b, "versioning_configuration") {
				wantLiteral(t, vc, "status", cty.StringVal("Enabled"))
			}
		case "aws_s3_bucket_server_side_encryption_configuration":
			n := 0
			for _, r := range nested(b, "rule") {
				for _, d := range nested(r, "apply_server_side_encryption_by_default") {
					wantLiteral(t, d, "sse_algorithm", cty.StringVal("aws:kms"))
					attr(t, d, "kms_master_key_id")
					n++
				}
			}
			if n == 0 {
				t.Errorf("%s: no default encryption rule", pos(b.DefRange()))
			}
		}
	}
}

// resourcePolicyAttrs are the attributes that take a resource (not an
// identity) policy; the documents they refer to may name principals and
// "*" resources, and deny with wildcards.
var resourcePolicyAttrs = map[string]string{
	"aws_kms_key":          "policy",
	"aws_s3_bucket_policy": "policy",
	"aws_sns_topic_policy": "policy",
	"aws_sqs_queue_policy": "policy",
	"aws_iam_role":         "assume_role_policy",
}

// checkIdentityPolicies checks the constant parts of every IAM policy
// document in m that no resource policy uses.
func checkIdentityPolicies(t reporter, m *tfModule) {
	t.Helper()
	resourceDocs := map[string]bool{}
	for _, b := range m.all("resource") {
		if name, ok := resourcePolicyAttrs[b.Labels[0]]; ok {
			if a, ok := b.Body.Attributes[name]; ok {
				for _, d := range docRefs(a.Expr) {
					resourceDocs[d] = true
				}
			}
		}
	}
	for _, doc := range m.all("data", "aws_iam_policy_document") {
		name := doc.Labels[1]
		stmts := nested(doc, "statement")
		if resourceDocs[name] {
			for _, s := range stmts {
				if len(nested(s, "principals")) == 0 {
					t.Errorf("%s: resource policy statement without principals", pos(s.DefRange()))
				}
			}
			continue
		}
		for _, s := range stmts {
			where := fmt.Sprintf("%s (data.aws_iam_policy_document.%s)", pos(s.DefRange()), name)
			if len(nested(s, "principals")) > 0 {
				t.Errorf("%s: identity policy statement with principals", where)
			}
			effect := ""
			if a, ok := s.Body.Attributes["effect"]; ok {
				effect, _ = literalString(a.Expr)
			}
			var lists [4][]string
			for i, k := range []string{"actions", "not_actions", "resources", "not_resources"} {
				if a, ok := s.Body.Attributes[k]; ok {
					lists[i], _ = stringElems(a.Expr)
				}
			}
			checkStatement(t, where, effect, lists[0], lists[1], lists[2], lists[3])
		}
	}
}

// checkEnvLocals checks the keys of the functions' environment as the root
// module writes them (both dead-letter variants appear in the source).
func checkEnvLocals(t reporter, root string, m *tfModule) {
	t.Helper()
	locals := map[string]*hclsyntax.Attribute{}
	for _, b := range m.all("locals") {
		for k, a := range b.Body.Attributes {
			locals[k] = a
		}
	}
	keys := func(name string) []string {
		a, ok := locals[name]
		if !ok {
			t.Fatalf("root module: no local %s", name)
		}
		return objectKeys(a.Expr)
	}
	rules := append(keys("rules_environment"), keys("dead_letter_env")...)
	alerts := keys("alerts_environment")
	wantRules := append(append(append([]string{}, rulesBaseEnv...), rulesDLQueueEnv...), rulesDLBucket...)
	if missing, extra := diff(setOf(wantRules), setOf(rules)); len(missing)+len(extra) > 0 {
		t.Errorf("rules environment: missing %v, not in the contract %v", missing, extra)
	}
	if missing, extra := diff(setOf(alertsEnv), setOf(alerts)); len(missing)+len(extra) > 0 {
		t.Errorf("alerts environment: missing %v, not in the contract %v", missing, extra)
	}
	for mod, local := range map[string]string{"rules_function": "rules_environment", "alerts_function": "alerts_environment"} {
		b := m.one(t, "module", mod)
		if a := attr(t, b, "environment"); a != nil {
			if got := strings.TrimSpace(exprText(a.Expr)); got != "local."+local {
				t.Errorf("%s: module %s gets environment = %s, want local.%s", pos(a.SrcRange), mod, got, local)
			}
		}
	}
	checkEnvAgainstCode(t, root, "hcl", map[string][]string{"rules": rules, "alerts": alerts})
}

// checkExamples: each example has a README, a provider "aws" block, the
// root module as its source, and a value for every input the root module
// requires, so `terraform plan` needs no -var.
func checkExamples(t reporter, tfDir string, mods map[string]*tfModule) {
	t.Helper()
	required := map[string]bool{}
	for _, v := range mods["."].all("variable") {
		if _, ok := v.Body.Attributes["default"]; !ok {
			required[v.Labels[0]] = true
		}
	}
	n := 0
	for dir, m := range mods {
		if !strings.HasPrefix(dir, "examples/") {
			continue
		}
		n++
		if _, err := os.Stat(filepath.Join(tfDir, dir, "README.md")); err != nil {
			t.Errorf("%s: no README.md", dir)
		}
		m.one(t, "provider", "aws")
		for _, v := range m.all("variable") {
			if _, ok := v.Body.Attributes["default"]; !ok {
				t.Errorf("%s: variable %q has no default: plan would need -var", pos(v.DefRange()), v.Labels[0])
			}
		}
		var calls int
		for _, mb := range m.all("module") {
			src, _ := literalString(attr(t, mb, "source").Expr)
			if src != "../.." {
				continue
			}
			calls++
			if mb.Labels[0] != "streamalert" {
				t.Errorf("%s: module %q: name it \"streamalert\" (the plan test's override sets module.streamalert's account_id)", pos(mb.DefRange()), mb.Labels[0])
			}
			for r := range required {
				if _, ok := mb.Body.Attributes[r]; !ok {
					t.Errorf("%s: module %q does not set the required input %s", pos(mb.DefRange()), mb.Labels[0], r)
				}
			}
		}
		if calls != 1 {
			t.Errorf("%s: want one module with source \"../..\", found %d", dir, calls)
		}
		outs := map[string]bool{}
		for _, o := range m.all("output") {
			outs[o.Labels[0]] = true
		}
		for _, o := range []string{"rules_bucket", "analysts_policy_arn", "rules_push_command"} {
			if !outs[o] {
				t.Errorf("%s: no output %s", dir, o)
			}
		}
	}
	for _, want := range []string{"examples/minimal", "examples/existing-stream"} {
		if mods[want] == nil {
			t.Errorf("no %s", want)
		}
	}
	if n == 0 {
		t.Errorf("no examples")
	}
}
