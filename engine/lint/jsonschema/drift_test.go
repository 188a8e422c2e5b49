package jsonschema_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint/jsonschema"
	"github.com/streamalert-go/streamalert/engine/rule"
)

func decodeSchema(t *testing.T, kind string, opts jsonschema.Options) map[string]any {
	t.Helper()
	src, err := jsonschema.Generate(kind, opts)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(src, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// propertyOrder returns the keys of the "properties" object at pointer
// path in src, in the order the file writes them.
func propertyOrder(t *testing.T, kind string, path ...string) []string {
	t.Helper()
	src, err := jsonschema.Generate(kind, jsonschema.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw := json.RawMessage(src)
	for _, p := range append(path, "properties") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %v: %v", kind, path, err)
		}
		raw = m[p]
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		default:
			if s, ok := tok.(string); ok && depth == 1 {
				keys = append(keys, s)
				// skip the value
				var v json.RawMessage
				if err := dec.Decode(&v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return keys
}

// TestKeysMatchLoaderTables checks that every generated schema has exactly
// the keys of the loader's table, in the table's (canonical) order, each
// with a description and a type: a key the loader accepts that the schema
// lacks, or a schema key the loader does not know, fails here.
func TestKeysMatchLoaderTables(t *testing.T) {
	tests := []struct {
		kind string
		path []string
		want []string
	}{
		{"rule", nil, append(slices.Clone(rule.RuleKeys), "lists")}, // lists: allowed only by the library branch
		{"rule", []string{"$defs", "test"}, rule.TestKeys},
		{"rule", []string{"$defs", "library"}, rule.LibraryKeys},
		{"library", nil, rule.LibraryKeys},
		{"config", nil, config.Keys},
		{"config", []string{"properties", "limits"}, config.LimitKeys},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+strings.Join(tt.path, "/"), func(t *testing.T) {
			got := propertyOrder(t, tt.kind, tt.path...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("properties = %q\nloader's keys = %q", got, tt.want)
			}
			m := decodeSchema(t, tt.kind, jsonschema.Options{})
			var node any = m
			for _, p := range append(tt.path, "properties") {
				node = node.(map[string]any)[p]
			}
			for k, v := range node.(map[string]any) {
				p := v.(map[string]any)
				if d, _ := p["description"].(string); strings.TrimSpace(d) == "" {
					t.Errorf("%s has no description", k)
				}
				constrained := false
				for _, kw := range []string{"type", "$ref", "not", "anyOf"} {
					if _, ok := p[kw]; ok {
						constrained = true
					}
				}
				if !constrained && k != "lists" {
					t.Errorf("%s has neither a type nor a $ref: add its case to the generator", k)
				}
			}
			if ap, ok := m["additionalProperties"]; tt.path == nil && (!ok || ap != false) {
				t.Errorf("the root is not closed (additionalProperties: %v)", ap)
			}
		})
	}
}

// loaderRuleOK parses one rule or library file with the loader and reports
// whether it has no error.
func loaderRuleOK(src string) (bool, diag.List) {
	lib := &rule.Library{Matchers: map[string]*rule.Matcher{}, Lists: map[string]*rule.List{}}
	var diags diag.List
	rule.ParseFile(lib, "r.yaml", []byte(src), &diags)
	return !diags.HasErrors(), diags
}

// ruleCases are rule and library files that the loader and the schema must
// judge alike. Together the valid ones use every key of the loader's
// tables (TestRuleAgreement checks that), so a key the schema has and the
// loader refuses, or one the loader accepts and the schema refuses, fails.
var ruleCases = []struct {
	name, src string
	valid     bool
}{
	{"minimal", "name: r\nlog_types: [osquery]\ncondition: record.name == \"x\"\n", true},
	{"every key", `name: r_all
description: all keys
log_types: [osquery:differential]
datatypes: [sourceAddress]
matchers: [m1, {local: record.a == 1}]
condition: |
  record.name == "x"
outputs: [slack:security]
severity: critical
tags: [attack.t1078]
req_subkeys: {columns: [user, host]}
context: {runbook: https://wiki}
merge_by_keys: [host]
merge_window: 1h30m
dedup_period: 10m
dedup_keys: [user]
threshold: 5
staged: true
enabled: false
tests:
  - description: fires
    log_type: osquery:differential
    record: {name: x}
    trigger: true
  - description: raw
    raw: '{"name": "y"}'
    trigger: false
`, true},
	{"datatypes only", "name: r\ndatatypes: [userName]\nmatchers: [m]\n", true},
	{"matchers as a mapping", "name: r\nlog_types: [a]\nmatchers: {x: record.a == 1}\n", true},
	{"empty optional keys", "name: r\nlog_types: [a]\ncondition: x\ndescription:\ntags:\ncontext:\nseverity:\ntests:\nthreshold:\nenabled:\nreq_subkeys:\n", true},
	{"constant scalar condition", "name: r\nlog_types: [a]\ncondition: true\n", true},
	{"empty log_types list", "name: r\nlog_types: []\ncondition: x\n", true},
	{"dedup by threshold", "name: r\nlog_types: [a]\ncondition: x\ndedup_keys: [h]\nthreshold: 3\n", true},
	{"duration zero and fractions", "name: r\nlog_types: [a]\ncondition: x\ndedup_period: 0\n", false}, // 0 is an integer, not a duration string
	{"duration fraction", "name: r\nlog_types: [a]\ncondition: x\ndedup_period: 1.5h\n", true},
	{"output descriptor with colon", "name: r\nlog_types: [a]\ncondition: x\noutputs: [webhook:a:b]\n", true},
	{"library", "matchers:\n  m: record.a == 1\nlists:\n  l: [a, 1, 2.5, true]\n", true},
	{"library lists only", "lists:\n  corp: [10.0.0.0/8]\n", true},
	{"library empty list", "lists:\n  none:\n", true},

	{"unknown key", "name: r\nlog_types: [a]\ncondition: x\nconditon: y\n", false},
	{"lists in a rule", "name: r\nlog_types: [a]\ncondition: x\nlists: {l: [a]}\n", false},
	{"bad name", "name: R-1\nlog_types: [a]\ncondition: x\n", false},
	{"no name", "log_types: [a]\ncondition: x\n", false},
	{"null name", "name:\nlog_types: [a]\ncondition: x\n", false},
	{"no log types", "name: r\ncondition: x\n", false},
	{"null log types", "name: r\nlog_types:\ncondition: x\n", false},
	{"no condition", "name: r\nlog_types: [a]\n", false},
	{"null condition", "name: r\nlog_types: [a]\ncondition:\nmatchers: [m]\n", false},
	{"blank condition", "name: r\nlog_types: [a]\ncondition: '  '\n", false},
	{"empty matchers only", "name: r\nlog_types: [a]\nmatchers: []\n", false},
	{"merge keys without window", "name: r\nlog_types: [a]\ncondition: x\nmerge_by_keys: [h]\n", false},
	{"merge window without keys", "name: r\nlog_types: [a]\ncondition: x\nmerge_window: 10m\n", false},
	{"dedup keys alone", "name: r\nlog_types: [a]\ncondition: x\ndedup_keys: [h]\n", false},
	{"dedup keys, threshold 1", "name: r\nlog_types: [a]\ncondition: x\ndedup_keys: [h]\nthreshold: 1\n", false},
	{"bad severity", "name: r\nlog_types: [a]\ncondition: x\nseverity: hihg\n", false},
	{"severity list", "name: r\nlog_types: [a]\ncondition: x\nseverity: [high]\n", false},
	{"negative threshold", "name: r\nlog_types: [a]\ncondition: x\nthreshold: -1\n", false},
	{"threshold string", "name: r\nlog_types: [a]\ncondition: x\nthreshold: '5'\n", false},
	{"staged yes", "name: r\nlog_types: [a]\ncondition: x\nstaged: yes\n", false},
	{"bad duration", "name: r\nlog_types: [a]\ncondition: x\nmerge_by_keys: [h]\nmerge_window: 10 minutes\n", false},
	{"negative duration", "name: r\nlog_types: [a]\ncondition: x\nmerge_by_keys: [h]\nmerge_window: -1m\n", false},
	{"output without descriptor", "name: r\nlog_types: [a]\ncondition: x\noutputs: [slack]\n", false},
	{"output without service", "name: r\nlog_types: [a]\ncondition: x\noutputs: [':x']\n", false},
	{"log types scalar", "name: r\nlog_types: osquery\ncondition: x\n", false},
	{"tags not strings", "name: r\nlog_types: [a]\ncondition: x\ntags: [1]\n", false},
	{"req_subkeys list", "name: r\nlog_types: [a]\ncondition: x\nreq_subkeys: [a]\n", false},
	{"context list", "name: r\nlog_types: [a]\ncondition: x\ncontext: [a]\n", false},
	{"local matcher name", "name: r\nlog_types: [a]\nmatchers: [{not-ident: record.a == 1}]\n", false},
	{"matcher item number", "name: r\nlog_types: [a]\nmatchers: [1]\n", false},
	{"tests scalar", "name: r\nlog_types: [a]\ncondition: x\ntests: yes\n", false},
	{"test unknown key", "name: r\nlog_types: [a]\ncondition: x\ntests: [{record: {}, trigger: true, expect: 1}]\n", false},
	{"test record and raw", "name: r\nlog_types: [a]\ncondition: x\ntests: [{record: {}, raw: x, trigger: true}]\n", false},
	{"test neither", "name: r\nlog_types: [a]\ncondition: x\ntests: [{trigger: true}]\n", false},
	{"test without trigger", "name: r\nlog_types: [a]\ncondition: x\ntests: [{record: {}}]\n", false},
	{"test record scalar", "name: r\nlog_types: [a]\ncondition: x\ntests: [{record: x, trigger: true}]\n", false},
	{"test raw number", "name: r\nlog_types: [a]\ncondition: x\ntests: [{raw: 5, trigger: true}]\n", false},
	{"test trigger string", "name: r\nlog_types: [a]\ncondition: x\ntests: [{raw: x, trigger: 'true'}]\n", false},
	{"test case scalar", "name: r\nlog_types: [a]\ncondition: x\ntests: [x]\n", false},
	{"library bad matcher name", "matchers:\n  not-ident: record.a == 1\n", false},
	{"library empty matcher", "matchers:\n  m: ''\n", false},
	{"library list of mappings", "lists:\n  l: [{a: 1}]\n", false},
	{"library list scalar", "lists:\n  l: x\n", false},
	{"library matchers list", "matchers: [a]\n", false},
	{"not a mapping", "- a\n", false},
}

// TestRuleAgreement runs every ruleCases file through the loader
// (rule.ParseFile) and the rule schema (generated without a schema set, so
// only the loader's own checks apply): both must accept it or both refuse
// it. The valid cases together must use every key of the loader's tables.
func TestRuleAgreement(t *testing.T) {
	s := generated(t, "rule", jsonschema.Options{})
	used := map[string]bool{}
	for _, tc := range ruleCases {
		t.Run(tc.name, func(t *testing.T) {
			ok, diags := loaderRuleOK(tc.src)
			if ok != tc.valid {
				t.Fatalf("the loader says valid=%v, the case says %v: %v", ok, tc.valid, diags)
			}
			v, err := decodeYAML([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			verr := s.Validate(v)
			if (verr == nil) != tc.valid {
				t.Errorf("the loader says valid=%v, the schema says %v: %v", tc.valid, verr == nil, verr)
			}
			if !tc.valid {
				return
			}
			m, _ := v.(map[string]any)
			for k, x := range m {
				used[k] = true
				cases, _ := x.([]any)
				for _, c := range cases {
					if m, ok := c.(map[string]any); ok && k == "tests" {
						for tk := range m {
							used["test."+tk] = true
						}
					}
				}
			}
		})
	}
	var keys []string
	keys = append(keys, rule.RuleKeys...)
	keys = append(keys, rule.LibraryKeys...)
	for _, k := range rule.TestKeys {
		keys = append(keys, "test."+k)
	}
	for _, k := range keys {
		if !used[k] {
			t.Errorf("no valid case uses key %q: add one, so that loader and schema are compared on it", k)
		}
	}
}

// configCases are streamalert.yaml files the loader and the schema must
// judge alike.
var configCases = []struct {
	name, src string
	valid     bool
}{
	{"empty", "", true},
	{"every key", `sources:
  kinesis:
    stream: [osquery, cloudtrail:events]
  file:
    "*auth.log": [syslog]
outputs:
  slack:
    security: {webhook_url: "env:X"}
  stdout:
    local:
staging_outputs: [slack:security]
limits:
  max_record_size: 10
  max_decompressed_size: 20
`, true},
	{"null sections", "sources:\noutputs:\nlimits:\n", true},
	{"unknown key", "source: {}\n", false},
	{"unknown limit", "limits:\n  max_records: 1\n", false},
	{"zero limit", "limits:\n  max_record_size: 0\n", false},
	{"null limit", "limits:\n  max_record_size:\n", false},
	{"limit string", "limits:\n  max_record_size: big\n", false},
	{"sources list", "sources: [a]\n", false},
	{"empty log list", "sources:\n  s3:\n    bucket: []\n", false},
	{"log list scalar", "sources:\n  s3:\n    bucket: cloudtrail\n", false},
	{"settings scalar", "outputs:\n  slack:\n    sec: hello\n", false},
	{"staging scalar", "staging_outputs: 1\n", false},
	{"not a mapping", "- a\n", false},
}

// TestConfigAgreement runs every configCases file through config.Load and
// the config schema: both must accept it or both refuse it. (A
// staging_outputs entry that is not declared under outputs is refused by
// the loader only: a schema cannot compare two parts of a document's
// values.)
func TestConfigAgreement(t *testing.T) {
	s := generated(t, "config", jsonschema.Options{})
	for _, tc := range configCases {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := config.Load([]byte(tc.src), "c.yaml")
			if ok := !diags.HasErrors(); ok != tc.valid {
				t.Fatalf("the loader says valid=%v, the case says %v: %v", ok, tc.valid, diags)
			}
			v, err := decodeYAML([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if verr := s.Validate(v); (verr == nil) != tc.valid {
				t.Errorf("the loader says valid=%v, the schema says %v: %v", tc.valid, verr == nil, verr)
			}
		})
	}
}

// TestOptionsRestrict checks what Options adds: known output services,
// declared outputs, log types and datatypes of a schema set.
func TestOptionsRestrict(t *testing.T) {
	opts, _ := fixtureOptions(t)
	rule := func(extra string) any {
		v, err := decodeYAML([]byte("name: r\nlog_types: [host:event]\ncondition: x\n" + extra))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	services := jsonschema.Options{OutputServices: []string{"slack", "pagerduty-v2"}}
	tests := []struct {
		name  string
		kind  string
		opts  jsonschema.Options
		doc   any
		valid bool
	}{
		{"known service", "rule", services, rule("outputs: [pagerduty-v2:oncall]\n"), true},
		{"unknown service", "rule", services, rule("outputs: [pagerduty:oncall]\n"), false},
		{"declared output", "rule", opts, rule("outputs: [slack:security]\n"), true},
		{"undeclared output", "rule", opts, rule("outputs: [slack:other]\n"), false},
		{"family", "rule", opts, rule("datatypes: [userName]\n"), true},
		{"test log type", "rule", opts, rule("tests: [{log_type: host:evnt, raw: x, trigger: true}]\n"), false},
		{"config known service", "config", services, map[string]any{"outputs": map[string]any{"slack": map[string]any{"a": nil}}}, true},
		{"config unknown service", "config", services, map[string]any{"outputs": map[string]any{"slak": map[string]any{"a": nil}}}, false},
		{"staging unknown service", "config", services, map[string]any{"staging_outputs": []any{"slak:a"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := generated(t, tt.kind, tt.opts).Validate(tt.doc)
			if (err == nil) != tt.valid {
				t.Errorf("valid = %v, want %v: %v", err == nil, tt.valid, err)
			}
		})
	}
}

// TestDurationPattern compares DurationPattern with time.ParseDuration
// (non-negative) on samples, in Go's engine (editors run ECMA-262, whose
// syntax for this pattern is the same).
func TestDurationPattern(t *testing.T) {
	re := regexp.MustCompile(jsonschema.DurationPattern)
	for _, s := range []string{"10m", "1h30m", "1.5h", ".5s", "0", "+0", "300ms", "2us", "1µs", "1μs", "1ns", "1h0m0s", "5.s",
		"10 minutes", "-1m", "1d", "", "m", "1", "1.5", "1hh", " 1m", "1m "} {
		d, err := time.ParseDuration(s)
		want := err == nil && d >= 0
		if got := re.MatchString(s); got != want {
			t.Errorf("%q: pattern matches %v, time.ParseDuration accepts %v", s, got, want)
		}
	}
}

// TestGenerate checks the generator's contract: deterministic output, a
// final newline, and ErrUnknownKind.
func TestGenerate(t *testing.T) {
	for _, k := range jsonschema.Kinds {
		a, err := jsonschema.Generate(k, jsonschema.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := jsonschema.Generate(k, jsonschema.Options{})
		if string(a) != string(b) || !strings.HasSuffix(string(a), "}\n") {
			t.Errorf("%s: output is not deterministic or lacks its final newline", k)
		}
		if !json.Valid(a) {
			t.Errorf("%s: not JSON", k)
		}
	}
	if _, err := jsonschema.Generate("rules", jsonschema.Options{}); !errors.Is(err, jsonschema.ErrUnknownKind) {
		t.Errorf("Generate(rules) = %v, want ErrUnknownKind", err)
	}
}

// TestEditorSubset checks that the schemas use only keywords that draft-07
// validators also implement, with the same meaning: the YAML extension of
// editors (yaml-language-server) validates instances as draft-07 whatever
// $schema says, so a 2019-09/2020-12-only keyword would be ignored there
// and a $ref's siblings dropped.
func TestEditorSubset(t *testing.T) {
	newer := []string{"dependentRequired", "dependentSchemas", "prefixItems", "unevaluatedProperties",
		"unevaluatedItems", "$dynamicRef", "$dynamicAnchor", "$anchor", "$recursiveRef", "minContains", "maxContains"}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["$ref"]; ok && len(x) > 1 {
				t.Errorf("%s: $ref with siblings (draft-07 ignores them)", path)
			}
			for k, c := range x {
				if slices.Contains(newer, k) {
					t.Errorf("%s: keyword %s is not in draft-07", path, k)
				}
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(path+"/"+strconv.Itoa(i), c)
			}
		}
	}
	for _, k := range jsonschema.Kinds {
		walk(k, decodeSchema(t, k, jsonschema.Options{}))
	}
}

// TestLoaderReadsEveryKey checks that rule.ParseFile reads every key of the
// tables the schemas are generated from: a value of the wrong shape
// ([[1]]) under each rule and test-case key is diagnosed as wrong-type, not
// ignored. A key added to rule.RuleKeys or rule.TestKeys that the loader
// does not handle would be in the schema yet do nothing: it fails here.
func TestLoaderReadsEveryKey(t *testing.T) {
	base := "name: r\nlog_types: [a]\ncondition: x\n"
	check := func(t *testing.T, src string) {
		t.Helper()
		_, diags := loaderRuleOK(src)
		for _, d := range diags {
			if d.Code == "wrong-type" {
				return
			}
		}
		t.Errorf("no wrong-type diagnostic for\n%s\ngot %v", src, diags)
	}
	for _, k := range rule.RuleKeys {
		t.Run(k, func(t *testing.T) {
			var lines []string
			for _, l := range strings.SplitAfter(base, "\n") {
				if !strings.HasPrefix(l, k+":") { // one value per key
					lines = append(lines, l)
				}
			}
			check(t, strings.Join(lines, "")+k+": [[1]]\n")
		})
	}
	for _, k := range rule.TestKeys {
		t.Run("test."+k, func(t *testing.T) {
			check(t, base+"tests:\n  - {"+k+": [[1]]}\n")
		})
	}
}
