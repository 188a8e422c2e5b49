package jsonschema_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/lint/jsonschema"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/engine/testenv"
)

// compileSchema compiles a generated schema with the validator, as an
// editor would load it.
func compileSchema(t *testing.T, name string, src []byte) *validator.Schema {
	t.Helper()
	doc, err := validator.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("%s: not JSON: %v", name, err)
	}
	c := validator.NewCompiler()
	url := "mem:///" + name
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s: does not compile as a JSON Schema: %v", name, err)
	}
	return s
}

// storedSchema compiles the file kept in the repository (what the README
// tells editors to use).
func storedSchema(t *testing.T, kind string) *validator.Schema {
	t.Helper()
	src, err := os.ReadFile(kind + ".schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return compileSchema(t, kind+".schema.json", src)
}

// generated compiles a schema generated with opts.
func generated(t *testing.T, kind string, opts jsonschema.Options) *validator.Schema {
	t.Helper()
	src, err := jsonschema.Generate(kind, opts)
	if err != nil {
		t.Fatal(err)
	}
	return compileSchema(t, kind+".schema.json", src)
}

// errNotJSON is returned by yamlValue for YAML that has no JSON value
// (duplicate keys, a non-scalar key): the editor's YAML parser reports
// those, before any schema is applied.
var errNotJSON = errors.New("no JSON value")

// decodeYAML decodes the first document of src with the loaders' YAML
// library (gopkg.in/yaml.v3) into JSON values: a scalar's resolved tag
// decides its type, as in the loaders (!!int and !!float are numbers,
// !!bool a boolean, !!null null, anything else its string). An empty file
// is null.
func decodeYAML(src []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	return yamlValue(&doc, 0)
}

func yamlValue(n *yaml.Node, depth int) (any, error) {
	if depth > 100 {
		return nil, fmt.Errorf("%d:%d: nested too deep: %w", n.Line, n.Column, errNotJSON)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return yamlValue(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%d:%d: a key that is not a scalar: %w", k.Line, k.Column, errNotJSON)
			}
			if _, dup := out[k.Value]; dup {
				return nil, fmt.Errorf("%d:%d: duplicate key %q: %w", k.Line, k.Column, k.Value, errNotJSON)
			}
			v, err := yamlValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	}
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, err
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return json.Number(strconv.FormatInt(i, 10)), nil
		}
		var u uint64
		if err := n.Decode(&u); err != nil {
			return nil, err
		}
		return json.Number(strconv.FormatUint(u, 10)), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return n.Value, nil // no JSON number; the loaders read its text
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	}
	return n.Value, nil
}

// validateFile decodes a YAML file and validates it.
func validateFile(s *validator.Schema, path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	v, err := decodeYAML(src)
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// isLibrary reports whether a file is a library file as rule.ParseFile
// decides it: a mapping whose keys are all library keys.
func isLibrary(t *testing.T, path string) bool {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := decodeYAML(src)
	if err != nil {
		return false
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return false
	}
	for k := range m {
		if !slices.Contains(rule.LibraryKeys, k) {
			return false
		}
	}
	return true
}

// yamlFilesUnder lists the .yaml and .yml files under dir, recursively.
func yamlFilesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && rule.IsRuleFile(p) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestShippedRulesValidate validates every rule and library file the
// repository ships (rules.d, the end-to-end rule sets) against the stored rule.schema.json, and every library file
// also against library.schema.json.
func TestShippedRulesValidate(t *testing.T) {
	root := testenv.RepoRoot(t)
	ruleSchema, libSchema := storedSchema(t, "rule"), storedSchema(t, "library")
	var files []string
	for _, dir := range []string{"rules.d", "lambda/e2e/testdata"} {
		files = append(files, yamlFilesUnder(t, filepath.Join(root, dir))...)
	}
	rules, libs := 0, 0
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		if err := validateFile(ruleSchema, f); err != nil {
			t.Errorf("%s: rule.schema.json: %v", rel, err)
		}
		if isLibrary(t, f) {
			libs++
			if err := validateFile(libSchema, f); err != nil {
				t.Errorf("%s: library.schema.json: %v", rel, err)
			}
		} else {
			rules++
		}
	}
	if rules < 100 || libs < 10 {
		t.Errorf("validated %d rule files and %d library files; the repository ships more: were files moved?", rules, libs)
	}
}

// TestExampleConfigsValidate validates every streamalert.yaml of the
// repository (examples/, terraform/examples/*, fixtures) and the config
// loader's own test configurations against the stored config.schema.json;
// each also loads without errors, so the test checks the two agree.
func TestExampleConfigsValidate(t *testing.T) {
	root := testenv.RepoRoot(t)
	s := storedSchema(t, "config")
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == ".terraform") {
			return fs.SkipDir
		}
		if !d.IsDir() && d.Name() == "streamalert.yaml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "engine", "config", "testdata", "*.yaml"))
	files = append(files, more...)
	if len(files) < 4 {
		t.Fatalf("found %d example configurations: %v", len(files), files)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, diags := config.Load(data, rel); diags.HasErrors() {
			t.Errorf("%s: does not load: %v", rel, diags)
		}
		if err := validateFile(s, f); err != nil {
			t.Errorf("%s: config.schema.json: %v", rel, err)
		}
	}
}

