// Package terraform_test checks the Terraform deployment in this folder: with
// terraform and its provider mirror (../shared/LOCAL-AWS.md) it formats,
// initialises, validates and plans every example offline and checks the
// plans; everywhere it also parses every *.tf with hcl and checks the
// configuration's structure.
package terraform_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// reporter is what the checks need from a test: *testing.T, or a
// collector that lets a test check that a check catches what it should.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// collector is a reporter that keeps the problems instead of failing.
type collector struct {
	*testing.T
	problems []string
}

func (c *collector) Errorf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// The functions' environment: a contract (DESIGN.md, "AWS topology").
// Terraform sets exactly these, and the dead letter is either a queue or a
// bucket and a prefix.
var (
	rulesBaseEnv    = []string{"ALERTS_QUEUE_URL", "ALERTS_STATE_TABLE", "RULES_BUCKET", "RULES_PREFIX", "RULES_REFRESH"}
	rulesDLQueueEnv = []string{"DEAD_LETTER_QUEUE_URL"}
	rulesDLBucket   = []string{"DEAD_LETTER_BUCKET", "DEAD_LETTER_PREFIX"}
	alertsEnv       = []string{"ALERTS_QUEUE_URL", "ALERTS_STATE_TABLE", "RULES_BUCKET", "RULES_PREFIX"}
)

// wildcardResourceActions are the only actions AWS gives no resource-level
// permissions for that the functions may need: a statement granting only
// these may name the resource "*".
var wildcardResourceActions = map[string]bool{
	"xray:PutTraceSegments":    true,
	"xray:PutTelemetryRecords": true,
	"cloudwatch:PutMetricData": true,
}

// checkEnv reports how env (the variables Terraform gives function fn,
// "rules" or "alerts") differs from the contract.
func checkEnv(t reporter, where, fn string, env []string) {
	t.Helper()
	got := setOf(env)
	var want []string
	switch fn {
	case "rules":
		want = append(want, rulesBaseEnv...)
		switch {
		case got["DEAD_LETTER_QUEUE_URL"] && (got["DEAD_LETTER_BUCKET"] || got["DEAD_LETTER_PREFIX"]):
			t.Errorf("%s: rules function gets both a dead-letter queue and a dead-letter bucket: %v", where, env)
		case got["DEAD_LETTER_QUEUE_URL"]:
			want = append(want, rulesDLQueueEnv...)
		default:
			want = append(want, rulesDLBucket...)
		}
	case "alerts":
		want = alertsEnv
	default:
		t.Fatalf("%s: unknown function %q", where, fn)
	}
	if missing, extra := diff(setOf(want), got); len(missing)+len(extra) > 0 {
		t.Errorf("%s: %s function environment: missing %v, not in the contract %v (has %v)", where, fn, missing, extra, sorted(got))
	}
}

