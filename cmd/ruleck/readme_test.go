package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
	"gopkg.in/yaml.v3"
)

// readmeBlock is one ```yaml block of README.md.
type readmeBlock struct {
	line int    // README line of the block's first line
	src  string // the block's text
	path string // from a first line "# rules.d/PATH", else ""
	// excerpt is set when the first line says "(excerpt)": the block shows
	// part of the shipped file at path.
	excerpt bool
}

var (
	yamlFence = regexp.MustCompile("(?ms)^```yaml\n(.*?)^```$")
	pathLine  = regexp.MustCompile(`^# rules\.d/(\S+\.ya?ml)( \(excerpt\))?`)
)

func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []readmeBlock
	for _, m := range yamlFence.FindAllSubmatchIndex(data, -1) {
		b := readmeBlock{line: bytes.Count(data[:m[2]], []byte("\n")) + 1, src: string(data[m[2]:m[3]])}
		if pm := pathLine.FindStringSubmatch(b.src); pm != nil {
			b.path, b.excerpt = pm[1], pm[2] != ""
		}
		out = append(out, b)
	}
	return out
}

// TestReadmeExamples makes every YAML block of README.md a checked example,
// so the documentation cannot rot: rule and library blocks are copied into
// the shipped rules.d (as the README tells analysts to) and must pass
// `ruleck lint --strict --config examples/streamalert.yaml` and `ruleck
// test`; an "(excerpt)" block must match the shipped file it quotes; schema
// blocks must load as schemas and configuration blocks as streamalert.yaml.
// A block that is none of these fails the test.
func TestReadmeExamples(t *testing.T) {
	blocks := readmeBlocks(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, rulesd.FS); err != nil {
		t.Fatal(err)
	}
	var ruleNames []string
	rules, libs, schemas, configs := 0, 0, 0, 0
	for i, b := range blocks {
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(b.src), &doc); err != nil {
			t.Errorf("README.md:%d: YAML block does not parse: %v", b.line, err)
			continue
		}
		_, hasName := doc["name"]
		isRule := hasName && (doc["log_types"] != nil || doc["datatypes"] != nil)
		isLib := len(doc) > 0
		for k := range doc {
			isLib = isLib && (k == "matchers" || k == "lists")
		}
		switch {
		case b.excerpt:
			shipped, err := os.ReadFile(filepath.Join("../../rules.d", b.path))
			if err != nil {
				t.Errorf("README.md:%d: excerpt of rules.d/%s: %v", b.line, b.path, err)
				continue
			}
			var full map[string]map[string]any
			if err := yaml.Unmarshal(shipped, &full); err != nil {
				t.Fatal(err)
			}
			for section, v := range doc {
				for name, val := range v.(map[string]any) {
					if !reflect.DeepEqual(full[section][name], val) {
						t.Errorf("README.md:%d: %s.%s is %v in the README but %v in rules.d/%s", b.line, section, name, val, full[section][name], b.path)
					}
				}
			}
		case isRule || isLib:
			if isRule {
				rules++
				ruleNames = append(ruleNames, doc["name"].(string))
			} else {
				libs++
			}
			rel := b.path
			if rel == "" {
				rel = filepath.Join("readme", "block"+string(rune('a'+i))+".yaml")
			}
			target := filepath.Join(dir, rel)
			if _, err := os.Stat(target); err == nil {
				t.Errorf("README.md:%d: the example would overwrite the shipped rules.d/%s; give it its own name", b.line, rel)
				continue
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(target, []byte(b.src), 0o644); err != nil {
				t.Fatal(err)
			}
		case doc["outputs"] != nil || doc["sources"] != nil || doc["limits"] != nil:
			configs++
			if _, ds := config.Load([]byte(b.src), "README.md"); len(ds) > 0 {
				t.Errorf("README.md:%d: configuration example does not load:\n%v", b.line, ds)
			}
		default:
			schemas++
			if _, ds := schema.Load(os.DirFS(writeTemp(t, "schema.yaml", b.src))); len(ds) > 0 {
				t.Errorf("README.md:%d: YAML block is not a rule, library, schema or configuration that loads:\n%v", b.line, ds)
			}
		}
	}
	t.Logf("README.md: %d rule, %d library, %d schema and %d configuration blocks", rules, libs, schemas, configs)
	if rules == 0 {
		t.Fatal("README.md shows no rule: the test would check nothing")
	}

	var stdout, stderr bytes.Buffer
	ctx := context.Background()
	if code := run(ctx, []string{"lint", "--strict", "--config", "../../examples/streamalert.yaml", dir}, nil, &stdout, &stderr); code != exitOK {
		t.Errorf("ruleck lint --strict on rules.d plus the README's examples: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	runRE := "^(" + strings.Join(ruleNames, "|") + ")$"
	code := run(ctx, []string{"test", "--run", runRE, dir}, nil, &stdout, &stderr)
	if code != exitOK || !regexp.MustCompile(`(?m)^[1-9][0-9]* passed, 0 failed$`).Match(stdout.Bytes()) {
		t.Errorf("ruleck test --run %s: exit %d\n%s%s", runRE, code, stdout.String(), stderr.String())
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
