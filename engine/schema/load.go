package schema

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmespath-community/go-jmespath"
	"gopkg.in/yaml.v3"

	"github.com/streamalert-go/streamalert/engine/diag"
)

// Diagnostic codes Load reports. They are stable: tools and tests match on them.
const (
	CodeSyntax           = "yaml-syntax"          // the file is not valid YAML/JSON
	CodeWrongType        = "wrong-type"           // a value has the wrong YAML type (list for string, ...)
	CodeUnknownKey       = "unknown-key"          // a key that the format does not define
	CodeMissingKey       = "missing-key"          // a required key (parser, schema) is absent
	CodeDuplicateKey     = "duplicate-key"        // the same key twice in one mapping
	CodeUnknownType      = "unknown-type"         // a schema value that is not a known type
	CodeUnknownParser    = "unknown-parser"       // parser other than json, csv, kv, spaced, syslog
	CodeUnknownOptional  = "unknown-optional-key" // an optional key that the schema does not declare
	CodeDuplicateLogType = "duplicate-log-type"   // the same log type in two places
	CodeBadJSONPath      = "bad-json-path"        // json_path is not valid JMESPath
	CodeBadPattern       = "bad-pattern"          // a log_patterns glob or path that cannot work
	CodeBadValue         = "bad-value"            // a value of the right type but not allowed (priority -1, empty delimiter)
)

// configKeys are the configuration keys StreamAlert implements plus our
// delimiter/separator/quotechar/escapechar.
var configKeys = []string{
	"delimiter", "embedded_json", "envelope_keys", "escapechar", "json_path", "json_regex_key",
	"log_patterns", "normalization", "optional_envelope_keys", "optional_top_level_keys",
	"header_line", "null_value", "priority", "quotechar", "separator", "undeclared_keys",
}

var parsers = []string{"csv", "json", "kv", "spaced", "syslog"}

// Set is an immutable collection of log types. Safe for concurrent use.
type Set struct {
	byName map[string]*LogType
	order  []*LogType // candidate order, see candidateLess
	pre    *prefilter // the candidates a JSON object may fit
}

// candidateCompare is the Set's deterministic candidate order: configured
// priority first (0 highest, unset last), then the log type with more
// declared keys (the more specific schema), then name.
func candidateCompare(a, b *LogType) int {
	return cmp.Or(cmp.Compare(a.priority, b.priority), cmp.Compare(b.keyCount, a.keyCount), strings.Compare(a.Name, b.Name))
}

// Load reads every *.json, *.yaml and *.yml file in fsys (recursively) as
// StreamAlert-format schema files. Problems come back as diagnostics with
// file:line:col; the Set is nil when any diagnostic is an error.
func Load(fsys fs.FS) (*Set, diag.List) {
	var diags diag.List
	set := &Set{byName: map[string]*LogType{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			diags.Errorf(diag.Pos{File: p}, "io", "%v", err)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		switch path.Ext(p) {
		case ".json", ".yaml", ".yml":
		default:
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			diags.Errorf(diag.Pos{File: p}, "io", "%v", err)
			return nil
		}
		l := &loader{file: p}
		for _, t := range l.file1(data) {
			if prev := set.byName[t.Name]; prev != nil {
				l.diags.Errorf(t.Pos, CodeDuplicateLogType, "log type %q is already defined at %s", t.Name, prev.Pos)
				continue
			}
			set.byName[t.Name] = t
			set.order = append(set.order, t)
		}
		diags.Add(l.diags...)
		return nil
	})
	if err != nil {
		diags.Errorf(diag.Pos{File: "."}, "io", "%v", err)
	}
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	slices.SortFunc(set.order, candidateCompare)
	set.pre = newPrefilter(set.order)
	return set, diags
}

