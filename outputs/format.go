package outputs

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/streamalert-go/streamalert/engine"
)

// summary is the one-line description of an alert used as a title.
func summary(a engine.Alert) string {
	s := a.RuleName
	if a.Severity != "" {
		s = "[" + strings.ToUpper(a.Severity) + "] " + s
	}
	if a.RuleDescription != "" {
		s += ": " + firstLine(a.RuleDescription)
	}
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// serviceContext returns a.Context[key] when it is a mapping: the per-rule
// routing settings for one service (e.g. context.slack.channel).
func serviceContext(a engine.Alert, key string) map[string]any {
	m, _ := a.Context[key].(map[string]any)
	return m
}

func ctxString(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func ctxStrings(m map[string]any, key string) []string {
	switch v := m[key].(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// prettyJSON renders v indented; values that cannot be encoded render as
// their Go form (an alert always encodes, records come from JSON).
func prettyJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// alertJSON is the alert as StreamAlert-compatible JSON.
func alertJSON(a engine.Alert) ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, Permanent(fmt.Errorf("encode alert %s: %w", a.ID, err))
	}
	return b, nil
}

// keyFields returns up to n top-level scalar record fields, sorted by key,
// as display strings: the record at a glance.
func keyFields(record map[string]any, n int) [][2]string {
	keys := make([]string, 0, len(record))
	for k, v := range record {
		switch v.(type) {
		case string, float64, int, int64, bool, json.Number:
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > n {
		keys = keys[:n]
	}
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k, fmt.Sprint(record[k])}
	}
	return out
}

// chunks splits s into pieces of at most n bytes whose concatenation is s,
// preferring to end a piece after a line break and never cutting a UTF-8
// sequence or an HTML entity such as "&amp;".
func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := strings.LastIndexByte(s[:n], '\n') + 1
		if cut <= n/2 {
			cut = n
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
			runeCut := cut
			lo := max(0, cut-8)
			if amp := strings.LastIndexByte(s[lo:cut], '&'); amp >= 0 && !strings.Contains(s[lo+amp:cut], ";") {
				cut = lo + amp
			}
			if cut == 0 {
				// An entity at the very start: cut it rather than make no
				// progress, but never inside a character.
				cut = runeCut
			}
			if cut == 0 {
				cut = n // n is smaller than one character: cannot happen for n >= 4
			}
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}
