package sigma

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// shipped holds the mapping files shipped with the converter.
//
//go:embed mappings/*.yaml
var shipped embed.FS

// Mappings is an ordered list of logsource mappings. Lookups take the last
// entry that matches, so entries appended by Extend (a user's --map file)
// override the shipped ones. A Mappings is read-only once built and safe
// for concurrent use.
type Mappings struct {
	Sources []*Source
}

// Logsource is a Sigma logsource: the product, service and category of a
// rule (each may be empty).
type Logsource struct {
	Product  string `yaml:"product"`
	Service  string `yaml:"service"`
	Category string `yaml:"category"`
}

// String returns the set parts as "product=aws service=cloudtrail".
func (l Logsource) String() string {
	var parts []string
	for _, kv := range [][2]string{{"product", l.Product}, {"service", l.Service}, {"category", l.Category}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if len(parts) == 0 {
		return "(empty)"
	}
	return strings.Join(parts, " ")
}

// Source maps the Sigma logsources in Match to StreamAlert log types and the
// Sigma field names of those rules to record paths.
type Source struct {
	// Name labels the entry in reports ("aws_cloudtrail").
	Name string `yaml:"name"`
	// Match lists the logsources this entry serves; a rule's logsource
	// matches one when product, service and category are all equal
	// (missing = empty, compared without case).
	Match []Logsource `yaml:"match"`
	// LogTypes are the rule's log_types (types or families).
	LogTypes []string `yaml:"log_types"`
	// Condition, when set, is an expr condition ANDed before the converted
	// detection (e.g. the Sysmon event id of a category).
	Condition string `yaml:"condition"`
	// Fields maps Sigma field names (matched exactly, then without case) to
	// targets.
	Fields map[string]Field `yaml:"fields"`
	// Prefix and Prefixed map each name of Prefixed to the record path
	// Prefix.NAME (Windows event data fields under winlog.event_data).
	Prefix   string   `yaml:"prefix"`
	Prefixed []string `yaml:"prefixed"`
	// Identity says what a field none of the above maps becomes: "nested"
	// (a.b.c is record.a.b.c), "flat" (a.b.c is the one key record["a.b.c"])
	// or "" (the field is refused). Identity fields are checked against the
	// schemas when the converted rule is linted.
	Identity string `yaml:"identity"`
	// Keywords is where Sigma keyword lists (values without a field) are
	// searched: a Field (a record path, or {value, within} such as every
	// value of the record); without it keyword lists are refused.
	Keywords *Field `yaml:"keywords"`

	file string // the mapping file it came from
	line int
}

// Field is where a Sigma field's value is read. Path alone is a record path
// (a dotted string, or a list of keys for keys holding dots). Value is an
// expr expression for the value instead (e.g. "#?.name"), and Within, when
// set, an expr with the placeholder $match that the comparison is put into
// (e.g. "any(record.events ?? [], $match)").
type Field struct {
	Path   []string
	Value  string
	Within string
}

// UnmarshalYAML accepts "a.b.c", [a, "b.c"] or {value: EXPR, within: EXPR}.
func (f *Field) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "" {
			return fmt.Errorf("line %d: empty field path", n.Line)
		}
		f.Path = strings.Split(n.Value, ".")
		return nil
	case yaml.SequenceNode:
		if err := n.Decode(&f.Path); err != nil {
			return err
		}
		if len(f.Path) == 0 {
			return fmt.Errorf("line %d: empty field path", n.Line)
		}
		return nil
	case yaml.MappingNode:
		var v struct {
			Path   string `yaml:"path"`
			Value  string `yaml:"value"`
			Within string `yaml:"within"`
		}
		dec := yaml.Node(*n)
		if err := decodeStrict(&dec, &v); err != nil {
			return err
		}
		if (v.Path == "") == (v.Value == "") {
			return fmt.Errorf("line %d: a field needs exactly one of path and value", n.Line)
		}
		if v.Path != "" {
			f.Path = strings.Split(v.Path, ".")
		}
		f.Value, f.Within = v.Value, v.Within
		if f.Within != "" && strings.Count(f.Within, "$match") != 1 {
			return fmt.Errorf("line %d: within must hold $match exactly once", n.Line)
		}
		return nil
	}
	return fmt.Errorf("line %d: a field is a path, a list of keys or {value, within}", n.Line)
}

