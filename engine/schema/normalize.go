package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// normType is one compiled configuration.normalization entry.
type normType struct {
	name   string
	params []normParam
}

// normParam is one path a normalized type's values are read from.
type normParam struct {
	path     []string
	function string
	cond     *normCond
}

// normCond is StreamAlert's optional condition on a normalization path: the
// value at path, as a lower-case string, must satisfy op against values.
type normCond struct {
	path   []string
	op     string // is, is_not, in, not_in, contains, not_contains
	values []string
}

var normParamKeys = []string{"condition", "function", "path", "send_to_artifacts"}
var condOps = []string{"contains", "in", "is", "is_not", "not_contains", "not_in"}

// normalization compiles StreamAlert's normalization v2 format:
//
//	type: [path, to, key]                       # one path, no function
//	type: [{path: [...], function: "...", condition: {path: [...], is: "x"}}, ...]
//
// As in StreamAlert, a list of strings is one path from the record's root
// (not a set of key names searched at any depth, which was v1's
// conf/types.json format).
func (l *loader) normalization(t *LogType, n *yaml.Node) {
	for _, kv := range l.pairs(n, "normalization") {
		k, v := kv[0], kv[1]
		nt := normType{name: k.Value}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			l.errorf(v, CodeWrongType, "normalization %q must be a non-empty list of key names (a path) or of {path, function, condition} mappings", k.Value)
			continue
		}
		if deref(v.Content[0]).Kind == yaml.ScalarNode {
			p, ok := l.strList(v, "normalization "+strconv.Quote(k.Value))
			if ok {
				l.checkNormPath(t, v, p)
				nt.params = append(nt.params, normParam{path: p})
			}
		} else {
			for _, e := range v.Content {
				if np, ok := l.normParam(t, deref(e)); ok {
					nt.params = append(nt.params, np)
				}
			}
		}
		t.norm = append(t.norm, nt)
	}
	slices.SortFunc(t.norm, func(a, b normType) int { return strings.Compare(a.name, b.name) })
}

func (l *loader) checkNormPath(t *LogType, n *yaml.Node, p []string) {
	if len(p) == 0 {
		l.errorf(n, CodeBadValue, "normalization path is empty")
		return
	}
	if _, ok := t.Lookup(p); !ok {
		l.errorf(n, CodeBadValue, "normalization path %q is not declared in the schema of %q", strings.Join(p, "."), t.Name)
	}
}

func (l *loader) normParam(t *LogType, n *yaml.Node) (normParam, bool) {
	var np normParam
	ok := true
	var pathNode *yaml.Node
	for _, kv := range l.pairs(n, "a normalization entry") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "path":
			pathNode = v
			var good bool
			np.path, good = l.strList(v, "path")
			if good {
				l.checkNormPath(t, v, np.path)
			}
			ok = ok && good
		case "function":
			np.function, _ = l.str(v, "function")
		case "send_to_artifacts":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				l.errorf(v, CodeWrongType, "send_to_artifacts must be true or false, not %s", YAMLKind(v))
			}
		case "condition":
			c, good := l.normCondition(v)
			np.cond = c
			ok = ok && good
		default:
			l.errorf(k, CodeUnknownKey, "unknown normalization key %q (want path, function, condition, send_to_artifacts)%s",
				k.Value, didYouMean(k.Value, normParamKeys))
			ok = false
		}
	}
	if n.Kind == yaml.MappingNode && pathNode == nil {
		l.errorf(n, CodeMissingKey, "normalization entry has no path")
		ok = false
	}
	return np, ok && n.Kind == yaml.MappingNode
}

func (l *loader) normCondition(n *yaml.Node) (*normCond, bool) {
	c := &normCond{}
	ok := true
	for _, kv := range l.pairs(n, "a normalization condition") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "path":
			var good bool
			c.path, good = l.strList(v, "condition path")
			ok = ok && good
		case "is", "is_not", "contains", "not_contains":
			if c.op != "" {
				l.errorf(k, CodeBadValue, "a condition takes one operator, found %q and %q", c.op, k.Value)
				ok = false
				continue
			}
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				l.errorf(v, CodeWrongType, "condition %s must be a scalar, not %s", k.Value, YAMLKind(v))
				ok = false
				continue
			}
			c.op, c.values = k.Value, []string{strings.ToLower(v.Value)}
		case "in", "not_in":
			if c.op != "" {
				l.errorf(k, CodeBadValue, "a condition takes one operator, found %q and %q", c.op, k.Value)
				ok = false
				continue
			}
			vals, good := l.strList(v, "condition "+k.Value)
			for i := range vals {
				vals[i] = strings.ToLower(vals[i])
			}
			c.op, c.values = k.Value, vals
			ok = ok && good
		default:
			l.errorf(k, CodeUnknownKey, "unknown condition key %q (want path and one of %s)%s",
				k.Value, strings.Join(condOps, ", "), didYouMean(k.Value, append([]string{"path"}, condOps...)))
			ok = false
		}
	}
	if n.Kind == yaml.MappingNode && (len(c.path) == 0 || c.op == "") {
		l.errorf(n, CodeMissingKey, "a normalization condition needs a path and one of %s", strings.Join(condOps, ", "))
		ok = false
	}
	return c, ok
}

// normalize fills the normalized values of rec. Values are read at each
// param's path (a list contributes its items), skipping null, "" and
// missing ones; they keep their record types and are deduplicated in the
// order found. A condition compares the lower-cased string form of the value
// at its path (StreamAlert lower-cases only the record side; we lower-case
// both so "is: Foo" behaves as meant).
func (t *LogType) normalize(rec map[string]any) map[string][]any {
	if len(t.norm) == 0 {
		return nil
	}
	out := make(map[string][]any, len(t.norm))
	for _, nt := range t.norm {
		vals := []any{}
		seen := map[string]bool{}
		add := func(v any) {
			switch v.(type) {
			case nil:
				return
			case string:
				if v == "" {
					return
				}
			}
			key := fmt.Sprintf("%T:%v", v, v)
			if !seen[key] {
				seen[key] = true
				vals = append(vals, v)
			}
		}
		for _, p := range nt.params {
			if p.cond != nil && !p.cond.match(rec) {
				continue
			}
			v, ok := valueAt(rec, p.path)
			if !ok {
				continue
			}
			if list, isList := v.([]any); isList {
				for _, e := range list {
					add(e)
				}
			} else {
				add(v)
			}
		}
		out[nt.name] = vals
	}
	return out
}

func (c *normCond) match(rec map[string]any) bool {
	v, ok := valueAt(rec, c.path)
	if !ok || v == nil {
		return false
	}
	s := strings.ToLower(scalarString(v))
	switch c.op {
	case "is":
		return s == c.values[0]
	case "is_not":
		return s != c.values[0]
	case "in":
		return slices.Contains(c.values, s)
	case "not_in":
		return !slices.Contains(c.values, s)
	case "contains":
		return strings.Contains(s, c.values[0])
	case "not_contains":
		return !strings.Contains(s, c.values[0])
	}
	return false
}

// valueAt walks maps along path.
func valueAt(v any, path []string) (any, bool) {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// scalarString formats a record value as text: strings as they are,
// numbers in their shortest form, booleans as true/false, others with %v.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprintf("%v", v)
}
