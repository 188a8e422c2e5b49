package schema

import (
	"regexp"
	"strings"

	"github.com/jmespath-community/go-jmespath"

	"github.com/streamalert-go/streamalert/engine/diag"
)

// EnvelopeKey is the key under which a record carries the envelope keys
// copied from the outer document (configuration.envelope_keys).
const EnvelopeKey = "streamalert:envelope_keys"

// Kind is the declared type of a schema value.
type Kind uint8

// The kinds of schema values.
const (
	KindInvalid Kind = iota
	KindString
	KindInteger
	KindFloat
	KindBoolean
	KindObject  // {}: any value (object, list or scalar) kept as it is; as the root of a schema, any JSON object
	KindList    // []: any list
	KindMapping // a nested mapping whose keys are declared
)

// String returns the schema spelling of k: "string", "integer", "float",
// "boolean", "{}", "[]" or "mapping".
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInteger:
		return "integer"
	case KindFloat:
		return "float"
	case KindBoolean:
		return "boolean"
	case KindObject:
		return "{}"
	case KindList:
		return "[]"
	case KindMapping:
		return "mapping"
	}
	return "invalid"
}

// Noun names the kind for messages: "a string", "an integer", "a float",
// "a boolean", "a list", "an object" (a mapping), "any value" ({}).
func (k Kind) Noun() string {
	switch k {
	case KindString:
		return "a string"
	case KindInteger:
		return "an integer"
	case KindFloat:
		return "a float"
	case KindBoolean:
		return "a boolean"
	case KindList:
		return "a list"
	case KindMapping:
		return "an object"
	case KindObject:
		return "any value"
	}
	return "invalid"
}

// Field is one node of a schema tree.
type Field struct {
	Kind Kind
	// Keys holds the declared sub-fields of a KindMapping, in declaration order.
	Keys []NamedField
	Pos  diag.Pos
	// Open is set on the KindMapping fields (the root and every nested
	// mapping) of a log type configured with undeclared_keys: keep. A key
	// such a mapping does not declare is kept in the record as it was sent
	// (untyped) instead of stopping classification; its declared keys are
	// still required (unless optional) and coerced.
	Open bool

	index map[string]*Field // Keys by name, for KindMapping
}

// NamedField is a key of a mapping with its field.
type NamedField struct {
	Name  string
	Field *Field
}

// child returns the declared sub-field name of a KindMapping, or nil.
func (f *Field) child(name string) *Field {
	if f == nil || f.index == nil {
		return nil
	}
	return f.index[name]
}

// LogType is one compiled log schema such as "osquery:differential".
// A LogType is immutable once loaded and safe for concurrent use.
type LogType struct {
	Name   string // e.g. "osquery:differential"
	Parser string // json | csv | kv | syslog
	Schema *Field // the root: KindMapping, or KindObject for an open schema {} (any JSON object)
	Pos    diag.Pos

	priority       int // lowestPriority when not configured
	hasPriority    bool
	optional       map[string]bool // optional_top_level_keys
	keyCount       int             // declared keys at any depth, for tie breaking
	keepUndeclared bool            // configuration.undeclared_keys: keep
	id             int             // 1-based position in its Set's candidate order (prefilter)
	required       []string        // required top-level keys, the rarest among types first
	optFlags       []bool          // by Schema.Keys index: optional_top_level_keys
	optEnvFlags    []bool          // by envelope.Keys index: optional_envelope_keys
	minFields      int             // spaced: the position of the last required key, plus one

	jsonPath     jmespath.JMESPath // nil when not configured
	jsonPathSrc  string
	embeddedJSON bool
	jsonRegexKey string

	envelope         *Field // KindMapping, nil when no envelope_keys
	optionalEnvelope map[string]bool

	patterns []logPattern
	norm     []normType // sorted by name

	delimiter string // csv: one rune; kv: between pairs
	separator string // kv: between key and value
	quote     rune
	escape    rune

	headerLine bool   // csv: the record's first line names its columns (header_line)
	nullValue  string // csv: a column holding exactly this is left out (null_value)
	hasNull    bool
}

// lowestPriority is the priority of a log type that configures none.
const lowestPriority = int(^uint(0) >> 1)

// Family returns the part of Name before the first ':' (the whole name if none).
func (t *LogType) Family() string {
	family, _, _ := strings.Cut(t.Name, ":")
	return family
}

// Priority returns configuration.priority and whether it was set. 0 is the
// highest priority; a log type without one ranks below every log type with one.
func (t *LogType) Priority() (int, bool) {
	if !t.hasPriority {
		return 0, false
	}
	return t.priority, true
}

