package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputTest drives `streamalert output test` against a local webhook:
// a delivered test alert exits 0, a failing output exits 1 without printing
// its secret, a bad invocation exits 2.
func TestOutputTest(t *testing.T) {
	ok := &hookServer{status: http.StatusOK}
	okSrv := httptest.NewServer(ok)
	defer okSrv.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer failing.Close()
	cfg := filepath.Join(t.TempDir(), "streamalert.yaml")
	writeFile(t, cfg, "outputs:\n  webhook:\n    ok: {url: \""+okSrv.URL+"/hook\"}\n    broken: {url: \""+failing.URL+"/hook\", signing_secret: \"env:OUTPUT_TEST_SECRET\"}\n    unset: {url: \""+okSrv.URL+"/hook\", signing_secret: \"env:OUTPUT_TEST_UNSET\"}\n")
	t.Setenv("OUTPUT_TEST_SECRET", "s3cr3t-value")

	tests := []struct {
		args     []string
		code     int
		stdout   string // substring
		noSecret bool
		stderr   string // substring
	}{
		{[]string{"output", "test", "webhook:ok", "--config", cfg}, 0, "webhook:ok", false, ""},
		{[]string{"output", "test", "--config", cfg, "--attempts", "1", "webhook:broken"}, 1, "", true, ""},
		{[]string{"output", "test", "webhook:missing", "--config", cfg}, 2, "", false, ""},
		{[]string{"output", "test", "--config", cfg}, 2, "", false, ""},
		{[]string{"output", "frob"}, 2, "", false, ""},
		// A secret that cannot be resolved: a configuration error, named,
		// before anything is sent.
		{[]string{"output", "test", "webhook:unset", "--config", cfg}, 2, "", false, "outputs.webhook.unset.signing_secret: secret env:OUTPUT_TEST_UNSET: environment variable OUTPUT_TEST_UNSET is not set"},
		{[]string{"output", "test", "--help"}, 0, "--attempts", false, ""},
		{[]string{"output", "test", "webhook:ok", "--atempts", "2", "--config", cfg}, 2, "", false, "did you mean --attempts?"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			var stdout, stderr syncBuffer
			code := run(t.Context(), tt.args, strings.NewReader(""), &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, out)
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, out)
			}
			if tt.noSecret && strings.Contains(out, "s3cr3t-value") {
				t.Errorf("the secret leaked:\n%s", out)
			}
		})
	}
	if got := ok.received(); len(got) != 1 || got[0] != "streamalert_output_test" {
		t.Errorf("the webhook received %v, want one streamalert_output_test alert", got)
	}
}
