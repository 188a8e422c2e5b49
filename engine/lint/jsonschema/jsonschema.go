package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// Kinds lists the schemas Generate writes, the default first: "rule" (a file
// under rules.d: a rule, or a library file holding only matchers and lists),
// "library" (a library file alone) and "config" (streamalert.yaml).
var Kinds = []string{"rule", "library", "config"}

// ErrUnknownKind is returned by Generate for a kind not in Kinds.
var ErrUnknownKind = errors.New("unknown schema kind")

// Draft is the JSON Schema dialect of every generated schema.
const Draft = "https://json-schema.org/draft/2020-12/schema"

// Options says what the generated schemas know beyond the loaders' own key
// tables. The zero value is valid: log types, datatypes, output services
// and descriptors are then any string of the right shape.
type Options struct {
	// Schemas, when set, restricts log_types to its log types and families,
	// datatypes to the normalized types its log types provide, and a test's
	// log_type to its log types, as loading rules against it does.
	Schemas *schema.Set
	// OutputServices, when not empty, are the output services that exist
	// (outputs.Services()): a rule's outputs and staging_outputs must name
	// one of them, and the configuration's outputs may declare only them.
	OutputServices []string
	// Config, when set, restricts a rule's outputs to the outputs it
	// declares (an enum editors complete), as loading rules with it does.
	Config *config.Config
}

// Generate returns the JSON Schema (draft 2020-12) of kind ("rule",
// "library" or "config"), indented, with a final newline. It is built from
// the loaders' own tables (rule.RuleKeys, rule.TestKeys, rule.LibraryKeys,
// rule.Severities, config.Keys, config.LimitKeys) and opts, so the schema
// accepts exactly the keys the loaders accept; every object the loaders
// close is closed (additionalProperties: false). The output is
// deterministic: the same inputs give the same bytes. An unknown kind
// returns an error wrapping ErrUnknownKind.
func Generate(kind string, opts Options) ([]byte, error) {
	var s obj
	switch kind {
	case "rule":
		s = ruleFileSchema(opts)
	case "library":
		s = head("StreamAlert (Go) library file",
			"A library file under rules.d: shared matchers and lists, and no other key.").
			merge(librarySchema()).
			merge(obj{{"$defs", obj{{"expression", expression()}}}})
	case "config":
		s = configSchema(opts)
	default:
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownKind, kind, strings.Join(Kinds, ", "))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode %s schema: %w", kind, err)
	}
	return buf.Bytes(), nil
}

// Patterns shared by the schemas and their tests. They are written in the
// common subset of Go's RE2 and ECMA-262 (what editors run).
const (
	// RuleNamePattern is what a rule's name must match.
	RuleNamePattern = `^[a-z0-9_]+$`
	// IdentPattern is what a matcher or list name must match.
	IdentPattern = `^[A-Za-z_][A-Za-z0-9_]*$`
	// DurationPattern matches the non-negative durations time.ParseDuration
	// accepts ("10m", "1h30m", "1.5h", "0").
	DurationPattern = `^\+?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$`
)

// head starts a schema document.
func head(title, description string) obj {
	return obj{{"$schema", Draft}, {"title", title}, {"description", description}}
}

// ruleFileSchema is a file under rules.d: a library file when its only keys
// are library keys (as rule.ParseFile decides), else a rule. The rule's keys
// are the root's properties, so that editors complete them in a new file.
func ruleFileSchema(opts Options) obj {
	props := ruleProperties(opts)
	props = append(props, field{"lists", obj{{"description", libraryDocs["lists"] + " Only in a library file (a file holding only matchers and lists)."}}})
	libShape := obj{{"type", "object"}, {"minProperties", 1}, {"propertyNames", obj{{"enum", rule.LibraryKeys}}}}
	return head("StreamAlert (Go) rule file",
		"A rule file under rules.d (one rule per file), or a library file holding only matchers and lists. See DESIGN.md and README.md, \"Writing and checking rules\".").
		merge(obj{
			{"type", "object"},
			{"properties", props},
			{"additionalProperties", false},
			{"if", libShape},
			{"then", obj{{"$ref", "#/$defs/library"}}},
			{"else", obj{{"$ref", "#/$defs/rule"}}},
			{"$defs", obj{
				{"rule", ruleConstraints()},
				{"library", librarySchema()},
				{"test", testSchema(opts)},
				{"expression", expression()},
			}},
		})
}