func decodeStrict(n *yaml.Node, v any) error {
	out, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// mappingFile is the format of a mapping file.
type mappingFile struct {
	Sources []*Source `yaml:"logsources"`
}

var lineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// ParseMappings reads one mapping file (the format is in the README,
// "Import Sigma rules"). Errors are "file:line: message", the line of the
// offending entry when YAML knows it.
func ParseMappings(file string, src []byte) (*Mappings, error) {
	var mf mappingFile
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&mf); err != nil && !errors.Is(err, io.EOF) {
		return nil, positioned(file, err)
	}
	var root yaml.Node
	_ = yaml.Unmarshal(src, &root)
	lines := entryLines(&root)
	for i, s := range mf.Sources {
		s.file = file
		if i < len(lines) {
			s.line = lines[i]
		}
		at := fmt.Sprintf("%s:%d", file, s.line)
		switch {
		case s == nil:
			return nil, fmt.Errorf("%s: empty source entry", at)
		case len(s.Match) == 0:
			return nil, fmt.Errorf("%s: source %q has no logsource to match (match: [{product, service, category}])", at, s.Name)
		case len(s.LogTypes) == 0:
			return nil, fmt.Errorf("%s: source %q has no log_types", at, s.Name)
		case s.Identity != "" && s.Identity != "nested" && s.Identity != "flat":
			return nil, fmt.Errorf("%s: source %q: identity must be nested, flat or empty, not %q", at, s.Name, s.Identity)
		case len(s.Prefixed) > 0 && s.Prefix == "":
			return nil, fmt.Errorf("%s: source %q lists prefixed fields without a prefix", at, s.Name)
		}
		if s.Name == "" {
			s.Name = s.Match[0].String()
		}
	}
	if len(mf.Sources) == 0 {
		return nil, fmt.Errorf("%s: no logsources: a mapping file holds `logsources: [...]`", file)
	}
	return &Mappings{Sources: mf.Sources}, nil
}

func positioned(file string, err error) error {
	msg := err.Error()
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: %s", file, m[1], m[2])
	}
	return fmt.Errorf("%s: %s", file, msg)
}

// entryLines returns the line of each item of the top-level logsources list.
func entryLines(root *yaml.Node) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "logsources" {
			var out []int
			for _, it := range m.Content[i+1].Content {
				out = append(out, it.Line)
			}
			return out
		}
	}
	return nil
}

// Shipped returns the mappings shipped with the converter (the files of
// mappings/, in name order). It panics only if those embedded files are
// broken, which a test rules out.
func Shipped() *Mappings {
	m := &Mappings{}
	names, err := fs.Glob(shipped, "mappings/*.yaml")
	if err != nil {
		panic(err)
	}
	slices.Sort(names)
	for _, n := range names {
		src, err := shipped.ReadFile(n)
		if err != nil {
			panic(err)
		}
		one, err := ParseMappings(path.Join("engine/sigma", n), src)
		if err != nil {
			panic(fmt.Sprintf("shipped Sigma mapping: %v", err))
		}
		m.Sources = append(m.Sources, one.Sources...)
	}
	return m
}

// Extend returns the entries of m followed by those of o; since the last
// match wins, o's entries override m's for the logsources they match.
func (m *Mappings) Extend(o *Mappings) *Mappings {
	out := &Mappings{Sources: slices.Clone(m.Sources)}
	out.Sources = append(out.Sources, o.Sources...)
	return out
}

// Lookup returns the last entry matching ls, or nil.
func (m *Mappings) Lookup(ls Logsource) *Source {
	for i := len(m.Sources) - 1; i >= 0; i-- {
		for _, want := range m.Sources[i].Match {
			if strings.EqualFold(want.Product, ls.Product) && strings.EqualFold(want.Service, ls.Service) &&
				strings.EqualFold(want.Category, ls.Category) {
				return m.Sources[i]
			}
		}
	}
	return nil
}

// field resolves a Sigma field name for this source; ok is false when the
// source does not map it.
func (s *Source) field(name string) (Field, bool) {
	if f, ok := s.Fields[name]; ok {
		return f, true
	}
	for k, f := range s.Fields {
		if strings.EqualFold(k, name) {
			return f, true
		}
	}
	for _, p := range s.Prefixed {
		if strings.EqualFold(p, name) {
			return Field{Path: append(strings.Split(s.Prefix, "."), p)}, true
		}
	}
	switch s.Identity {
	case "nested":
		return Field{Path: strings.Split(name, ".")}, true
	case "flat":
		return Field{Path: []string{name}}, true
	}
	return Field{}, false
}
