package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/lint/jsonschema"
)

var update = flag.Bool("update", false, "rewrite the golden files: engine/lint/jsonschema/*.schema.json and testdata/explain/*.golden")

// schemaDir is where the generated schemas are kept.
const schemaDir = "../../engine/lint/jsonschema"

// TestSchemaFiles regenerates every schema as `ruleck schema KIND` prints
// it (embedded schemas, the outputs registry's services) and fails when the
// file kept in the repository differs. `go test ./cmd/ruleck -run
// TestSchemaFiles -update` rewrites them.
func TestSchemaFiles(t *testing.T) {
	for _, kind := range jsonschema.Kinds {
		t.Run(kind, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"schema", kind}, nil, &stdout, &stderr); code != 0 {
				t.Fatalf("ruleck schema %s: exit %d: %s", kind, code, stderr.String())
			}
			file := filepath.Join(schemaDir, kind+".schema.json")
			if *update {
				if err := os.WriteFile(file, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			kept, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(kept, stdout.Bytes()) {
				t.Errorf("%s differs from `ruleck schema %s` (the loaders' keys, the schemas or the outputs changed): run `go test ./cmd/ruleck -run TestSchemaFiles -update`", file, kind)
			}
		})
	}
}

// TestSchemaCommand checks the command line of `ruleck schema`: the
// default kind, flags before and after the kind, paths written with ".."
// or absolute, and each kind of error with its exit code.
func TestSchemaCommand(t *testing.T) {
	abs, err := filepath.Abs("../../testdata/ruleck/streamalert.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "streamalert.yaml")
	if err := os.WriteFile(badConfig, []byte("sorces: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rule, err := os.ReadFile(filepath.Join(schemaDir, "rule.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // a piece of stdout ("" for: must be empty when code != 0)
		stderr     string // a piece of stderr
		outputs    []string
		logTypes   []string
		wantStdout []byte
	}{
		{name: "default is rule", args: []string{"schema"}, wantStdout: rule},
		{name: "library", args: []string{"schema", "library"}, stdout: `"title": "StreamAlert (Go) library file"`},
		{name: "config", args: []string{"schema", "config"}, stdout: `"pagerduty-v2": {`},
		{name: "config flag after the kind, absolute path", args: []string{"schema", "rule", "--config", abs}, outputs: []string{"slack:security"}},
		{name: "schemas with ..", args: []string{"schema", "--schemas=../../testdata/ruleck/schemas"}, logTypes: []string{"host", "host:event", "host:status"}},
		{name: "unknown kind", args: []string{"schema", "rulez"}, code: 2, stderr: `unknown schema "rulez" (known: rule, library, config); did you mean "rule"?`},
		{name: "two kinds", args: []string{"schema", "rule", "config"}, code: 2, stderr: "one schema at a time"},
		{name: "unknown flag", args: []string{"schema", "--confg", "x"}, code: 2, stderr: "did you mean --config?"},
		{name: "missing config", args: []string{"schema", "--config", filepath.Join(dir, "none.yaml")}, code: 2, stderr: "none.yaml"},
		{name: "missing schemas", args: []string{"schema", "--schemas", filepath.Join(dir, "none")}, code: 2, stderr: "none"},
		{name: "config with problems", args: []string{"schema", "--config", badConfig}, code: 1, stderr: badConfig + ":1:1: unknown key \"sorces\""},
		{name: "help", args: []string{"schema", "--help"}, stdout: "usage: ruleck schema [flags] [rule|library|config]"},
		{name: "command typo", args: []string{"schem"}, code: 2, stderr: `did you mean "schema"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, nil, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if tt.code != 0 && stdout.Len() > 0 {
				t.Errorf("stdout is not empty on failure:\n%s", stdout.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stdout:\n%.400s\nstderr:\n%s\nwant stdout to hold %q, stderr %q", stdout.String(), stderr.String(), tt.stdout, tt.stderr)
			}
			if tt.wantStdout != nil && !bytes.Equal(stdout.Bytes(), tt.wantStdout) {
				t.Error("stdout differs from the kept rule.schema.json")
			}
			if tt.outputs == nil && tt.logTypes == nil {
				return
			}
			var s struct {
				Properties map[string]struct {
					Items struct {
						Enum []string `json:"enum"`
					} `json:"items"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			if got := s.Properties["outputs"].Items.Enum; tt.outputs != nil && !slices.Equal(got, tt.outputs) {
				t.Errorf("outputs enum = %q, want %q", got, tt.outputs)
			}
			if got := s.Properties["log_types"].Items.Enum; tt.logTypes != nil && !slices.Equal(got, tt.logTypes) {
				t.Errorf("log_types enum = %q, want %q", got, tt.logTypes)
			}
		})
	}
}

// TestReadmeSchemaPaths checks the README's editor snippets: every
// `# yaml-language-server: $schema=` line names a kept schema (a relative
// path, from rules.d/osquery/ as the README says, or a URL ending in the
// file's repository path), and every schema of the `yaml.schemas` setting
// exists, relative to the repository root.
func TestReadmeSchemaPaths(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	const marker = "# yaml-language-server: $schema="
	relative, urls := 0, 0
	for _, line := range strings.Split(text, "\n") {
		_, ref, ok := strings.Cut(line, marker)
		if !ok {
			continue
		}
		if u, ok := strings.CutPrefix(ref, "https://raw.githubusercontent.com/streamalert-go/streamalert/main/"); ok {
			urls++
			ref = filepath.Join("../..", u)
		} else {
			relative++
			ref = filepath.Join("../../rules.d/osquery", ref)
		}
		if _, err := os.Stat(ref); err != nil {
			t.Errorf("README: %s: %v", line, err)
		}
	}
	if relative == 0 || urls == 0 {
		t.Errorf("README shows %d relative and %d URL $schema lines, want both", relative, urls)
	}
	_, rest, ok := strings.Cut(text, "```json\n{\n  \"yaml.schemas\"")
	if !ok {
		t.Fatal("README has no ```json block with the yaml.schemas setting")
	}
	block, _, _ := strings.Cut("{\n  \"yaml.schemas\""+rest, "```")
	var settings struct {
		Schemas map[string][]string `json:"yaml.schemas"`
	}
	if err := json.Unmarshal([]byte(block), &settings); err != nil {
		t.Fatalf("README's settings.json block: %v", err)
	}
	if len(settings.Schemas) == 0 {
		t.Fatal("README's yaml.schemas setting is empty")
	}
	for path, globs := range settings.Schemas {
		if _, err := os.Stat(filepath.Join("../..", path)); err != nil {
			t.Errorf("README yaml.schemas: %v", err)
		}
		if strings.Contains(path, "rule.schema.json") && !slices.Contains(globs, "rules.d/**/*.yaml") {
			t.Errorf("README yaml.schemas: %s is not mapped to rules.d/**/*.yaml: %q", path, globs)
		}
	}
}
