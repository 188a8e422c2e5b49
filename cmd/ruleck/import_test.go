package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const importGood = `title: Okta API Token Created
id: 19951c21-229d-4ccb-8774-b993c3ff3c5c
description: Detects when a API token is created
logsource:
    product: okta
    service: okta
detection:
    selection:
        eventtype: system.api_token.create
    condition: selection
level: medium
`

const importAggregation = `title: Many Failed Logins
logsource:
    product: okta
    service: okta
detection:
    selection:
        eventtype: user.session.start
    condition: selection | count() by actor.alternateid > 10
level: medium
`

func runImportCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"import"}, args...), nil, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, path, src string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportSigma runs `ruleck import sigma` as users type it: a folder
// given by an absolute path with "..", flags after the arguments; a refused
// rule is reported at its Sigma position and not written; what is written
// lints clean with `ruleck lint`.
func TestImportSigma(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "sigma", "okta", "token.yml"), importGood)
	writeFile(t, filepath.Join(dir, "sigma", "okta", "brute.yml"), importAggregation)
	writeFile(t, filepath.Join(dir, "sigma", "okta", ".hidden.yml"), "not: [a sigma rule")
	out := filepath.Join(dir, "out")
	in := filepath.Join(dir, "sigma", "okta", "..")

	code, stdout, stderr := runImportCmd(t, "sigma", in, "-o", out)
	if code != exitProblems {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	wantRefusal := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(filepath.Join(in, "okta", "brute.yml")) + `:8:16: aggregation "\| count\(\) by actor.alternateid > 10" is not supported .*\[sigma-unsupported\]$`)
	if !wantRefusal.MatchString(stdout) {
		t.Errorf("stdout lacks the refusal:\n%s", stdout)
	}
	if !strings.Contains(stderr, "1 converted, 1 refused") {
		t.Errorf("stderr lacks the summary:\n%s", stderr)
	}
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) != 1 || entries[0].Name() != "okta_api_token_created.yaml" {
		t.Fatalf("wrote %v (%v), want okta_api_token_created.yaml only", entries, err)
	}
	if code, lout, lerr := runLintCmd(t, out); code != exitOK {
		t.Errorf("ruleck lint of the converted rules: exit %d\n%s%s", code, lout, lerr)
	}

	// Every rule converted: exit 0; flags first, one file.
	out2 := filepath.Join(dir, "out2")
	code, stdout, stderr = runImportCmd(t, "-o", out2, "sigma", filepath.Join(dir, "sigma", "okta", "token.yml"))
	if code != exitOK || stdout != "" || !strings.Contains(stderr, "1 converted, 0 refused") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func runLintCmd(t *testing.T, path string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"lint", path}, nil, &out, &errb)
	return code, out.String(), errb.String()
}

// TestImportSigmaMap checks --map: a logsource the shipped mappings lack is
// refused, then converted with a user's mapping file; a broken mapping file
// is a usage error naming its line.
func TestImportSigmaMap(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "app.yml")
	writeFile(t, rule, `title: Acme Admin Deleted
logsource:
    product: acme
    service: app
detection:
    sel:
        action: admin.delete
    condition: sel
level: high
`)
	out := filepath.Join(dir, "out")
	code, stdout, _ := runImportCmd(t, "sigma", rule, "-o", out)
	if code != exitProblems || !strings.Contains(stdout, rule+":2:1: logsource product=acme service=app is not mapped to a log type") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	mapFile := filepath.Join(dir, "map.yaml")
	writeFile(t, mapFile, "logsources:\n  - name: acme\n    match: [{product: acme, service: app}]\n    log_types: [json:generic]\n    identity: flat\n")
	code, stdout, stderr := runImportCmd(t, "sigma", rule, "-o", out, "--map", mapFile)
	if code != exitOK {
		t.Fatalf("with --map: exit %d\n%s%s", code, stdout, stderr)
	}
	got, err := os.ReadFile(filepath.Join(out, "acme_admin_deleted.yaml"))
	if err != nil || !strings.Contains(string(got), `lower(string(record.action ?? "")) == "admin.delete"`) {
		t.Errorf("converted rule (%v):\n%s", err, got)
	}
	writeFile(t, mapFile, "logsources:\n  - name: acme\n    match: [{product: acme}]\n    log_typs: [json:generic]\n")
	code, _, stderr = runImportCmd(t, "sigma", rule, "-o", out, "--map", mapFile)
	if code != exitUsage || !strings.Contains(stderr, mapFile+":4: field log_typs not found") {
		t.Errorf("broken map: exit %d, stderr %q", code, stderr)
	}
}

func TestImportSigmaUsage(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no format", nil, exitUsage, "missing the format"},
		{"unknown format", []string{"yara", dir, "-o", dir}, exitUsage, `unknown format "yara"`},
		{"no -o", []string{"sigma", dir}, exitUsage, "-o DIR is required"},
		{"no input", []string{"sigma", "-o", dir}, exitUsage, "no Sigma file or folder given"},
		{"missing input", []string{"sigma", filepath.Join(dir, "nope"), "-o", dir}, exitUsage, "no such file or directory"},
		{"unknown flag", []string{"sigma", dir, "--mpa", "x"}, exitUsage, "unknown flag --mpa (did you mean --map?)"},
		{"nothing to convert", []string{"sigma", empty, "-o", filepath.Join(dir, "out")}, exitProblems, "no Sigma rule files (.yml, .yaml) in " + empty + ": nothing was converted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runImportCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
	code, stdout, _ := runImportCmd(t, "--help")
	if code != exitOK || !strings.Contains(stdout, "usage: ruleck import sigma") || !strings.Contains(stdout, "--map FILE") {
		t.Errorf("--help: exit %d\n%s", code, stdout)
	}
}