// ruleProperties is one property per rule.RuleKeys entry, in that order.
// A key the loader ignores when empty (null) may be null.
func ruleProperties(opts Options) obj {
	var props obj
	for _, k := range rule.RuleKeys {
		var s obj
		switch k {
		case "name":
			s = obj{{"type", "string"}, {"pattern", RuleNamePattern}, {"patternErrorMessage", "a rule name is lower-case letters, digits and _ ([a-z0-9_]+)"}}
		case "description":
			s = obj{{"type", []string{"string", "number", "boolean", "null"}}}
		case "log_types":
			s = stringList(logTypeItems(opts))
		case "datatypes":
			s = stringList(datatypeItems(opts))
		case "matchers":
			local := obj{{"propertyNames", identName()}, {"additionalProperties", obj{{"$ref", "#/$defs/expression"}}}}
			s = obj{{"type", []string{"array", "object", "null"}},
				{"items", obj{{"type", []string{"string", "object"}}}.merge(local)}}.merge(local)
		case "condition":
			s = expressionType() // inline: draft-07 editors ignore a $ref's sibling description
		case "outputs":
			s = stringList(outputItems(opts, true))
		case "severity":
			// null apart, so that editors do not offer it as a severity.
			s = obj{{"anyOf", []obj{{{"enum", rule.Severities}}, {{"type", "null"}}}}}
		case "tags", "merge_by_keys", "dedup_keys":
			s = stringList(obj{{"type", "string"}})
		case "req_subkeys":
			s = obj{{"type", []string{"object", "null"}}, {"additionalProperties", stringList(obj{{"type", "string"}})}}
		case "context":
			s = obj{{"type", []string{"object", "null"}}}
		case "merge_window", "dedup_period":
			s = obj{{"type", []string{"string", "null"}}, {"pattern", DurationPattern}, {"patternErrorMessage", "a duration such as 10m, 1h or 1h30m (units ns, us, ms, s, m, h)"},
				{"examples", []string{"10m", "1h", "1h30m"}}}
		case "threshold":
			s = obj{{"type", []string{"integer", "null"}}, {"minimum", 0}}
		case "staged", "enabled":
			s = obj{{"type", []string{"boolean", "null"}}}
		case "tests":
			s = obj{{"type", []string{"array", "null"}}, {"items", obj{{"$ref", "#/$defs/test"}}}}
		default:
			// A key added to rule.RuleKeys without a case here is still
			// accepted (never a false error), and TestKeysMatchLoaderTables fails.
			s = obj{}
		}
		props = append(props, field{k, obj{{"description", ruleDocs[k]}}.merge(s)})
	}
	return props
}

// ruleConstraints are the rule checks of rule.ParseFile that a schema can
// express: the required keys and the keys that need each other.
func ruleConstraints() obj {
	nonEmpty := func(key string) obj {
		return obj{{"required", []string{key}}, {"properties", obj{{key, obj{{"type", "array"}, {"minItems", 1}}}}}}
	}
	return obj{
		{"required", []string{"name"}},
		{"properties", obj{{"lists", obj{{"not", obj{}}, {"description", "lists belong in a library file holding only matchers and lists"}}}}},
		{"allOf", []obj{
			{{"description", "a rule needs log_types or datatypes"}, {"anyOf", []obj{
				{{"required", []string{"log_types"}}, {"properties", obj{{"log_types", obj{{"type", "array"}}}}}},
				{{"required", []string{"datatypes"}}, {"properties", obj{{"datatypes", obj{{"type", "array"}}}}}},
			}}},
			{{"description", "a rule needs a condition or matchers"}, {"anyOf", []obj{
				{{"required", []string{"condition"}}},
				{{"required", []string{"matchers"}}, {"properties", obj{{"matchers", obj{{"type", []string{"array", "object"}}, {"minItems", 1}, {"minProperties", 1}}}}}},
			}}},
			{{"description", "merge_by_keys needs a merge_window"}, {"if", nonEmpty("merge_by_keys")}, {"then", obj{{"required", []string{"merge_window"}}}}},
			{{"description", "merge_window needs merge_by_keys"}, {"if", obj{{"required", []string{"merge_window"}}}}, {"then", nonEmpty("merge_by_keys")}},
			{{"description", "dedup_keys needs dedup_period or a threshold above 1"}, {"if", nonEmpty("dedup_keys")}, {"then", obj{{"anyOf", []obj{
				{{"required", []string{"dedup_period"}}, {"properties", obj{{"dedup_period", obj{{"type", "string"}}}}}},
				{{"required", []string{"threshold"}}, {"properties", obj{{"threshold", obj{{"minimum", 2}}}}}},
			}}}}},
		}},
	}
}