// Lookup walks path from the root of the record this log type produces
// (including "streamalert:envelope_keys" when the type has envelope keys) and
// returns the declared field. ok is false when the path is not declared; a path
// that continues below a KindObject ({}) or KindList is declared (open), and
// the returned field is that KindObject/KindList.
func (t *LogType) Lookup(path []string) (f *Field, ok bool) {
	f = t.Schema
	if len(path) > 0 && path[0] == EnvelopeKey && t.envelope != nil && t.Schema.child(EnvelopeKey) == nil {
		f, path = t.envelope, path[1:]
	}
	for _, name := range path {
		switch f.Kind {
		case KindObject, KindList:
			return f, true
		case KindMapping:
			next := f.child(name)
			if next == nil {
				return nil, false
			}
			f = next
		default:
			return nil, false
		}
	}
	return f, true
}

// KeepsUndeclared reports whether the log type is open: configured with
// undeclared_keys: keep, so records may carry keys its schema does not
// declare (at the top level and in every nested mapping), kept untyped.
func (t *LogType) KeepsUndeclared() bool { return t.keepUndeclared }

// Undeclared tells, for a record path that Lookup does not find, whether a
// record of this type may still carry it and which declared key it nearly
// spells. open is true when the deepest declared mapping on the path keeps
// undeclared keys (see Field.Open), so the path may hold any value or be
// absent; nearMiss is the key declared beside the first undeclared name that
// is one edit away from it, ignoring case (a letter added, dropped or
// changed, or two neighbours swapped: "eventName" for "eventNmae",
// "userName" for "username"), or "". One edit, not diag.Suggest's looser
// distance: on an open type a different field of a similar name
// ("eventTime", "eventName") may well exist. Both are zero for a declared
// path or one below a scalar.
func (t *LogType) Undeclared(path []string) (open bool, nearMiss string) {
	f := t.Schema
	if len(path) > 0 && path[0] == EnvelopeKey && t.envelope != nil && t.Schema.child(EnvelopeKey) == nil {
		f, path = t.envelope, path[1:]
	}
	for _, name := range path {
		if f.Kind != KindMapping {
			return false, ""
		}
		next := f.child(name)
		if next == nil {
			for _, k := range f.Keys {
				if oneEdit(strings.ToLower(name), strings.ToLower(k.Name)) {
					return f.Open, k.Name
				}
			}
			return f.Open, ""
		}
		f = next
	}
	return false, ""
}

// NormalizedTypes returns the sorted normalized type names this log type's
// configuration.normalization provides (e.g. "sourceAddress").
func (t *LogType) NormalizedTypes() []string {
	out := make([]string, len(t.norm))
	for i, n := range t.norm {
		out[i] = n.name
	}
	return out
}

// logPattern is one compiled log_patterns entry: the value at path (in the
// envelope when envelope is set) must match at least one of globs.
type logPattern struct {
	path     []string
	envelope bool
	src      []string
	globs    []*regexp.Regexp
}

// Record is one classified record.
type Record struct {
	Type *LogType
	// Data is the parsed record, values coerced to the schema's types:
	// string, int64, float64, bool, map[string]any, []any, nil. Optional keys
	// that were absent stay absent.
	Data map[string]any
	// Normalized maps a normalized type name to the values found for it
	// (never nil for a type the schema provides, possibly empty).
	Normalized map[string][]any
}

// ClassifyError says why a raw record did not classify.
type ClassifyError struct {
	Reason string // human readable: "no schema matched: closest osquery:differential: missing key \"name\", extra key \"foo\""
}

func (e *ClassifyError) Error() string { return e.Reason }

// oneEdit reports whether a and b differ by at most one insertion, deletion,
// substitution or swap of neighbouring runes.
func oneEdit(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	switch len(ra) - len(rb) {
	case 0:
		var diff []int
		for i := range ra {
			if ra[i] != rb[i] {
				diff = append(diff, i)
				if len(diff) > 2 {
					return false
				}
			}
		}
		switch len(diff) {
		case 0, 1:
			return true
		case 2:
			i, j := diff[0], diff[1]
			return j == i+1 && ra[i] == rb[j] && ra[j] == rb[i]
		}
		return false
	case 1:
		i := 0
		for i < len(rb) && ra[i] == rb[i] {
			i++
		}
		return string(ra[i+1:]) == string(rb[i:])
	}
	return false
}
