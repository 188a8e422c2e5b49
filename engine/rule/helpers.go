package rule

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
)

// Set is a prebuilt membership set over a list's values, so that
// `x in lists.name` is one hash lookup. Numbers compare by value (1 == 1.0),
// as expr's == does. A Set is immutable and safe for concurrent use.
type Set struct {
	strs  map[string]struct{}
	nums  map[float64]struct{}
	bools [2]bool
}

// NewSet builds a Set from scalar values; other values are ignored.
func NewSet(values []any) *Set {
	s := &Set{strs: map[string]struct{}{}, nums: map[float64]struct{}{}}
	for _, v := range values {
		switch x := v.(type) {
		case string:
			s.strs[x] = struct{}{}
		case bool:
			s.bools[b2i(x)] = true
		default:
			if f, ok := toFloat(v); ok {
				s.nums[f] = struct{}{}
			}
		}
	}
	return s
}

// MarshalJSON describes the set's values (expr prints constants as JSON).
func (s *Set) MarshalJSON() ([]byte, error) {
	strs := make([]string, 0, len(s.strs))
	for k := range s.strs {
		strs = append(strs, k)
	}
	slices.Sort(strs)
	nums := make([]float64, 0, len(s.nums))
	for k := range s.nums {
		nums = append(nums, k)
	}
	slices.Sort(nums)
	return json.Marshal(map[string]any{"set": []any{strs, nums, s.bools}})
}

// Has reports whether v equals one of the set's values.
func (s *Set) Has(v any) bool {
	switch x := v.(type) {
	case string:
		_, ok := s.strs[x]
		return ok
	case bool:
		return s.bools[b2i(x)]
	}
	if f, ok := toFloat(v); ok {
		_, ok := s.nums[f]
		return ok
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		if math.IsNaN(x) {
			return 0, false
		}
		return x, true
	}
	return 0, false
}

// PrefixSet is a parsed list of CIDRs (a bare IP counts as a /32 or /128).
// It is immutable and safe for concurrent use.
type PrefixSet struct {
	prefixes []netip.Prefix
}