// testSchema is one test case (rule.TestKeys).
func testSchema(opts Options) obj {
	var props obj
	for _, k := range rule.TestKeys {
		var s obj
		switch k {
		case "description":
			s = obj{{"type", []string{"string", "number", "boolean", "null"}}}
		case "log_type":
			s = obj{{"type", "string"}}
			if opts.Schemas != nil {
				s = append(s, field{"enum", opts.Schemas.Names()})
			}
		case "record":
			s = obj{{"type", "object"}}
		case "raw":
			s = obj{{"type", "string"}}
		case "trigger":
			s = obj{{"type", "boolean"}}
		default:
			s = obj{}
		}
		props = append(props, field{k, obj{{"description", testDocs[k]}}.merge(s)})
	}
	return obj{
		{"type", "object"},
		{"properties", props},
		{"additionalProperties", false},
		{"required", []string{"trigger"}},
		{"oneOf", []obj{{{"required", []string{"record"}}}, {{"required", []string{"raw"}}}}},
	}
}

// librarySchema is a library file (rule.LibraryKeys).
func librarySchema() obj {
	var props obj
	for _, k := range rule.LibraryKeys {
		var s obj
		switch k {
		case "matchers":
			s = obj{{"type", []string{"object", "null"}}, {"propertyNames", identName()},
				{"additionalProperties", obj{{"$ref", "#/$defs/expression"}}}}
		case "lists":
			s = obj{{"type", []string{"object", "null"}}, {"propertyNames", identName()},
				{"additionalProperties", obj{{"type", []string{"array", "null"}}, {"items", obj{{"type", []string{"string", "number", "boolean"}}}}}}}
		default:
			s = obj{}
		}
		props = append(props, field{k, obj{{"description", libraryDocs[k]}}.merge(s)})
	}
	return obj{
		{"type", "object"},
		{"properties", props},
		{"additionalProperties", false},
		{"minProperties", 1},
	}
}

// expression is a matcher's or condition's expr-lang source: a non-empty
// scalar (the loader takes `true` or `1` as their text).
func expression() obj {
	return obj{{"description", "An expr-lang expression (a string), e.g. record.name == \"logged_in_users\"."}}.merge(expressionType())
}

// expressionType is expression without its description.
func expressionType() obj {
	return obj{{"type", []string{"string", "number", "boolean"}}, {"pattern", `\S`}, {"patternErrorMessage", "an expression must not be empty"}}
}

