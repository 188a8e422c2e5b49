package schema

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// maxProblems caps the problems one candidate reports.
const maxProblems = 6

// check collects why a record does not fit a schema. The number of problems
// ranks candidates: the one with fewest is the "closest" in errors.
type check struct {
	problems  []string
	count     int // problems found
	described int // problems that problems describes
	fatals    int // parser-level failures among them (see fatal)
	// undeclared counts the keys an open mapping (Field.Open) kept without
	// declaring them; among fitting candidates of equal priority the one
	// that leaves fewer of the record's keys undeclared wins.
	undeclared int
	notJSON    bool // the raw record is not JSON and the parser needs it
	mode       checkMode
}

// checkMode says how much a check works. Classification first checks every
// candidate in checkFast mode, which stops at the first problem; only when
// nothing fits does it count every candidate's problems (checkCount) to find
// the closest, and describe that one (checkDescribe).
type checkMode uint8

const (
	checkDescribe checkMode = iota // count and describe every problem
	checkCount                     // count problems, describe none
	checkFast                      // stop at the first problem
)

// done reports whether a fast check has seen enough.
func (c *check) done() bool { return c.mode == checkFast && c.count > 0 }

// path joins a key path for a problem description; the other modes never
// describe, so they skip the allocation.
func (c *check) path(prefix, key string) string {
	if c.mode != checkDescribe {
		return ""
	}
	return join(prefix, key)
}

func (c *check) addf(format string, args ...any) {
	c.count++
	if c.mode == checkDescribe && len(c.problems) < maxProblems {
		c.described++
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

func (c *check) ok() bool { return c.count == 0 }

// rank orders candidates from closest (lowest): a parser-level failure
// weighs more than any number of schema problems.
func (c *check) rank() int { return c.count + 1000*c.fatals }

func (c *check) String() string {
	s := strings.Join(c.problems, ", ")
	if c.count > c.described {
		s += fmt.Sprintf(" and %d more", c.count-c.described)
	}
	return s
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// mapping checks m against the declared keys of f (a KindMapping) and
// returns m with values coerced. The key set is closed: a declared key that
// is not optional (optional[i] for f.Keys[i]; nil: none is) must be present, an undeclared key is extra, unless f is
// Open (undeclared_keys: keep), which keeps undeclared keys as they are and
// counts them in c.undeclared. When
// envelope is set the set is open instead (undeclared keys are ignored and
// not copied), as StreamAlert checks envelopes. m is never modified: a new
// map is returned (changed is true) when a value changes, and always for an
// envelope.
func (c *check) mapping(m map[string]any, f *Field, optional []bool, prefix string, envelope bool) (out map[string]any, changed bool) {
	out = m
	if envelope {
		out, changed = make(map[string]any, len(f.Keys)), true
	}
	present := 0
	for i, k := range f.Keys {
		if c.done() {
			return out, changed
		}
		v, ok := m[k.Name]
		if !ok {
			if i >= len(optional) || !optional[i] {
				if envelope {
					c.addf("missing envelope key %q", c.path(prefix, k.Name))
				} else {
					c.addf("missing key %q", c.path(prefix, k.Name))
				}
			}
			continue
		}
		present++
		nv, vchanged := c.value(v, k.Field, c.path(prefix, k.Name))
		if envelope {
			out[k.Name] = nv
			continue
		}
		if vchanged {
			if !changed {
				out, changed = make(map[string]any, len(m)), true
				for kk, vv := range m {
					out[kk] = vv
				}
			}
			out[k.Name] = nv
		}
	}
	if !envelope && f.Open {
		c.undeclared += len(m) - present
		return out, changed
	}
	if !envelope && present < len(m) && !c.done() {
		var extra []string
		for k := range m {
			if f.child(k) == nil {
				extra = append(extra, k)
			}
		}
		slices.Sort(extra)
		for _, k := range extra {
			c.addf("extra key %q", c.path(prefix, k))
		}
	}
	return out, changed
}

// value coerces v to f's kind; changed says whether the result differs from
// v (so parent maps are copied only when needed). Null passes for any kind.
// An empty string for an integer, float or boolean becomes null (CSV and kv
// logs leave numeric columns empty; StreamAlert keeps such values as they are).
func (c *check) value(v any, f *Field, path string) (any, bool) {
	if v == nil {
		return nil, false
	}
	switch f.Kind {
	case KindString:
		switch x := v.(type) {
		case string:
			return x, false
		case int64, float64, bool:
			return scalarString(x), true
		}
	case KindInteger:
		switch x := v.(type) {
		case int64:
			return x, false
		case float64:
			if i, ok := integral(x); ok {
				return i, true
			}
			c.addf("key %q: %v is not an integer", path, x)
			return v, false
		case string:
			s := strings.TrimSpace(x)
			if s == "" {
				return nil, true
			}
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i, true
			}
			c.addf("key %q: %s is not an integer", path, quoteShort(x))
			return v, false
		}
	case KindFloat:
		switch x := v.(type) {
		case float64:
			return x, false
		case int64:
			return float64(x), true
		case string:
			s := strings.TrimSpace(x)
			if s == "" {
				return nil, true
			}
			if fl, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(fl, 0) && !math.IsNaN(fl) {
				return fl, true
			}
			c.addf("key %q: %s is not a number", path, quoteShort(x))
			return v, false
		}
	case KindBoolean:
		switch x := v.(type) {
		case bool:
			return x, false
		case string:
			switch s := strings.TrimSpace(x); {
			case s == "":
				return nil, true
			case strings.EqualFold(s, "true"):
				return true, true
			case strings.EqualFold(s, "false"):
				return false, true
			}
			c.addf("key %q: %s is not a boolean", path, quoteShort(x))
			return v, false
		}
	case KindObject:
		// StreamAlert skips an empty nested schema in both its key check
		// and its type conversion, so {} takes any value as it is: GitHub
		// sends ghe:general's org_id {} as a number in some events and a
		// list in others.
		return v, false
	case KindList:
		if _, ok := v.([]any); ok {
			return v, false
		}
	case KindMapping:
		if m, ok := v.(map[string]any); ok {
			return c.mapping(m, f, nil, path, false)
		}
	}
	c.addf("key %q: %s is not %s", path, describe(v), f.Kind.Noun())
	return v, false
}

// describe names a record value's type for messages.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "string " + quoteShort(x)
	case int64, float64:
		return fmt.Sprintf("number %v", x)
	case bool:
		return fmt.Sprintf("boolean %v", x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// quoteShort quotes s, cut to a readable length.
func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
