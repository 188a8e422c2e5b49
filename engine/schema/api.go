package schema

import (
	"io/fs"

	"github.com/streamalert-go/streamalert/engine/diag"
)

// Kind is the declared type of a schema value.
type Kind uint8

const (
	KindInvalid Kind = iota
	KindString
	KindInteger
	KindFloat
	KindBoolean
	KindObject  // {}: any object, any keys
	KindList    // []: any list
	KindMapping // a nested mapping whose keys are declared
)

// Field is one node of a schema tree.
type Field struct {
	Kind Kind
	// Keys holds the declared sub-fields of a KindMapping, in declaration order.
	Keys []NamedField
	Pos  diag.Pos
}

// NamedField is a key of a mapping with its field.
type NamedField struct {
	Name  string
	Field *Field
}

// LogType is one compiled log schema such as "osquery:differential".
// A LogType is immutable once loaded and safe for concurrent use.
type LogType struct {
	Name   string // e.g. "osquery:differential"
	Parser string // json | csv | kv | syslog
	Schema *Field // the root, always KindMapping
	Pos    diag.Pos
	// (configuration and compiled matchers are unexported)
}

// Family returns the part of Name before the first ':' (the whole name if none).
func (t *LogType) Family() string { panic("TODO") }

// Lookup walks path from the root of the record this log type produces
// (including "streamalert:envelope_keys" when the type has envelope keys) and
// returns the declared field. ok is false when the path is not declared; a path
// that continues below a KindObject ({}) or KindList is declared (open), and
// the returned field is that KindObject/KindList.
func (t *LogType) Lookup(path []string) (f *Field, ok bool) { panic("TODO") }

// NormalizedTypes returns the sorted normalized type names this log type's
// configuration.normalization provides (e.g. "sourceAddress").
func (t *LogType) NormalizedTypes() []string { panic("TODO") }

// Set is an immutable collection of log types. Safe for concurrent use.
type Set struct{}

// Load reads every *.json, *.yaml and *.yml file in fsys (recursively) as
// StreamAlert-format schema files. Problems come back as diagnostics with
// file:line:col; the Set is nil when any diagnostic is an error.
func Load(fsys fs.FS) (*Set, diag.List) { panic("TODO") }

// Names returns every log type name, sorted.
func (s *Set) Names() []string { panic("TODO") }

// Get returns the log type with exactly this name, or nil.
func (s *Set) Get(name string) *LogType { panic("TODO") }

// Resolve turns a list of families ("osquery") and exact names
// ("osquery:differential") into log types, in the Set's deterministic
// candidate order. An unknown name is an error naming it.
func (s *Set) Resolve(names []string) ([]*LogType, error) { panic("TODO") }

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

// Classifier classifies raw records against a Set. Safe for concurrent use.
type Classifier struct{}

// NewClassifier returns a Classifier for set.
func NewClassifier(set *Set) *Classifier { panic("TODO") }

// Classify parses raw (one record as read by package payload) against the
// candidate log types (all of the Set's when cands is nil). One raw record can
// yield several records (json_path such as "Records[*]"). When no candidate
// fits, or more than one fits with equal priority, err is a *ClassifyError
// saying why.
func (c *Classifier) Classify(raw []byte, cands []*LogType) ([]Record, error) { panic("TODO") }

// ClassifyError says why a raw record did not classify.
type ClassifyError struct {
	Reason string // human readable: "no schema matched: closest osquery:differential: missing key \"name\", extra key \"foo\""
}

func (e *ClassifyError) Error() string { return e.Reason }