// configSchema is streamalert.yaml (config.Keys, config.LimitKeys).
func configSchema(opts Options) obj {
	var props obj
	for _, k := range config.Keys {
		var s obj
		switch k {
		case "sources":
			s = obj{{"type", []string{"object", "null"}},
				{"additionalProperties", obj{{"type", []string{"object", "null"}},
					{"additionalProperties", obj{{"type", "array"}, {"minItems", 1}, {"items", obj{{"type", "string"}}}}}}}}
		case "outputs":
			descriptors := obj{{"type", []string{"object", "null"}}, {"additionalProperties", obj{
				{"description", "The descriptor's settings (outputs/README.md lists every service's)."}, {"type", []string{"object", "null"}}}}}
			s = obj{{"type", []string{"object", "null"}}}
			if len(opts.OutputServices) > 0 {
				var svc obj
				for _, name := range sorted(opts.OutputServices) {
					svc = append(svc, field{name, descriptors})
				}
				s = append(s, field{"properties", svc}, field{"additionalProperties", false})
			} else {
				s = append(s, field{"additionalProperties", descriptors})
			}
		case "staging_outputs":
			s = stringList(outputItems(opts, false))
		case "limits":
			var lp obj
			for _, lk := range config.LimitKeys {
				lp = append(lp, field{lk, obj{{"description", limitDocs[lk]}, {"type", "integer"}, {"minimum", 1}}})
			}
			s = obj{{"type", []string{"object", "null"}}, {"properties", lp}, {"additionalProperties", false}}
		default:
			s = obj{}
		}
		props = append(props, field{k, obj{{"description", configDocs[k]}}.merge(s)})
	}
	return head("StreamAlert (Go) configuration (streamalert.yaml)",
		"Sources, outputs and limits; see README.md, \"Configuration: streamalert.yaml\".").
		merge(obj{{"type", []string{"object", "null"}}, {"properties", props}, {"additionalProperties", false}})
}

// stringList is an optional list of strings whose items are items.
func stringList(items obj) obj {
	return obj{{"type", []string{"array", "null"}}, {"items", items}}
}

// logTypeItems is a log_types item: a log type or a family of opts.Schemas.
func logTypeItems(opts Options) obj {
	s := obj{{"type", "string"}}
	if opts.Schemas == nil {
		return s
	}
	names := opts.Schemas.Names()
	for _, n := range opts.Schemas.Names() {
		if f, _, ok := strings.Cut(n, ":"); ok {
			names = append(names, f)
		}
	}
	return append(s, field{"enum", sorted(names)},
		field{"errorMessage", "not a log type or family of the schemas: completion lists them (for your own schemas, generate this schema with ruleck schema --schemas DIR)"})
}

// datatypeItems is a datatypes item: a normalized type of opts.Schemas.
func datatypeItems(opts Options) obj {
	s := obj{{"type", "string"}}
	if opts.Schemas == nil {
		return s
	}
	var names []string
	for _, t := range opts.Schemas.Types() {
		names = append(names, t.NormalizedTypes()...)
	}
	return append(s, field{"enum", sorted(names)})
}

// outputItems is an outputs item: service:descriptor, with a known service
// when opts has services, one of the declared outputs when it has a
// configuration and declared is true.
func outputItems(opts Options, declared bool) obj {
	s := obj{{"type", "string"}}
	if declared && opts.Config != nil {
		return append(s, field{"enum", opts.Config.OutputNames()})
	}
	if len(opts.OutputServices) == 0 {
		return append(s, field{"pattern", `^[^:]+:.+$`}, field{"patternErrorMessage", "an output is service:descriptor, e.g. slack:security"})
	}
	svcs := sorted(opts.OutputServices)
	quoted := make([]string, len(svcs))
	examples := make([]string, len(svcs))
	for i, n := range svcs {
		quoted[i] = regexp.QuoteMeta(n)
		examples[i] = n + ":"
	}
	return append(s, field{"pattern", "^(" + strings.Join(quoted, "|") + "):.+$"},
		field{"patternErrorMessage", "an output is service:descriptor with a known service (" + strings.Join(svcs, ", ") + "), e.g. slack:security"},
		field{"examples", examples})
}

// identName is the name of a matcher or list.
func identName() obj {
	return obj{{"pattern", IdentPattern}, {"patternErrorMessage", "a matcher or list name is an identifier ([A-Za-z_][A-Za-z0-9_]*)"}}
}

// sorted returns the distinct values of s, sorted.
func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// obj is a JSON object that keeps its keys in the order written, so that
// generated schemas read like the documentation (canonical key order).
type obj []field

type field struct {
	k string
	v any
}

// merge returns o followed by the fields of other.
func (o obj) merge(other obj) obj { return append(slices.Clone(o), other...) }

// MarshalJSON writes the fields in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshal(f.k)
		if err != nil {
			return nil, err
		}
		v, err := marshal(f.v)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