// Names returns every log type name, sorted.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.byName))
	for n := range s.byName {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Get returns the log type with exactly this name, or nil.
func (s *Set) Get(name string) *LogType {
	if s == nil {
		return nil
	}
	return s.byName[name]
}

// Types returns every log type in the Set's candidate order: configured
// priority first (0 highest, unset last), then more declared keys first,
// then name.
func (s *Set) Types() []*LogType { return slices.Clone(s.order) }

// Resolve turns a list of families ("osquery") and exact names
// ("osquery:differential") into log types, in the Set's deterministic
// candidate order. An unknown name is an error naming it.
func (s *Set) Resolve(names []string) ([]*LogType, error) {
	want := map[*LogType]bool{}
	var unknown []string
	for _, n := range names {
		found := false
		if t := s.byName[n]; t != nil {
			want[t], found = true, true
		}
		if !strings.Contains(n, ":") {
			for _, t := range s.order {
				if t.Family() == n {
					want[t], found = true, true
				}
			}
		}
		if !found {
			unknown = append(unknown, strconv.Quote(n))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown log type or family %s", strings.Join(unknown, ", "))
	}
	out := make([]*LogType, 0, len(want))
	for _, t := range s.order {
		if want[t] {
			out = append(out, t)
		}
	}
	return out, nil
}

// loader collects the diagnostics of one file.
type loader struct {
	file  string
	diags diag.List
}

func (l *loader) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: l.file, Line: n.Line, Col: n.Column}
}

func (l *loader) errorf(n *yaml.Node, code, format string, args ...any) {
	l.diags.Errorf(l.pos(n), code, format, args...)
}

// file1 parses one schema file into log types (those with errors are
// dropped; their problems are in l.diags).
func (l *loader) file1(data []byte) []*LogType {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.diags.Add(diag.YAMLSyntax(l.file, err))
		return nil
	}
	if d := CheckAliases(l.file, &doc); d != nil {
		l.diags.Add(*d) // deref below follows aliases: only bounded ones
		return nil
	}
	if len(doc.Content) == 0 {
		return nil // empty file: nothing declared
	}
	root := deref(doc.Content[0])
	var out []*LogType
	for _, kv := range l.pairs(root, "a schema file") {
		name, def := kv[0], kv[1]
		if name.Value == "" {
			l.errorf(name, CodeBadValue, "empty log type name")
			continue
		}
		n := len(l.diags)
		t := l.logType(name, def)
		if len(l.diags.Errors()) == len(diag.List(l.diags[:n]).Errors()) {
			out = append(out, t)
		}
	}
	return out
}

// deref follows YAML aliases.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// pairs returns the key/value pairs of a mapping node, reporting a node
// that is not a mapping and duplicate keys (the first one wins).
func (l *loader) pairs(n *yaml.Node, what string) [][2]*yaml.Node {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n, CodeWrongType, "%s must be a mapping, not %s", what, YAMLKind(n))
		return nil
	}
	seen := map[string]bool{}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			l.errorf(k, CodeWrongType, "a key in %s must be a scalar, not %s", what, YAMLKind(k))
			continue
		}
		if seen[k.Value] {
			l.errorf(k, CodeDuplicateKey, "duplicate key %q in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out
}

// YAMLKind names the kind of a YAML value for messages ("a mapping", "a
// list", "an integer", "a string", "nothing" for null ...).
func YAMLKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!str":
			return "a string"
		}
		return "a scalar"
	}
	return "nothing"
}

// str returns the value of a string scalar, reporting anything else.
func (l *loader) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		l.errorf(n, CodeWrongType, "%s must be a string, not %s", what, YAMLKind(n))
		return "", false
	}
	return n.Value, true
}

