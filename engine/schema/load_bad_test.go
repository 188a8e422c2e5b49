package schema

import (
	"testing"
	"testing/fstest"
)

func TestLoadBadSchemas(t *testing.T) {
	tests := []struct {
		name, file, text string
		want             string // "file:line:col" of the one expected error
		code             string
	}{
		{"syntax", "a.yaml", "t:\n  parser: json\n   schema: x\n", "a.yaml:3:1", CodeSyntax},
		{"unknown type", "a.yaml", "t:\n  parser: json\n  schema:\n    a: strin\n", "a.yaml:4:8", CodeUnknownType},
		{"unknown type json", "a.json", "{\"t\": {\"parser\": \"json\",\n  \"schema\": {\"a\": \"int\"}}}", "a.json:2:19", CodeUnknownType},
		{"number as type", "a.yaml", "t:\n  parser: json\n  schema: {a: 5}\n", "a.yaml:3:15", CodeUnknownType},
		{"unknown parser", "a.yaml", "t:\n  parser: xml\n  schema: {a: string}\n", "a.yaml:2:11", CodeUnknownParser},
		{"unknown definition key", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  parsr: json\n", "a.yaml:4:3", CodeUnknownKey},
		{"unknown configuration key", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    json_pth: x\n", "a.yaml:5:5", CodeUnknownKey},
		{"missing schema", "a.yaml", "t:\n  parser: json\n", "a.yaml:1:1", CodeMissingKey},
		{"optional key not in schema", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    optional_top_level_keys: [a, b]\n", "a.yaml:5:34", CodeUnknownOptional},
		{"optional envelope key", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    envelope_keys: {e: string}\n    optional_envelope_keys: [f]\n", "a.yaml:6:30", CodeUnknownOptional},
		{"priority not integer", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    priority: high\n", "a.yaml:5:15", CodeWrongType},
		{"negative priority", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    priority: -1\n", "a.yaml:5:15", CodeBadValue},
		{"optional keys not a list", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    optional_top_level_keys: a\n", "a.yaml:5:30", CodeWrongType},
		{"bad json_path", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    json_path: 'Records[*'\n", "a.yaml:5:16", CodeBadJSONPath},
		{"embedded_json not bool", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    json_path: x\n    embedded_json: 'yes'\n", "a.yaml:6:20", CodeWrongType},
		{"bad glob", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    log_patterns: {a: [1]}\n", "a.yaml:5:24", CodeWrongType},
		{"csv delimiter too long", "a.yaml", "t:\n  parser: csv\n  schema: {a: string}\n  configuration:\n    delimiter: '::'\n", "a.yaml:5:16", CodeBadValue},
		{"quotechar empty", "a.yaml", "t:\n  parser: csv\n  schema: {a: string}\n  configuration:\n    quotechar: ''\n", "a.yaml:5:16", CodeBadValue},
		{"normalization unknown key", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    normalization:\n      ip: [{path: [a], fn: x}]\n", "a.yaml:6:24", CodeUnknownKey},
		{"normalization path undeclared", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    normalization:\n      ip: [b]\n", "a.yaml:6:11", CodeBadValue},
		{"condition without operator", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    normalization:\n      ip: [{path: [a], condition: {path: [a]}}]\n", "a.yaml:6:35", CodeMissingKey},
		{"undeclared_keys bad value", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    undeclared_keys: allow\n", "a.yaml:5:22", CodeBadValue},
		{"undeclared_keys on csv", "a.yaml", "t:\n  parser: csv\n  schema: {a: string}\n  configuration:\n    undeclared_keys: keep\n", "a.yaml:5:22", CodeBadValue},
		{"undeclared_keys not a string", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    undeclared_keys: true\n", "a.yaml:5:22", CodeWrongType},
		{"header_line on json", "a.yaml", "t:\n  parser: json\n  schema: {a: string}\n  configuration:\n    header_line: true\n", "a.yaml:5:18", CodeBadValue},
		{"header_line not a boolean", "a.yaml", "t:\n  parser: csv\n  schema: {a: string}\n  configuration:\n    header_line: 'yes'\n", "a.yaml:5:18", CodeWrongType},
		{"null_value on kv", "a.yaml", "t:\n  parser: kv\n  schema: {a: string}\n  configuration:\n    null_value: '-'\n", "a.yaml:5:17", CodeBadValue},
		{"spaced mapping of one key", "a.yaml", "t:\n  parser: spaced\n  schema:\n    a: {x: string}\n", "a.yaml:4:8", CodeWrongType},
		{"spaced nested mapping", "a.yaml", "t:\n  parser: spaced\n  schema:\n    a: {x: string, y: {z: string}}\n", "a.yaml:4:8", CodeWrongType},
		{"spaced delimiter", "a.yaml", "t:\n  parser: spaced\n  schema: {a: string}\n  configuration:\n    delimiter: ','\n", "a.yaml:5:5", CodeBadValue},
		{"duplicate key", "a.yaml", "t:\n  parser: json\n  parser: json\n  schema: {a: string}\n", "a.yaml:3:3", CodeDuplicateKey},
		{"definition not a mapping", "a.yaml", "t: [1]\n", "a.yaml:1:4", CodeWrongType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, diags := Load(fstest.MapFS{tc.file: {Data: []byte(tc.text)}})
			if set != nil {
				t.Fatal("Load returned a set despite errors")
			}
			errs := diags.Errors()
			if len(errs) != 1 || errs[0].Pos.String() != tc.want || errs[0].Code != tc.code {
				t.Errorf("got %v\nwant one %s error at %s", errs, tc.code, tc.want)
			}
		})
	}
}

func TestLoadDuplicateLogTypeAcrossFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml":     {Data: []byte("t:\n  parser: json\n  schema: {a: string}\n")},
		"sub/b.json": {Data: []byte("{\n  \"t\": {\"parser\": \"json\", \"schema\": {\"a\": \"string\"}}\n}\n")},
		"c.txt":      {Data: []byte("not a schema")},
	}
	_, diags := Load(fsys)
	if len(diags) != 1 || diags[0].Code != CodeDuplicateLogType || diags[0].Pos.String() != "sub/b.json:2:3" {
		t.Fatalf("got %v", diags)
	}
	if want := `sub/b.json:2:3: log type "t" is already defined at a.yaml:1:1 [duplicate-log-type]`; diags[0].String() != want {
		t.Errorf("message %q, want %q", diags[0].String(), want)
	}
}

func TestLoadAllProblemsAtOnce(t *testing.T) {
	fsys := fstest.MapFS{"a.yaml": {Data: []byte("t:\n  parser: xml\n  schema: {a: strng, b: bool}\n  configuration: {priority: x}\n")}}
	_, diags := Load(fsys)
	if len(diags) != 4 {
		t.Fatalf("want 4 problems, got %v", diags)
	}
}
