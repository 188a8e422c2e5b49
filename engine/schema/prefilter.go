package schema

import (
	"cmp"
	"regexp"
	"slices"
)

// prefilter picks, for a record that decoded as a JSON object, the candidate
// log types that can possibly fit it, before any of them is checked: each
// JSON log type is indexed by one top-level key every record it accepts has
// (the rarest such key among all types: a required key of its schema, the
// root key of its json_path, its json_regex_key), and a closed schema cannot
// take an object with more top-level keys than it declares. The prefilter
// only ever leaves out candidates whose check would fail; which candidate
// wins among the rest is decided exactly as before.
type prefilter struct {
	order   []*LogType       // by id-1
	byKey   map[string][]int // top-level key → ids of the types it indexes
	always  []uint64         // bitset of ids that no key indexes
	maxKeys []int            // by id: most top-level keys a fitting object has; -1 any
}

// pathRoot is a json_path that starts at a top-level key and only descends
// (a.b, a[*], a[0].b): a document without that key yields no records.
var pathRoot = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\*\]|\[[0-9]+\])*$`)

// pathOrSelf is a json_path "K[*] || [@]" or "@[*] || [@]": the records are
// the elements of a list (under the top-level key K, or the document when it
// is a list), else the document itself.
var pathOrSelf = regexp.MustCompile(`^(@|[A-Za-z_][A-Za-z0-9_]*)\[\*\]\s*\|\|\s*\[@\]$`)

// readsJSON reports whether t decodes records as JSON.
func readsJSON(t *LogType) bool {
	return t.Parser == "json" || t.jsonPath != nil || t.jsonRegexKey != ""
}

// requiredKeys are the top-level keys every object t's schema (and
// envelope) accepts has.
func requiredKeys(t *LogType) []string {
	var keys []string
	if t.Schema != nil && t.Schema.Kind == KindMapping {
		for _, k := range t.Schema.Keys {
			if !t.optional[k.Name] {
				keys = append(keys, k.Name)
			}
		}
	}
	return keys
}

// indexKeys returns top-level keys of which a JSON object t accepts has at
// least one (nil: nothing can be said). rarest picks among required keys.
func indexKeys(t *LogType, rarest func([]string) string) []string {
	switch {
	case !readsJSON(t):
		return nil // a text type: its own parser rejects JSON documents
	case t.jsonRegexKey != "":
		return []string{t.jsonRegexKey}
	case t.jsonPath != nil:
		if m := pathRoot.FindStringSubmatch(t.jsonPathSrc); m != nil {
			return []string{m[1]}
		}
		m := pathOrSelf.FindStringSubmatch(t.jsonPathSrc)
		if m == nil || t.Parser != "json" || t.embeddedJSON {
			return nil
		}
		// An object without K is its own record: it must then have the
		// schema's required keys.
		self := rarest(requiredKeys(t))
		if self == "" {
			return nil
		}
		if m[1] == "@" {
			return []string{self}
		}
		return []string{m[1], self}
	}
	var keys []string
	if k := rarest(requiredKeys(t)); k != "" {
		keys = append(keys, k)
	}
	if t.envelope != nil && len(keys) == 0 {
		for _, k := range t.envelope.Keys {
			if !t.optionalEnvelope[k.Name] {
				return []string{k.Name}
			}
		}
	}
	return keys
}

// newPrefilter indexes order (a Set's candidate order) and numbers its
// types; it runs once, when the Set is loaded.
func newPrefilter(order []*LogType) *prefilter {
	p := &prefilter{order: order, byKey: map[string][]int{}, always: make([]uint64, (len(order)+1+63)/64), maxKeys: make([]int, len(order)+1)}
	freq := map[string]int{}
	for _, t := range order {
		for _, k := range requiredKeys(t) {
			freq[k]++
		}
	}
	rarest := func(keys []string) string {
		best := ""
		for _, k := range keys {
			if best == "" || freq[k] < freq[best] {
				best = k
			}
		}
		return best
	}
	for i, t := range order {
		id := i + 1
		t.id = id
		t.required = requiredKeys(t)
		t.optFlags, t.optEnvFlags = flags(t.Schema, t.optional), flags(t.envelope, t.optionalEnvelope)
		if t.Schema != nil && t.Schema.Kind == KindMapping && t.jsonPath == nil {
			for i, k := range t.Schema.Keys {
				if !t.optional[k.Name] {
					t.minFields = i + 1
				}
			}
		}
		slices.SortStableFunc(t.required, func(a, b string) int { return cmp.Compare(freq[a], freq[b]) })
		keys := indexKeys(t, rarest)
		if len(keys) == 0 {
			p.always[id/64] |= 1 << (id % 64)
		}
		for _, k := range keys {
			p.byKey[k] = append(p.byKey[k], id)
		}
		p.maxKeys[id] = -1
		if t.Parser == "json" && t.jsonPath == nil && t.jsonRegexKey == "" && t.envelope == nil &&
			t.Schema != nil && t.Schema.Kind == KindMapping && !t.Schema.Open {
			p.maxKeys[id] = len(t.Schema.Keys)
		}
	}
	return p
}

// mask returns the bitset of type ids that may fit the object m, in buf
// when it is large enough.
func (p *prefilter) mask(m map[string]any, buf []uint64) []uint64 {
	buf = append(buf[:0], p.always...)
	for k := range m {
		for _, id := range p.byKey[k] {
			buf[id/64] |= 1 << (id % 64)
		}
	}
	return buf
}

// may reports whether t can fit an object with n top-level keys under mask.
// A type the prefilter does not know (id 0, or from another Set) may.
func (p *prefilter) may(mask []uint64, t *LogType, n int) bool {
	id := t.id
	if id <= 0 || id > len(p.order) || p.order[id-1] != t {
		return true
	}
	if mask[id/64]&(1<<(id%64)) == 0 {
		return false
	}
	return p.maxKeys[id] < 0 || n <= p.maxKeys[id]
}

// flags returns, by index of f.Keys, whether each key is in names.
func flags(f *Field, names map[string]bool) []bool {
	if f == nil || len(names) == 0 {
		return nil
	}
	out := make([]bool, len(f.Keys))
	for i, k := range f.Keys {
		out[i] = names[k.Name]
	}
	return out
}
