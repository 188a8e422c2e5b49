package sigma

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// TestShippedMappings checks every shipped mapping entry against the
// shipped schemas: its log types exist, its condition and every field it
// maps explicitly lint clean on them (a mapping never names a field the
// schemas do not have).
func TestShippedMappings(t *testing.T) {
	set := shippedSchemas(t)
	m := Shipped()
	if len(m.Sources) < 10 {
		t.Fatalf("%d shipped sources", len(m.Sources))
	}
	for _, s := range m.Sources {
		t.Run(s.Name, func(t *testing.T) { checkSource(t, set, s) })
	}
}

// checkSource lints a rule reading the entry's condition and every field it
// maps explicitly on its log types.
func checkSource(t *testing.T, set *schema.Set, s *Source) {
	t.Helper()
	var names []string
	for k := range s.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	names = append(names, s.Prefixed...)
	var conds []string
	if s.Condition != "" {
		conds = append(conds, s.Condition)
	}
	for _, n := range names {
		f, ok := s.field(n)
		if !ok {
			t.Fatalf("field %q does not resolve", n)
		}
		conds = append(conds, f.wrap(fmt.Sprintf("%s != nil", f.access())))
	}
	if s.Keywords != nil {
		conds = append(conds, s.Keywords.wrap(fmt.Sprintf("%s != nil", s.Keywords.access())))
	}
	if len(conds) == 0 {
		conds = []string{"log_type != \"\""}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name: mapping_check\ndescription: x\nlog_types: [%s]\nseverity: low\ncondition: |\n", strings.Join(s.LogTypes, ", "))
	for i, c := range conds {
		if i > 0 {
			b.WriteString("  && ")
		} else {
			b.WriteString("  ")
		}
		b.WriteString(c + "\n")
	}
	for _, d := range lint.Check(fstest.MapFS{"m.yaml": &fstest.MapFile{Data: []byte(b.String())}}, lint.Options{Schemas: set}) {
		if !allowed[d.Code] && d.Code != "constant-condition" {
			t.Errorf("%s\n%s", d, b.String())
		}
	}
}

func TestParseMappings(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"unknown key", "logsources:\n  - name: x\n    match: [{product: p}]\n    log_types: [cloudtrail]\n    identiy: nested\n", "my.yaml:5: field identiy not found"},
		{"no log types", "logsources:\n  - name: x\n    match: [{product: p}]\n", `my.yaml:2: source "x" has no log_types`},
		{"no logsource", "logsources:\n  - name: x\n    log_types: [cloudtrail]\n", `my.yaml:2: source "x" has no logsource to match`},
		{"bad identity", "logsources:\n  - name: x\n    match: [{product: p}]\n    log_types: [a]\n    identity: yes\n", `identity must be nested, flat or empty`},
		{"within without $match", "logsources:\n  - name: x\n    match: [{product: p}]\n    log_types: [a]\n    fields:\n      f: {value: '#', within: 'any(record.x, true)'}\n", `my.yaml:6: within must hold $match exactly once`},
		{"empty", "", "my.yaml: no logsources"},
		{"not YAML", "sources: [\n", "my.yaml:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMappings("my.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestExtendOverrides checks that a user's entry replaces the shipped one
// for the logsources it matches and adds new ones.
func TestExtendOverrides(t *testing.T) {
	user, err := ParseMappings("my.yaml", []byte(`logsources:
  - name: my_cloudtrail
    match: [{product: aws, service: cloudtrail}]
    log_types: [cloudtrail:events]
    identity: nested
  - name: my_app
    match: [{product: acme, service: app}]
    log_types: [json:generic]
    identity: flat
`))
	if err != nil {
		t.Fatal(err)
	}
	m := Shipped().Extend(user)
	if s := m.Lookup(Logsource{Product: "aws", Service: "cloudtrail"}); s == nil || s.Name != "my_cloudtrail" {
		t.Errorf("cloudtrail served by %v", s)
	}
	if s := m.Lookup(Logsource{Product: "ACME", Service: "app"}); s == nil || s.Name != "my_app" {
		t.Errorf("acme served by %v", s)
	}
	if s := m.Lookup(Logsource{Product: "okta", Service: "okta"}); s == nil || s.Name != "okta" {
		t.Errorf("okta served by %v", s)
	}
	if s := Shipped().Lookup(Logsource{Product: "aws", Service: "cloudtrail"}); s.Name != "aws_cloudtrail" {
		t.Errorf("Extend changed the shipped mappings: %s", s.Name)
	}
	if s := m.Lookup(Logsource{Product: "windows"}); s != nil {
		t.Errorf("product windows alone matched %s", s.Name)
	}
}

// TestReadmeMappingExample parses the mapping file example of the README's
// "Import Sigma rules" section and lints what it maps, so the documented
// format cannot drift from the parser.
func TestReadmeMappingExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "### Import Sigma rules")
	if i < 0 {
		t.Fatal("README.md has no Import Sigma rules section")
	}
	j := strings.Index(s[i:], "```text\nlogsources:")
	if j < 0 {
		t.Fatal("the section shows no mapping file example")
	}
	block := s[i+j+len("```text\n"):]
	block = block[:strings.Index(block, "```")]
	m, err := ParseMappings("README.md", []byte(block))
	if err != nil {
		t.Fatal(err)
	}
	set := shippedSchemas(t)
	for _, src := range m.Sources {
		checkSource(t, set, src)
	}
	if f, ok := m.Sources[0].field("src"); !ok || strings.Join(f.Path, "|") != "net|src.ip" {
		t.Errorf("src maps to %v", f)
	}
}