// strList returns the values of a list of strings.
func (l *loader) strList(n *yaml.Node, what string) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, CodeWrongType, "%s must be a list of strings, not %s", what, YAMLKind(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, e := range n.Content {
		s, good := l.str(deref(e), "an item of "+what)
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// didYouMean suggests the closest of choices to s, or "".
func didYouMean(s string, choices []string) string {
	best := diag.Suggest(s, choices)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// logType compiles one definition.
func (l *loader) logType(name, def *yaml.Node) *LogType {
	t := &LogType{Name: name.Value, Pos: l.pos(name), priority: lowestPriority}
	var parserNode, schemaNode, confNode *yaml.Node
	for _, kv := range l.pairs(def, fmt.Sprintf("log type %q", name.Value)) {
		switch kv[0].Value {
		case "parser":
			parserNode = kv[1]
		case "schema":
			schemaNode = kv[1]
		case "configuration":
			confNode = kv[1]
		default:
			l.errorf(kv[0], CodeUnknownKey, "unknown key %q in log type %q (want parser, schema, configuration)%s",
				kv[0].Value, name.Value, didYouMean(kv[0].Value, []string{"parser", "schema", "configuration"}))
		}
	}
	if deref(def).Kind != yaml.MappingNode {
		return t
	}
	if parserNode == nil {
		l.errorf(name, CodeMissingKey, "log type %q has no parser", name.Value)
	} else if p, ok := l.str(parserNode, "parser"); ok {
		if !slices.Contains(parsers, p) {
			l.errorf(parserNode, CodeUnknownParser, "unknown parser %q (want json, csv, kv, spaced or syslog)%s", p, didYouMean(p, parsers))
		}
		t.Parser = p
	}
	if schemaNode == nil {
		l.errorf(name, CodeMissingKey, "log type %q has no schema", name.Value)
		t.Schema = &Field{Kind: KindMapping, index: map[string]*Field{}, Pos: t.Pos}
	} else {
		t.Schema = l.field(schemaNode)
		if t.Schema.Kind == KindObject && t.Parser != "" && t.Parser != "json" {
			// {} means any object (StreamAlert's catch-all); only JSON
			// records carry their own key names.
			l.errorf(schemaNode, CodeWrongType, "an open schema {} needs the json parser, not %q", t.Parser)
			t.Schema = &Field{Kind: KindMapping, index: map[string]*Field{}, Pos: t.Schema.Pos}
		}
		if t.Schema.Kind != KindMapping && t.Schema.Kind != KindObject {
			l.errorf(schemaNode, CodeWrongType, "schema of %q must be a mapping of keys to types", name.Value)
			t.Schema = &Field{Kind: KindMapping, index: map[string]*Field{}, Pos: t.Schema.Pos}
		}
	}
	t.keyCount = countKeys(t.Schema)
	switch t.Parser {
	case "csv":
		t.delimiter, t.quote = ",", '"'
	case "kv":
		t.delimiter, t.separator = " ", "="
	}
	if confNode != nil {
		l.configuration(t, confNode)
	}
	if t.Parser == "spaced" && t.Schema.Kind == KindMapping {
		l.spacedSchema(t, confNode)
	}
	return t
}

// spacedSchema checks what the spaced parser can fill: flat keys, or a
// mapping of exactly two scalar keys (an address:port field), and none of
// the csv/kv splitting options, which it does not use.
func (l *loader) spacedSchema(t *LogType, conf *yaml.Node) {
	for _, k := range t.Schema.Keys {
		f := k.Field
		if f.Kind != KindMapping {
			continue
		}
		if len(f.Keys) != 2 || f.Keys[0].Field.Kind == KindMapping || f.Keys[1].Field.Kind == KindMapping {
			l.diags.Errorf(f.Pos, CodeWrongType, "key %q: with the spaced parser a mapping splits an address:port field and needs exactly two scalar keys (e.g. {ip: string, port: integer})", k.Name)
		}
	}
	if conf == nil {
		return
	}
	for i := 0; i+1 < len(conf.Content); i += 2 {
		switch k := conf.Content[i]; k.Value {
		case "delimiter", "separator", "quotechar", "escapechar":
			l.errorf(k, CodeBadValue, "%s does not apply to the spaced parser (fields are separated by spaces, quoted with \" or bracketed with [ ])", k.Value)
		}
	}
}

// headerLine reports whether a configuration node sets header_line: true
// (undeclared_keys may come before it).
func headerLine(conf *yaml.Node) bool {
	for i := 0; i+1 < len(conf.Content); i += 2 {
		k, v := deref(conf.Content[i]), deref(conf.Content[i+1])
		if k.Value == "header_line" && v.Kind == yaml.ScalarNode && v.Tag == "!!bool" && strings.EqualFold(v.Value, "true") {
			return true
		}
	}
	return false
}

// openMappings marks f and every mapping below it as keeping undeclared keys.
func openMappings(f *Field) {
	if f == nil || f.Kind != KindMapping {
		return
	}
	f.Open = true
	for _, k := range f.Keys {
		openMappings(k.Field)
	}
}

func countKeys(f *Field) int {
	n := 0
	for _, k := range f.Keys {
		n += 1 + countKeys(k.Field)
	}
	return n
}

// field compiles a schema value.
func (l *loader) field(n *yaml.Node) *Field {
	n = deref(n)
	f := &Field{Pos: l.pos(n)}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			switch n.Value {
			case "string":
				f.Kind = KindString
			case "integer":
				f.Kind = KindInteger
			case "float":
				f.Kind = KindFloat
			case "boolean":
				f.Kind = KindBoolean
			}
		}
		if f.Kind == KindInvalid {
			l.errorf(n, CodeUnknownType, "unknown type %q (want string, integer, float, boolean, {}, [] or a mapping)%s",
				n.Value, didYouMean(n.Value, []string{"string", "integer", "float", "boolean"}))
		}
	case yaml.SequenceNode:
		f.Kind = KindList
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			f.Kind = KindObject
			return f
		}
		f.Kind = KindMapping
		f.index = map[string]*Field{}
		for _, kv := range l.pairs(n, "a schema mapping") {
			sub := l.field(kv[1])
			f.Keys = append(f.Keys, NamedField{Name: kv[0].Value, Field: sub})
			f.index[kv[0].Value] = sub
		}
	default:
		l.errorf(n, CodeUnknownType, "unknown type %s", YAMLKind(n))
	}
	return f
}

