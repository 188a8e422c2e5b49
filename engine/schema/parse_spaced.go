package schema

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

func init() { textParsers["spaced"] = spacedRecord }

// splitSpaced splits one access-log line into its fields, as load balancers,
// CDNs, S3 and web servers write them: fields are separated by spaces (a run
// of spaces is one separator; leading and trailing spaces are ignored), a
// field that starts with '"' runs to the next '"' that is followed by a space
// or the line end (a backslash keeps the next character inside the field, as
// Apache's \" and nginx's \x22 escapes need), and a field that starts with
// '[' runs to the next ']' (the Common Log Format's
// [10/Oct/2000:13:55:36 -0700]). The quotes and brackets are removed; the
// text between them is kept as written, escapes included. An unterminated
// quote or bracket is an error naming its column (1-based, in runes).
func splitSpaced(line string) ([]string, error) {
	line = trimLineEnd(line)
	// While no field starts with a quote or a bracket, the fields are the
	// words between spaces, cut from the line without copying.
	if utf8.ValidString(line) {
		fields := make([]string, 0, strings.Count(line, " ")+1)
		for i := 0; i < len(line); {
			if line[i] == ' ' {
				i++
				continue
			}
			start := i
			if line[i] == '"' || line[i] == '[' {
				return splitSpacedQuoted(line)
			}
			for i < len(line) && line[i] != ' ' {
				i++
			}
			fields = append(fields, line[start:i])
		}
		if len(fields) == 0 {
			return nil, fmt.Errorf("empty line")
		}
		return fields, nil
	}
	return splitSpacedQuoted(line)
}

// splitSpacedQuoted is splitSpaced's general case (after the trimming).
func splitSpacedQuoted(line string) ([]string, error) {
	rs := []rune(line)
	var fields []string
	for i := 0; i < len(rs); {
		if rs[i] == ' ' {
			i++
			continue
		}
		start := i
		switch rs[i] {
		case '"':
			var b strings.Builder
			i++
			for {
				if i >= len(rs) {
					return nil, fmt.Errorf("col %d: quoted field is not terminated", start+1)
				}
				c := rs[i]
				if c == '\\' && i+1 < len(rs) {
					b.WriteRune(c)
					b.WriteRune(rs[i+1])
					i += 2
					continue
				}
				if c == '"' && (i+1 == len(rs) || rs[i+1] == ' ') {
					i++
					break
				}
				b.WriteRune(c)
				i++
			}
			fields = append(fields, b.String())
		case '[':
			end := -1
			for j := i + 1; j < len(rs); j++ {
				if rs[j] == ']' && (j+1 == len(rs) || rs[j+1] == ' ') {
					end = j
					break
				}
			}
			if end < 0 {
				if w := word(rs, i); !strings.Contains(w, " ") && strings.Contains(w, "]") {
					// [2001:db8::1]:443, a word rather than a bracketed field
					fields = append(fields, w)
					i += len([]rune(w))
					continue
				}
				return nil, fmt.Errorf("col %d: bracketed field is not terminated", start+1)
			}
			fields = append(fields, string(rs[i+1:end]))
			i = end + 1
		default:
			for i < len(rs) && rs[i] != ' ' {
				i++
			}
			fields = append(fields, string(rs[start:i]))
		}
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty line")
	}
	return fields, nil
}

// word is rs from i to the next space.
func word(rs []rune, i int) string {
	j := i
	for j < len(rs) && rs[j] != ' ' {
		j++
	}
	return string(rs[i:j])
}

// spacedRecord maps the fields of one access-log line (splitSpaced) to the
// schema's keys in declaration order.
//
//   - A line may stop before the last declared keys (older versions of a
//     format that AWS extends at the end): those keys are absent, which the
//     schema must allow (optional_top_level_keys).
//   - More fields than declared keys do not classify, unless the type keeps
//     undeclared keys (undeclared_keys: keep): the extra fields are kept as
//     field_N, N their 1-based position.
//   - A field equal to null_value is left out.
//   - A key declared as a mapping of two keys (client: {ip: string, port:
//     integer}) splits its field at the last ':' into those two keys, so an
//     "address:port" field yields an address rules and normalization can
//     use ("[::1]:443" yields "::1"); a field without ':' does not
//     classify, and null_value leaves the whole mapping out.
func spacedRecord(t *LogType, text string, chk *check) map[string]any {
	if chk.mode == checkFast && t.minFields > 0 && words(text) < t.minFields {
		// A quoted or bracketed field holds one word or more: a line of
		// fewer words than the schema's required fields cannot fit.
		chk.fatal("line has fewer than %d fields", t.minFields)
		return nil
	}
	cols, err := splitSpaced(text)
	if err != nil {
		chk.fatal("not a valid space-separated log line: %v", err)
		return nil
	}
	keys := t.Schema.Keys
	if len(cols) > len(keys) && !t.keepUndeclared {
		chk.fatal("line has %d fields, the schema declares %d", len(cols), len(keys))
		return nil
	}
	if chk.mode == checkFast && usePrefilter && !scalarsFit(t, cols) {
		chk.fatal("a field is not of its declared type")
		return nil
	}
	m := make(map[string]any, len(cols))
	for i, c := range cols {
		if i >= len(keys) {
			m["field_"+strconv.Itoa(i+1)] = c
			continue
		}
		k := keys[i]
		if t.hasNull && c == t.nullValue {
			continue
		}
		if k.Field.Kind != KindMapping {
			m[k.Name] = c
			continue
		}
		if len(k.Field.Keys) != 2 {
			chk.fatal("key %q: a spaced field declared as a mapping must have two keys (address and port), not %d", k.Name, len(k.Field.Keys))
			return nil
		}
		host, port, ok := cutLast(c, ":")
		if !ok {
			chk.fatal("key %q: %s is not address:port", k.Name, quoteShort(c))
			return nil
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		m[k.Name] = map[string]any{k.Field.Keys[0].Name: host, k.Field.Keys[1].Name: port}
	}
	return m
}

// cutLast slices s around the last instance of sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// words counts the runs of non-space bytes of s.
func words(s string) int {
	n := 0
	in := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return n
}

// scalarsFit reports whether each column declared an integer, a float or a
// boolean would coerce to it (as check.value does), before a record map is
// built for a line the schema cannot take.
func scalarsFit(t *LogType, cols []string) bool {
	for i, c := range cols {
		if i >= len(t.Schema.Keys) {
			break
		}
		if t.hasNull && c == t.nullValue {
			continue
		}
		s := strings.TrimSpace(c)
		if s == "" {
			continue
		}
		switch t.Schema.Keys[i].Field.Kind {
		case KindInteger:
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				return false
			}
		case KindFloat:
			if f, err := strconv.ParseFloat(s, 64); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return false
			}
		case KindBoolean:
			if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
				return false
			}
		}
	}
	return true
}