// lambdaEnvReads finds the environment variables the Lambda code in
// ROOT/lambda reads: string constants passed to os.Getenv, os.LookupEnv or
// any function whose name contains "env" (a helper such as envOr or a
// getenv parameter), and `env:"NAME"` struct tags. Reads in a folder named
// rules or rulesfn (alerts, alertsfn) anywhere under lambda/ are that
// function's; reads elsewhere under lambda/ (shared code) are returned
// under "". ok is false when ROOT/lambda does not exist.
func lambdaEnvReads(t reporter, root string) (reads map[string]map[string]string, ok bool) {
	t.Helper()
	dir := filepath.Join(root, "lambda")
	if _, err := os.Stat(dir); err != nil {
		return nil, false
	}
	reads = map[string]map[string]string{}
	envName := regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	tagEnv := regexp.MustCompile(`\benv:"([A-Z][A-Z0-9_]*)`)
	envFunc := regexp.MustCompile(`(?i)env`)
	// Package directory → constant name → value, so env reads through a
	// named constant are seen too.
	fset := token.NewFileSet()
	files := map[string][]*ast.File{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files[filepath.Dir(path)] = append(files[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		t.Fatalf("reading the Lambda code: %v", err)
	}
	for pkgDir, fs := range files {
		rel, _ := filepath.Rel(dir, pkgDir)
		owner := ""
		for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
			switch part {
			case "rules", "rulesfn":
				owner = "rules"
			case "alerts", "alertsfn":
				owner = "alerts"
			}
		}
		consts := map[string]string{}
		for _, f := range fs {
			ast.Inspect(f, func(n ast.Node) bool {
				if vs, ok := n.(*ast.ValueSpec); ok {
					for i, name := range vs.Names {
						if i < len(vs.Values) {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[name.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
				return true
			})
		}
		add := func(name string, pos token.Pos) {
			if !envName.MatchString(name) || strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "LAMBDA_") || strings.HasPrefix(name, "STREAMALERT_TEST") {
				return // set by the Lambda runtime or by tests
			}
			if reads[owner] == nil {
				reads[owner] = map[string]string{}
			}
			if _, seen := reads[owner][name]; !seen {
				reads[owner][name] = fset.Position(pos).String()
			}
		}
		for _, f := range fs {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					var fname string
					switch fun := n.Fun.(type) {
					case *ast.Ident:
						fname = fun.Name
					case *ast.SelectorExpr:
						fname = fun.Sel.Name
					}
					if !envFunc.MatchString(fname) || len(n.Args) == 0 {
						return true
					}
					switch a := n.Args[0].(type) {
					case *ast.BasicLit:
						if a.Kind == token.STRING {
							s, _ := strconv.Unquote(a.Value)
							add(s, a.Pos())
						}
					case *ast.Ident:
						if s, ok := consts[a.Name]; ok {
							add(s, a.Pos())
						}
					}
				case *ast.Field:
					if n.Tag != nil {
						for _, m := range tagEnv.FindAllStringSubmatch(n.Tag.Value, -1) {
							add(m[1], n.Tag.Pos())
						}
					}
				}
				return true
			})
		}
	}
	return reads, true
}

// checkEnvAgainstCode compares what Terraform sets (fn → variables) with
// what the Lambda code reads, when the code is in the repository.
func checkEnvAgainstCode(t reporter, root, where string, set map[string][]string) {
	t.Helper()
	reads, ok := lambdaEnvReads(t, root)
	if !ok {
		t.Logf("%s: lambda/ is not in this checkout: environment checked against the contract only", where)
		return
	}
	total := 0
	for _, r := range reads {
		total += len(r)
	}
	if total == 0 {
		t.Errorf("%s: found no environment reads in lambda/ (os.Getenv, os.LookupEnv, a *env* helper, env:\"...\" tags): this test cannot see how the code reads its environment", where)
		return
	}
	for _, fn := range []string{"rules", "alerts"} {
		has := setOf(set[fn])
		for name, pos := range reads[fn] {
			if !has[name] && !(fn == "rules" && otherDeadLetterSet(name, has)) {
				t.Errorf("%s: %s reads %s but Terraform does not set it for the %s function", where, pos, name, fn)
			}
		}
		for name := range has {
			_, own := reads[fn][name]
			_, shared := reads[""][name]
			if !own && !shared {
				t.Errorf("%s: Terraform sets %s for the %s function but no code under lambda/%s or lambda/ shared code reads it", where, name, fn, fn)
			}
		}
	}
	for name, pos := range reads[""] {
		if !setOf(set["rules"])[name] && !setOf(set["alerts"])[name] && !otherDeadLetterSet(name, setOf(set["rules"])) {
			t.Errorf("%s: %s reads %s but Terraform sets it for neither function", where, pos, name)
		}
	}
}

// otherDeadLetterSet reports whether name is one of the two dead-letter
// variants (queue, or bucket + prefix) while the other variant is the one
// set: the code reads both to see which it was given.
func otherDeadLetterSet(name string, set map[string]bool) bool {
	queue, bucket := setOf(rulesDLQueueEnv), setOf(rulesDLBucket)
	switch {
	case queue[name]:
		return set["DEAD_LETTER_BUCKET"]
	case bucket[name]:
		return set["DEAD_LETTER_QUEUE_URL"]
	}
	return false
}

func setOf(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func sorted(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// diff returns the keys of want missing from got and the keys of got not in want.
func diff(want, got map[string]bool) (missing, extra []string) {
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

// checkStatement reports a wildcard in an Allow statement of an identity
// policy: an action containing "*", NotAction or NotResource, or the resource
// "*" for actions that have resource-level permissions.
func checkStatement(t reporter, where, effect string, actions, notActions, resources, notResources []string) {
	t.Helper()
	if effect != "" && effect != "Allow" {
		return
	}
	if len(actions) == 0 {
		t.Errorf("%s: Allow statement without actions", where)
	}
	if len(notActions) > 0 || len(notResources) > 0 {
		t.Errorf("%s: NotAction/NotResource in an Allow statement: %v %v", where, notActions, notResources)
	}
	for _, a := range actions {
		if strings.Contains(a, "*") {
			t.Errorf("%s: wildcard action %q", where, a)
		}
	}
	for _, r := range resources {
		if r != "*" {
			continue
		}
		for _, a := range actions {
			if !wildcardResourceActions[a] {
				t.Errorf("%s: resource \"*\" for %s (only %v may have it)", where, a, sorted(wildcardResourceActions))
			}
		}
	}
}

// lambdaMetrics finds the metrics the Lambda code emits: calls
// X.Add("Name", n, "Dim", v, ...) on a receiver whose name contains
// "metric". It returns name → the dimension name sets (sorted, joined by
// ",") it is emitted with, and where; ok is false without ROOT/lambda.
func lambdaMetrics(t reporter, root string) (emitted map[string]map[string]string, ok bool) {
	t.Helper()
	dir := filepath.Join(root, "lambda")
	if _, err := os.Stat(dir); err != nil {
		return nil, false
	}
	emitted = map[string]map[string]string{}
	metricRecv := regexp.MustCompile(`(?i)metric`)
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Add" {
				return true
			}
			recv := ""
			switch x := sel.X.(type) {
			case *ast.Ident:
				recv = x.Name
			case *ast.SelectorExpr:
				recv = x.Sel.Name
			}
			if !metricRecv.MatchString(recv) {
				return true
			}
			lit := func(e ast.Expr) (string, bool) {
				b, ok := e.(*ast.BasicLit)
				if !ok || b.Kind != token.STRING {
					return "", false
				}
				s, err := strconv.Unquote(b.Value)
				return s, err == nil
			}
			name, ok := lit(call.Args[0])
			if !ok {
				return true
			}
			var dims []string
			for i := 2; i < len(call.Args); i += 2 {
				if d, ok := lit(call.Args[i]); ok {
					dims = append(dims, d)
				}
			}
			sort.Strings(dims)
			if emitted[name] == nil {
				emitted[name] = map[string]string{}
			}
			emitted[name][strings.Join(dims, ",")] = fset.Position(call.Pos()).String()
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatalf("reading the Lambda code: %v", err)
	}
	return emitted, true
}

// checkMetricsAgainstCode: every alarm on a StreamAlert metric names a
// metric the code emits, with a dimension set it emits it with (an alarm
// that matches no series never fires).
func checkMetricsAgainstCode(t reporter, root, where string, alarmed map[string][]string) {
	t.Helper()
	emitted, ok := lambdaMetrics(t, root)
	if !ok {
		t.Logf("%s: lambda/ is not in this checkout: alarms' metrics not checked against the code", where)
		return
	}
	n := 0
	for m, dims := range alarmed {
		name, isOwn := strings.CutPrefix(m, "StreamAlert/")
		if !isOwn {
			continue
		}
		n++
		sets, ok := emitted[name]
		if !ok {
			t.Errorf("%s: an alarm watches %s, which no code under lambda/ emits", where, m)
			continue
		}
		d := append([]string{}, dims...)
		sort.Strings(d)
		if _, ok := sets[strings.Join(d, ",")]; !ok {
			var have []string
			for k, pos := range sets {
				have = append(have, fmt.Sprintf("[%s] (%s)", k, pos))
			}
			sort.Strings(have)
			t.Errorf("%s: the alarm on %s sums over dimensions %v; the code emits it with %s", where, m, dims, strings.Join(have, ", "))
		}
	}
	if n == 0 {
		t.Errorf("%s: no alarm on StreamAlert's metrics to check", where)
	}
}