// configuration compiles a log type's configuration mapping into t.
func (l *loader) configuration(t *LogType, n *yaml.Node) {
	var optEnvNode, patternsNode, normNode *yaml.Node
	for _, kv := range l.pairs(n, "configuration") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "optional_top_level_keys":
			keys, _ := l.strList(v, k.Value)
			t.optional = map[string]bool{}
			for i, key := range keys {
				if t.Schema.child(key) == nil {
					l.errorf(deref(v.Content[i]), CodeUnknownOptional, "optional key %q is not in the schema of %q", key, t.Name)
				}
				t.optional[key] = true
			}
		case "json_path":
			src, ok := l.str(v, k.Value)
			if !ok {
				continue
			}
			jp, err := jmespath.Compile(src)
			if err != nil {
				l.errorf(v, CodeBadJSONPath, "json_path %q is not valid JMESPath: %v", src, err)
				continue
			}
			t.jsonPath, t.jsonPathSrc = jp, src
		case "embedded_json":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				l.errorf(v, CodeWrongType, "embedded_json must be true or false, not %s", YAMLKind(v))
				continue
			}
			t.embeddedJSON = v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
		case "json_regex_key":
			t.jsonRegexKey, _ = l.str(v, k.Value)
		case "envelope_keys":
			f := l.field(v)
			switch f.Kind {
			case KindMapping:
				t.envelope = f
			case KindObject:
			default:
				l.errorf(v, CodeWrongType, "envelope_keys must be a mapping of keys to types")
			}
		case "optional_envelope_keys":
			optEnvNode = v
		case "log_patterns":
			patternsNode = v
		case "normalization":
			normNode = v
		case "priority":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
				l.errorf(v, CodeWrongType, "priority must be an integer, not %s", YAMLKind(v))
				continue
			}
			p, err := strconv.Atoi(v.Value)
			if err != nil || p < 0 {
				l.errorf(v, CodeBadValue, "priority must be an integer >= 0 (0 is the highest), not %s", v.Value)
				continue
			}
			t.priority, t.hasPriority = p, true
		case "undeclared_keys":
			s, ok := l.str(v, k.Value)
			if !ok {
				continue
			}
			switch s {
			case "reject":
			case "keep":
				if t.Parser == "csv" && !headerLine(n) {
					l.errorf(v, CodeBadValue, "undeclared_keys: keep needs a parser whose records name their keys (json, kv, syslog, or csv with header_line: true)")
					continue
				}
				t.keepUndeclared = true
				openMappings(t.Schema)
			default:
				l.errorf(v, CodeBadValue, "undeclared_keys must be reject (the default: a record with a key the schema does not declare does not classify) or keep (such keys are kept, untyped), not %q%s",
					s, didYouMean(s, []string{"reject", "keep"}))
			}
		case "header_line":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				l.errorf(v, CodeWrongType, "header_line must be true or false, not %s", YAMLKind(v))
				continue
			}
			if t.Parser != "csv" {
				l.errorf(v, CodeBadValue, "header_line works only with the csv parser")
				continue
			}
			t.headerLine = v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
		case "null_value":
			s, ok := l.str(v, k.Value)
			if !ok {
				continue
			}
			if t.Parser != "csv" && t.Parser != "spaced" {
				l.errorf(v, CodeBadValue, "null_value works only with the csv and spaced parsers")
				continue
			}
			t.nullValue, t.hasNull = s, true
		case "delimiter", "separator":
			s, ok := l.str(v, k.Value)
			if !ok {
				continue
			}
			if s == "" {
				l.errorf(v, CodeBadValue, "%s must not be empty", k.Value)
				continue
			}
			if t.Parser == "csv" && utf8.RuneCountInString(s) != 1 {
				l.errorf(v, CodeBadValue, "the csv %s must be one character, not %q", k.Value, s)
				continue
			}
			if k.Value == "delimiter" {
				t.delimiter = s
			} else {
				t.separator = s
			}
		case "quotechar", "escapechar":
			s, ok := l.str(v, k.Value)
			if !ok {
				continue
			}
			if utf8.RuneCountInString(s) != 1 {
				l.errorf(v, CodeBadValue, "%s must be one character, not %q", k.Value, s)
				continue
			}
			r, _ := utf8.DecodeRuneInString(s)
			if k.Value == "quotechar" {
				t.quote = r
			} else {
				t.escape = r
			}
		default:
			l.errorf(k, CodeUnknownKey, "unknown configuration key %q%s", k.Value, didYouMean(k.Value, configKeys))
		}
	}
	if optEnvNode != nil {
		keys, _ := l.strList(optEnvNode, "optional_envelope_keys")
		t.optionalEnvelope = map[string]bool{}
		for i, key := range keys {
			if t.envelope.child(key) == nil {
				l.errorf(deref(optEnvNode.Content[i]), CodeUnknownOptional, "optional envelope key %q is not in the envelope_keys of %q", key, t.Name)
			}
			t.optionalEnvelope[key] = true
		}
	}
	if t.jsonRegexKey != "" && t.jsonPath != nil {
		l.errorf(n, CodeBadValue, "json_path and json_regex_key cannot both be set")
	}
	if t.embeddedJSON && t.jsonPath == nil {
		l.errorf(n, CodeBadValue, "embedded_json needs a json_path")
	}
	if t.Parser != "json" && t.Parser != "csv" && (t.jsonPath != nil || t.jsonRegexKey != "") {
		l.errorf(n, CodeBadValue, "json_path and json_regex_key work only with the json and csv parsers")
	}
	if patternsNode != nil {
		l.logPatterns(t, patternsNode, nil)
	}
	if normNode != nil {
		l.normalization(t, normNode)
	}
}