// ParsePrefixes parses CIDR strings (nested lists are flattened). The error
// names the first value that is not a CIDR or IP address.
func ParsePrefixes(values ...any) (*PrefixSet, error) {
	s := &PrefixSet{}
	err := flatten(values, func(v any) error {
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%v (%T) is not a CIDR", v, v)
		}
		p, err := parsePrefix(str)
		if err != nil {
			return err
		}
		s.prefixes = append(s.prefixes, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR", s)
		}
		p = p.Masked()
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR or IP address", s)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// MarshalJSON lists the prefixes (expr prints constants as JSON).
func (s *PrefixSet) MarshalJSON() ([]byte, error) {
	out := make([]string, len(s.prefixes))
	for i, p := range s.prefixes {
		out[i] = p.String()
	}
	return json.Marshal(map[string]any{"cidrs": out})
}

// Contains reports whether ip (a string) is an IP address inside one of the
// prefixes. IPv4-mapped IPv6 addresses match IPv4 prefixes; zones are
// ignored; anything that is not an IP gives false.
func (s *PrefixSet) Contains(ip any) bool {
	a, ok := ParseIP(ip)
	return ok && s.ContainsAddr(a)
}

// ParseIP parses ip as Contains does: a string holding an IP address (white
// space around it ignored), IPv4-mapped IPv6 addresses unmapped and zones
// dropped; ok is false for anything else.
func ParseIP(ip any) (a netip.Addr, ok bool) {
	str, isStr := ip.(string)
	if !isStr {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(strings.TrimSpace(str))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// Prefixes returns the set's prefixes (do not modify them).
func (s *PrefixSet) Prefixes() []netip.Prefix { return s.prefixes }

// ContainsAddr reports whether a (as ParseIP gives it) is inside one of the
// prefixes.
func (s *PrefixSet) ContainsAddr(a netip.Addr) bool {
	for _, p := range s.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// GlobSet is a list of compiled shell-style patterns. Immutable; safe for
// concurrent use.
type GlobSet struct {
	globs []*Glob
}

// ParseGlobs compiles patterns (nested lists are flattened). The error names
// the first value that is not a valid pattern.
func ParseGlobs(values ...any) (*GlobSet, error) {
	s := &GlobSet{}
	err := flatten(values, func(v any) error {
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%v (%T) is not a glob pattern", v, v)
		}
		g, err := CompileGlob(str)
		if err != nil {
			return err
		}
		s.globs = append(s.globs, g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// MarshalJSON lists the patterns (expr prints constants as JSON).
func (s *GlobSet) MarshalJSON() ([]byte, error) {
	out := make([]string, len(s.globs))
	for i, g := range s.globs {
		out[i] = g.String()
	}
	return json.Marshal(map[string]any{"globs": out})
}

// Match reports whether v is a string matching one of the patterns.
func (s *GlobSet) Match(v any) bool {
	str, ok := v.(string)
	if !ok {
		return false
	}
	for _, g := range s.globs {
		if g.Match(str) {
			return true
		}
	}
	return false
}

func flatten(values []any, fn func(any) error) error {
	for _, v := range values {
		if l, ok := v.([]any); ok {
			if err := flatten(l, fn); err != nil {
				return err
			}
			continue
		}
		if l, ok := v.([]string); ok {
			for _, s := range l {
				if err := fn(s); err != nil {
					return err
				}
			}
			continue
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// errArgs is returned when a helper gets the wrong number of arguments; the
// checker prevents it for typed calls, so it only guards against misuse.
var errArgs = errors.New("wrong number of arguments")

// InCIDR implements in_cidr(ip, cidr_or_list). The second argument is a
// *PrefixSet (patched in at compile time for constants), a CIDR string, or a
// list of CIDR strings (parsed on every call: slower). A value that is not an
// IP gives false; a bad CIDR is an error.
func InCIDR(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, errArgs
	}
	set, ok := args[1].(*PrefixSet)
	if !ok {
		if args[1] == nil {
			return false, nil
		}
		var err error
		if set, err = ParsePrefixes(args[1]); err != nil {
			return nil, fmt.Errorf("in_cidr: %w", err)
		}
	}
	return set.Contains(args[0]), nil
}

// GlobMatch implements glob(s, pattern_or_list). The second argument is a
// *GlobSet (patched in at compile time for constants), a pattern, or a list
// of patterns. A value that is not a string gives false; a bad pattern is an
// error.
func GlobMatch(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, errArgs
	}
	set, ok := args[1].(*GlobSet)
	if !ok {
		if args[1] == nil {
			return false, nil
		}
		var err error
		if set, err = ParseGlobs(args[1]); err != nil {
			return nil, fmt.Errorf("glob: %w", err)
		}
	}
	return set.Match(args[0]), nil
}

// FindKeys implements find_keys(x, key): every value stored under key in any
// mapping at any depth of x, breadth first. Lists are transparent: the
// mappings in a list (at any nesting of lists) count at the list's depth, in
// list order; a mapping's keys are visited in sorted order. The result is an
// empty list, never nil.
func FindKeys(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, errArgs
	}
	key, ok := args[1].(string)
	if !ok {
		return nil, fmt.Errorf("find_keys: key must be a string, got %T", args[1])
	}
	out := []any{}
	var level, next []map[string]any
	level = appendMappings(level, args[0])
	for len(level) > 0 {
		next = next[:0]
		for _, m := range level {
			if v, ok := m[key]; ok {
				out = append(out, v)
			}
			for _, k := range sortedKeys(m) {
				next = appendMappings(next, m[k])
			}
		}
		level, next = next, level
	}
	return out, nil
}

// appendMappings appends v when it is a mapping, or the mappings inside v
// when it is a list (recursively).
func appendMappings(dst []map[string]any, v any) []map[string]any {
	switch x := v.(type) {
	case map[string]any:
		dst = append(dst, x)
	case []any:
		for _, e := range x {
			dst = appendMappings(dst, e)
		}
	}
	return dst
}

// Values implements values(x): every scalar (non-nil, non-container) value
// at any depth of x, depth first, a mapping's keys in sorted order, a list in
// its order. values of a scalar is a list holding it; of nil, an empty list.
func Values(args ...any) (any, error) {
	if len(args) != 1 {
		return nil, errArgs
	}
	out := []any{}
	var walk func(any)
	walk = func(n any) {
		switch x := n.(type) {
		case nil:
		case map[string]any:
			for _, k := range sortedKeys(x) {
				walk(x[k])
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		case []string:
			for _, v := range x {
				out = append(out, v)
			}
		default:
			out = append(out, x)
		}
	}
	walk(args[0])
	return out, nil
}

// TryJSON implements try_json(s): s (a string or bytes) decoded as JSON
// (numbers as float64, as fromJSON does), or nil when it is not JSON or not
// a string.
func TryJSON(args ...any) (any, error) {
	if len(args) != 1 {
		return nil, errArgs
	}
	var b []byte
	switch x := args[0].(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, nil
	}
	return v, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
