package main

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs one streamalert command line in process.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestFlagsAnywhere: flags may follow INPUTs (GNU style), in both the
// "--flag value" and "--flag=value" forms; "--" ends the flags.
func TestFlagsAnywhere(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	in := filepath.Join(t.TempDir(), "in.jsonl")
	writeFile(t, in, event("alpha", 1)+"\n")
	code, out, errs := runCmd(t, "run", in, "--rules", rules, "--schemas="+schemas)
	if code != 0 || !strings.Contains(out, `"rule_name":"kind_alpha"`) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	code, out, errs = runCmd(t, "classify", in, "--schemas", schemas)
	if code != 0 || !strings.Contains(out, `"log_type":"test:event"`) {
		t.Fatalf("classify: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	// After --, "--watch" is an INPUT (and does not exist: I/O error).
	code, _, errs = runCmd(t, "run", "--rules", rules, "--schemas", schemas, "--", "--watch")
	if code != 2 || !strings.Contains(errs, "--watch") {
		t.Fatalf("after --: exit %d, stderr %q", code, errs)
	}
}

// TestHelpAndUnknownFlags: --help on every command prints that command's
// flags on stdout and exits 0; an unknown flag says "did you mean" and exits
// 2 without the flag list.
func TestHelpAndUnknownFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"run", "--help"}, []string{"usage: streamalert run", "--rules DIR", "--listen ADDR", "--tls-cert FILE", "--max-records"}, ""},
		{[]string{"run", "x", "-h"}, []string{"usage: streamalert run"}, ""},
		{[]string{"classify", "--help"}, []string{"usage: streamalert classify", "--schemas DIR"}, "  --rules DIR"},
		{[]string{"output", "test", "-h"}, []string{"usage: streamalert output test", "--attempts"}, ""},
		{[]string{"rules", "push", "--help"}, []string{"usage:", "--bucket BUCKET", "--dry-run"}, ""},
		{[]string{"--help"}, []string{"streamalert run", "streamalert --version"}, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runCmd(t, tc.args...)
			if code != 0 || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
			if tc.not != "" && strings.Contains(out, tc.not) {
				t.Errorf("help shows %q:\n%s", tc.not, out)
			}
		})
	}
	code, out, errs := runCmd(t, "run", "logs/", "--rule", "rules.d")
	if code != 2 || out != "" {
		t.Fatalf("unknown flag: exit %d, stdout %q", code, out)
	}
	if !strings.HasPrefix(errs, "streamalert run: unknown flag --rule (did you mean --rules?)\n") || strings.Contains(errs, "--drain-timeout") {
		t.Fatalf("unknown flag: stderr %q", errs)
	}
	code, _, errs = runCmd(t, "classify", "--rules", "x", "-")
	if code != 2 || !strings.Contains(errs, "unknown flag --rules") {
		t.Fatalf("classify --rules: exit %d, stderr %q", code, errs)
	}
}

// TestVersion: --version prints the module and the build's revision.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		code, out, _ := runCmd(t, arg)
		if code != 0 || !strings.HasPrefix(out, "streamalert github.com/streamalert-go/streamalert ") || !strings.Contains(out, "revision") {
			t.Errorf("%s: exit %d, %q", arg, code, out)
		}
	}
}

// TestIOErrorsExit2: a folder, file or config that cannot be read is an I/O
// error (2), not a problem in the rules (1).
func TestIOErrorsExit2(t *testing.T) {
	rules, schemas := testDirs(t, nil)
	dir := t.TempDir()
	file := filepath.Join(dir, "f.jsonl")
	writeFile(t, file, "{}\n")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"run", "--rules", filepath.Join(dir, "nosuch"), "--schemas", schemas, "-"}, "--rules"},
		{[]string{"run", "--rules", rules, "--schemas", filepath.Join(dir, "nosuch"), "-"}, "--schemas"},
		{[]string{"run", "--rules", file, "--schemas", schemas, "-"}, "not a folder"},
		{[]string{"classify", "--schemas", filepath.Join(dir, "nosuch"), "-"}, "--schemas"},
		{[]string{"run", "--rules", rules, "--schemas", schemas, "--config", filepath.Join(dir, "nosuch.yaml"), "-"}, "nosuch.yaml"},
		{[]string{"run", "--rules", rules, "--schemas", schemas, filepath.Join(dir, "nosuch.jsonl")}, "nosuch.jsonl"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errs := runCmd(t, tc.args...)
			if code != 2 || !strings.Contains(errs, tc.msg) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errs, tc.msg)
			}
		})
	}
}

// TestMissingSecretsStopTheStart: outputs whose secrets are unset stop
// `run` at start-up (exit 2), naming each missing reference, before any
// record is read or any alert dead-lettered.
func TestMissingSecretsStopTheStart(t *testing.T) {
	hook := &hookServer{status: 200}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": hookRule})
	cfg := filepath.Join(t.TempDir(), "streamalert.yaml")
	writeFile(t, cfg, "outputs:\n  webhook:\n    hook: {url: \""+srv.URL+"\", signing_secret: \"env:RUN_TEST_UNSET_SIGNING\"}\n  slack:\n    sec: {webhook_url: \"env:RUN_TEST_UNSET_SLACK\"}\n")
	in := filepath.Join(t.TempDir(), "in.jsonl")
	writeFile(t, in, event("alpha", 1)+"\n")
	dl := filepath.Join(t.TempDir(), "dl.jsonl")
	code, out, errs := runCmd(t, "run", "--rules", rules, "--schemas", schemas, "--config", cfg, "--alert-dead-letter", dl, in)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, errs)
	}
	for _, w := range []string{"env:RUN_TEST_UNSET_SIGNING", "env:RUN_TEST_UNSET_SLACK", "outputs.slack.sec.webhook_url"} {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
	if out != "" || len(hook.received()) != 0 {
		t.Errorf("records were processed: stdout %q, webhook got %v", out, hook.received())
	}
	t.Setenv("RUN_TEST_UNSET_SIGNING", "signing-key-123456")
	t.Setenv("RUN_TEST_UNSET_SLACK", "https://hooks.slack.invalid/services/T/B/x")
	if code, _, errs := runCmd(t, "run", "--rules", rules, "--schemas", schemas, "--config", cfg, in); code != 0 {
		t.Fatalf("with the secrets set: exit %d\n%s", code, errs)
	}
	if got := hook.received(); len(got) != 1 {
		t.Fatalf("webhook got %v", got)
	}
}