// logPatterns compiles log_patterns: field → glob | [glob...] | nested mapping.
func (l *loader) logPatterns(t *LogType, n *yaml.Node, prefix []string) {
	for _, kv := range l.pairs(n, "log_patterns") {
		k, v := kv[0], kv[1]
		p := append(slices.Clone(prefix), k.Value)
		if v.Kind == yaml.MappingNode {
			l.logPatterns(t, v, p)
			continue
		}
		var globs []string
		if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
			globs = []string{v.Value}
		} else {
			var ok bool
			if globs, ok = l.strList(v, "log pattern "+strings.Join(p, ".")); !ok {
				continue
			}
		}
		lp := logPattern{path: p, src: globs}
		if p[0] == EnvelopeKey && t.Schema.child(EnvelopeKey) == nil {
			lp.envelope, lp.path = true, p[1:]
			if t.envelope == nil {
				l.errorf(k, CodeBadPattern, "log pattern on %s but %q has no envelope_keys", EnvelopeKey, t.Name)
				continue
			}
		}
		if len(lp.path) == 0 {
			l.errorf(k, CodeBadPattern, "log pattern %q names no field", strings.Join(p, "."))
			continue
		}
		if f, ok := t.Lookup(p); !ok || f.Kind == KindMapping {
			// StreamAlert's own pan schema does this; it loads, but warns.
			l.diags.Warnf(l.pos(k), CodeBadPattern, "log pattern field %q is not a declared value of %q: no record can match", strings.Join(p, "."), t.Name)
		}
		for _, g := range globs {
			re, err := compileGlob(g)
			if err != nil {
				l.errorf(v, CodeBadPattern, "log pattern %q: %v", g, err)
				continue
			}
			lp.globs = append(lp.globs, re)
		}
		t.patterns = append(t.patterns, lp)
	}
}
