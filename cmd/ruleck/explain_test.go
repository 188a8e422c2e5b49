package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// updateExplain is the package's -update flag (declared in schema_test.go).
var updateExplain = update

// ruleck runs the command in-process and returns its exit code and output.
func ruleck(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

const demo = "testdata/explain"

var volatile = regexp.MustCompile(`"(created|id)":"[^"]*"`)

// TestExplainGolden compares explain's output on the shipped rules and
// samples, and on the demo rules of testdata/explain, with golden files
// (refresh them with go test -run TestExplainGolden -update).
func TestExplainGolden(t *testing.T) {
	demoFlags := []string{"--schemas", demo + "/schemas", "--rules", demo + "/rules"}
	cases := []struct {
		name string
		args []string
		code int
	}{
		// A rule that fires on one record and not on others (its condition),
		// with a merge note; flags after the file.
		{"osquery-user-login", []string{"../../examples/logs/osquery.jsonl", "--rule", "osquery_unauthorized_user_login"}, 0},
		// A shipped rule that does not fire because of its req_subkeys.
		{"osquery-req-subkeys", []string{"--rule=osquery_crontab_modified", "../../examples/logs/osquery.jsonl"}, 0},
		// A shipped rule whose clause fails at run time on a record that
		// fits the schema (severity as a word: int("high")).
		{"suricata-runtime-error", []string{"--rule", "suricata_high_severity_alert", demo + "/suricata-severity-word.jsonl"}, 0},
		// Every shipped rule of a text log type.
		{"sshd", []string{"../../examples/logs/auth.log"}, 0},
		// The demo: a threshold, a let/?:/?? tree, a clause that errors at
		// run time, a missing req_subkey, a type without enabled rules, a
		// record that fits no schema and a line that is not JSON.
		{"demo", append(demoFlags, demo+"/demo.jsonl"), 0},
		{"demo-json", append([]string{demo + "/demo.jsonl", "--format", "json"}, demoFlags...), 0},
		// A disabled rule, asked for by name.
		{"demo-disabled", append(demoFlags, "--rule", "demo_disabled", demo+"/demo.jsonl"), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := ruleck(t, append([]string{"explain"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errOut)
			}
			out = volatile.ReplaceAllString(out, `"$1":"(fresh)"`) // the alert's id and time
			golden := filepath.Join(demo, tc.name+".golden")
			if *updateExplain {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s (run with -update if the change is intended):\n%s", golden, out)
			}
		})
	}
}

// TestExplainGoldenContent pins what the goldens must show, so that an
// -update cannot silently bless a regression.
func TestExplainGoldenContent(t *testing.T) {
	for name, wants := range map[string][]string{
		"osquery-req-subkeys.golden": {"did not fire: req_subkeys: columns.command is missing", "MISSING  columns.command", "=> not evaluated"},
		"osquery-user-login.golden":  {": FIRED", "did not fire: the condition is false", `record.columns.user  => "mallory"`},
		"demo.golden": {
			"did not fire: the condition failed at run time: invalid operation: int(ssh)",
			"=> error: invalid operation: int(ssh)",
			"fits no log type: no schema matched: closest demo:login",
			"note: threshold: 3",
			"limit: ?:  => 1",
		},
		"suricata-runtime-error.golden": {"did not fire: the condition failed at run time: invalid operation: int(high)", `record.alert?.severity  => "high"`, "=> not evaluated"},
		"demo-disabled.golden":          {"the rule is disabled (enabled: false); it would fire otherwise"},
	} {
		data, err := os.ReadFile(filepath.Join(demo, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wants {
			if !strings.Contains(string(data), w) {
				t.Errorf("%s does not contain %q", name, w)
			}
		}
	}
}

// TestExplainJSON checks the JSON shape: one object a line, with the
// documented keys.
func TestExplainJSON(t *testing.T) {
	code, out, errOut := ruleck(t, "explain", "--format", "json", "--schemas", demo+"/schemas", "--rules", demo+"/rules", demo+"/demo.jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want one a record (5)", len(lines))
	}
	var first struct {
		Source  string `json:"source"`
		LogType string `json:"log_type"`
		Rules   []struct {
			Name      string          `json:"name"`
			Fired     bool            `json:"fired"`
			Why       string          `json:"why"`
			Alert     json.RawMessage `json:"alert"`
			Condition *struct {
				Op        string `json:"op"`
				Evaluated bool   `json:"evaluated"`
				Children  []any  `json:"children"`
			} `json:"condition"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Source != demo+"/demo.jsonl:1" || first.LogType != "demo:login" || len(first.Rules) != 3 {
		t.Fatalf("first record: %+v", first)
	}
	r := first.Rules[0]
	if r.Name != "demo_admin_without_mfa" || !r.Fired || len(r.Alert) == 0 || r.Condition == nil || r.Condition.Op != "and" || len(r.Condition.Children) != 2 {
		t.Errorf("first rule: %+v", r)
	}
	var rejected struct {
		LogType  string `json:"log_type"`
		Error    string `json:"error"`
		Rejected []struct {
			LogType string `json:"log_type"`
			Reason  string `json:"reason"`
		} `json:"rejected"`
		Rules []any `json:"rules"`
	}
	if err := json.Unmarshal([]byte(lines[3]), &rejected); err != nil {
		t.Fatal(err)
	}
	if rejected.LogType != "" || len(rejected.Rejected) != 2 || rejected.Rejected[0].Reason == "" || rejected.Rules == nil {
		t.Errorf("unclassified record: %+v", rejected)
	}
}

// TestExplainCLI covers how users type the command and its failures.
func TestExplainCLI(t *testing.T) {
	absLogs, err := filepath.Abs("../../examples/logs/osquery.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	absRules, _ := filepath.Abs(demo + "/rules")
	absSchemas, _ := filepath.Abs(demo + "/../explain/schemas") // with ".."
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := os.ReadFile(absLogs)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(logs)
	zw.Close()
	gzFile := filepath.Join(t.TempDir(), "osquery.jsonl.gz")
	truncated := filepath.Join(t.TempDir(), "truncated.gz")
	if err := os.WriteFile(gzFile, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(truncated, gz.Bytes()[:gz.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	badRules := t.TempDir()
	if err := os.WriteFile(filepath.Join(badRules, "bad.yaml"), []byte("name: bad\nlog_types: [demo:login]\ncondition: record.user ==\noutputs: [slack:x]\nseverity: low\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring of stdout
		stderr string // a substring of stderr
	}{
		{"absolute paths, flags last", []string{absLogs, "--rule", "osquery_unauthorized_user_login"}, 0, absLogs + ":2: osquery:differential", "14 records"},
		{"absolute rules and schemas with ..", []string{"--rules", absRules, demo + "/demo.jsonl", "--schemas", absSchemas}, 0, absRules + "/demo_admin_without_mfa.yaml", ""},
		{"rule typo", []string{"--rule", "osquery_unauthorized_user_logn", absLogs}, 2, "", `did you mean "osquery_unauthorized_user_login"?`},
		{"empty file", []string{empty}, 1, "", "no records"},
		{"nothing classified", []string{"--schemas", demo + "/schemas", "--rules", demo + "/rules", absLogs}, 1, "fits no log type", "none classified"},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.jsonl")}, 2, "", "no such file"},
		{"a folder", []string{demo}, 2, "", "a folder, not a record file"},
		{"no file", []string{"--rule", "x"}, 2, "", "no RECORD_FILE"},
		{"two files", []string{absLogs, absLogs}, 2, "", "one RECORD_FILE, not 2"},
		{"bad format", []string{"--format", "yaml", absLogs}, 2, "", "--format must be text or json"},
		{"unknown flag", []string{"--rulez", "x", absLogs}, 2, "", "unknown flag --rulez"},
		{"missing rules folder", []string{"--rules", filepath.Join(t.TempDir(), "none"), absLogs}, 2, "", "--rules"},
		{"ruleset that does not lint", []string{"--schemas", demo + "/schemas", "--rules", badRules, absLogs}, 2, "", "bad.yaml:3:"},
		{"gzip", []string{gzFile, "--rule", "osquery_unauthorized_user_login"}, 0, gzFile + ":2: osquery:differential", "14 records"},
		{"truncated gzip", []string{truncated}, 2, "", "truncated.gz"},
		{"help", []string{"--help"}, 0, "usage: ruleck explain", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := ruleck(t, append([]string{"explain"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s\nwant stdout containing %q, stderr containing %q", code, tc.code, clipOut(out), errOut, tc.stdout, tc.stderr)
			}
		})
	}
}

func clipOut(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "..."
	}
	return s
}

// TestReadmeExplainExample keeps README's explain sample the real output.
func TestReadmeExplainExample(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "### 5. Explain it")
	if i < 0 {
		t.Fatal("README has no explain section")
	}
	s = s[i:]
	const fence = "\n```\nexamples/" // the sample output's opening fence
	start := strings.Index(s, fence)
	if start < 0 {
		t.Fatal("the explain section has no sample output")
	}
	sample := s[start+len(fence)-len("examples/"):]
	sample = sample[:strings.Index(sample, "```")]
	code, out, errOut := ruleck(t, "explain", "../../examples/logs/osquery.jsonl", "--rule", "osquery_unauthorized_user_login")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	out = strings.ReplaceAll(out, "../../examples/", "examples/")
	if !strings.Contains(out, sample) {
		t.Errorf("README's explain sample is not what ruleck explain prints; it prints:\n%s", out)
	}
}