// fixtureOptions is what `ruleck lint` checks the fixtures with: their own
// schemas and configuration (testdata/ruleck).
func fixtureOptions(t *testing.T) (jsonschema.Options, string) {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(t), "testdata", "ruleck")
	set, diags := schema.Load(os.DirFS(filepath.Join(dir, "schemas")))
	if diags.HasErrors() {
		t.Fatalf("fixture schemas: %v", diags)
	}
	data, err := os.ReadFile(filepath.Join(dir, "streamalert.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(data, "streamalert.yaml")
	if diags.HasErrors() {
		t.Fatalf("fixture config: %v", diags)
	}
	return jsonschema.Options{Schemas: set, Config: cfg, OutputServices: []string{"slack", "webhook"}}, dir
}

// caughtFixtures are the *.bad.yaml fixtures the schema rejects, each with
// a piece of the validation error that shows it is rejected for its own
// problem (the JSON pointer of the offending value, or the keyword).
var caughtFixtures = map[string]string{
	"bad-duration":     "at '/merge_window'",
	"bad-name":         "at '/name'",
	"bad-output":       "at '/outputs/0'",
	"bad-severity":     "at '/severity'",
	"bad-test":         "at '/tests/0': 'oneOf' failed",
	"empty-file":       "got null, want object",
	"missing-key":      "missing property 'log_types'",
	"unknown-datatype": "at '/datatypes/0'",
	"unknown-key":      "'conditon' not allowed",
	"unknown-log-type": "at '/log_types/0'",
	"unknown-output":   "at '/outputs/0'",
	"wrong-type":       "at '/severity': got array",
}

// notJSONFixtures do not decode to one JSON value: an editor's YAML parser
// reports them before any schema applies.
var notJSONFixtures = map[string]string{
	"yaml-syntax":   "not YAML: the editor's YAML parser reports it",
	"duplicate-key": "a key twice in one mapping: the editor's YAML parser reports it (a JSON value has no duplicate keys)",
}

// uncaughtFixtures validate: their problem is one a JSON Schema cannot
// express, with the reason.
var uncaughtFixtures = map[string]string{
	"bad-cidr":           "semantic: the CIDR is a literal inside the expression",
	"bad-glob":           "semantic: the glob is a literal inside the expression",
	"bad-regexp":         "semantic: the regexp is a literal inside the expression",
	"constant-condition": "semantic: what the expression reads (a lint warning)",
	"expr-compile":       "semantic: expr-lang syntax inside a string",
	"expr-type":          "semantic: expr-lang types",
	"field-type":         "semantic: field types of the log schema against operators",
	"unknown-field":      "semantic: fields of a log type, read inside expressions",
	"unknown-name":       "semantic: names inside the expression",
	"unknown-normalized": "semantic: normalized types read inside the expression",
	"unknown-list":       "cross-file: lists are defined in other (library) files",
	"unknown-matcher":    "cross-file: library matchers are defined in other files",
	"duplicate-list":     "cross-file: the first definition is in another library file",
	"duplicate-matcher":  "cross-file: the first definition is in another library file",
	"duplicate-rule":     "cross-file: the other rule of that name is another file",
	"unused-list":        "cross-file: whether any rule uses the list (a lint warning)",
	"unused-matcher":     "cross-file: whether any rule uses the matcher (a lint warning)",
	"no-outputs":         "a lint warning, not a load error: outputs is optional when loading",
	"no-tests":           "a lint warning, not a load error: tests is optional when loading",
	"weak-tests":         "a lint warning, not a load error: the loader accepts tests that all fire",
	"test-classify":      "semantic: the test record checked against the log type's schema",
	"multiple-documents": "editors validate each YAML document on its own; the first is a valid rule",
}

// TestBadFixtures validates every testdata/ruleck/*.bad.yaml against the
// rule schema generated with the fixtures' schemas and configuration: each
// one the schema can express as invalid fails, for its own problem; each it
// cannot (listed with the reason) validates; a fixture in no list fails the
// test, so a new fixture is classified when it is added. The good fixture
// files of testdata/ruleck/lib validate.
func TestBadFixtures(t *testing.T) {
	opts, dir := fixtureOptions(t)
	s := generated(t, "rule", opts)
	bad, err := filepath.Glob(filepath.Join(dir, "*.bad.yaml"))
	if err != nil || len(bad) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	good := yamlFilesUnder(t, filepath.Join(dir, "lib"))
	if len(good) == 0 {
		t.Fatalf("no fixture library in %s/lib", dir)
	}
	for _, f := range good {
		if err := validateFile(s, f); err != nil {
			t.Errorf("%s (a good fixture): %v", f, err)
		}
	}
	seen := map[string]bool{}
	for _, f := range bad {
		name := strings.TrimSuffix(filepath.Base(f), ".bad.yaml")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, caught := caughtFixtures[name]
			_, notJSON := notJSONFixtures[name]
			_, uncaught := uncaughtFixtures[name]
			if n := btoi(caught) + btoi(notJSON) + btoi(uncaught); n != 1 {
				t.Fatalf("%s.bad.yaml is in %d of the lists caughtFixtures, notJSONFixtures, uncaughtFixtures: put it in exactly one", name, n)
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			v, err := decodeYAML(src)
			if notJSON {
				if err == nil {
					t.Fatalf("decodes to a JSON value; move it to caughtFixtures or uncaughtFixtures")
				}
				return
			}
			if err != nil {
				t.Fatalf("does not decode: %v", err)
			}
			verr := s.Validate(v)
			switch {
			case caught && verr == nil:
				t.Errorf("validates, want it rejected (%s)", want)
			case caught && !strings.Contains(verr.Error(), want):
				t.Errorf("rejected, but not with %q:\n%v", want, verr)
			case uncaught && verr != nil:
				t.Errorf("rejected, but listed as uncatchable (%s); move it to caughtFixtures:\n%v", uncaughtFixtures[name], verr)
			}
		})
	}
	for _, list := range []map[string]string{caughtFixtures, notJSONFixtures, uncaughtFixtures} {
		for name := range list {
			if !seen[name] {
				t.Errorf("%s.bad.yaml is listed but does not exist in %s", name, dir)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
