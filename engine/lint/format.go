package lint

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/streamalert-go/streamalert/engine/rule"
	"gopkg.in/yaml.v3"
)

// ErrFormat is returned (wrapped) by Format when a file cannot be formatted:
// it is not YAML, or formatting would change what it means.
var ErrFormat = errors.New("cannot format")

// Format returns the canonical layout of a rule or library file: top-level
// keys in rule.RuleKeys (rule.LibraryKeys for a library file), the keys of
// each block-style test case in rule.TestKeys, and each top-level block value
// indented by 2 spaces. Everything else is kept byte for byte: comments
// (a comment directly above a key moves with it), block scalars, quoting,
// flow collections, blank lines between keys. Unknown keys keep their
// relative order after the known ones. Format is idempotent and checks that
// the result decodes to the same value as src; when it would not, or src is
// not one YAML mapping, it returns an error wrapping ErrFormat.
func Format(src []byte) ([]byte, error) {
	var want any
	if err := yaml.Unmarshal(src, &want); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	out := string(src)
	for _, step := range []func(string) (string, error){reorderTop, indentTop, reorderTests} {
		var err error
		if out, err = step(out); err != nil {
			return nil, err
		}
	}
	if !strings.HasSuffix(out, "\n") && out != "" {
		out += "\n"
	}
	var got any
	if err := yaml.Unmarshal([]byte(out), &got); err != nil || !reflect.DeepEqual(got, want) {
		return nil, fmt.Errorf("%w: the canonical layout would change the file's meaning; format it by hand", ErrFormat)
	}
	return []byte(out), nil
}

// root parses src and returns its top-level mapping in block style, or nil
// when the file is not one (then nothing is reordered).
func root(src string) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		return nil, nil // empty file or already diagnosed by Unmarshal
	}
	var extra yaml.Node
	if dec.Decode(&extra) == nil {
		return nil, fmt.Errorf("%w: the file holds more than one YAML document", ErrFormat)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode || m.Style&yaml.FlowStyle != 0 {
		return nil, nil
	}
	return m, nil
}

// chunk is the lines of one mapping entry: its head comments, its key and
// its value.
type chunk struct {
	key        string
	lines      []string
	blankAfter bool // a blank line separated it from the next entry
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func isComment(line string) bool { return strings.HasPrefix(strings.TrimSpace(line), "#") }
func isBlank(line string) bool   { return strings.TrimSpace(line) == "" }

// chunks splits lines[from:to] (0-based) into one chunk per key (keys at
// 1-based lines starts), each owning the comment lines directly above it.
// head is what precedes the first chunk.
func chunks(lines []string, keys []*yaml.Node, from, to int) (head []string, out []chunk) {
	starts := make([]int, len(keys))
	for i, k := range keys {
		s := k.Line - 1
		for s-1 >= from && isComment(lines[s-1]) && (i == 0 || s-1 > keys[i-1].Line-1) {
			s--
		}
		if i == 0 && from == 0 && s == 0 {
			s = k.Line - 1 // comments opening the file are its header
		}
		starts[i] = s
	}
	if len(starts) == 0 {
		return lines[from:to], nil
	}
	head = lines[from:starts[0]]
	for i, k := range keys {
		end := to
		if i+1 < len(keys) {
			end = starts[i+1]
		}
		c := chunk{key: k.Value, lines: slices.Clone(lines[starts[i]:end])}
		for len(c.lines) > 1 && isBlank(c.lines[len(c.lines)-1]) {
			c.lines = c.lines[:len(c.lines)-1]
			c.blankAfter = true
		}
		out = append(out, c)
	}
	return head, out
}

// order sorts chunks by their key's index in keyOrder (unknown keys last,
// stably). It reports whether anything moved.
func order(cs []chunk, keyOrder []string) bool {
	rank := func(c chunk) int {
		if i := slices.Index(keyOrder, c.key); i >= 0 {
			return i
		}
		return len(keyOrder)
	}
	sorted := slices.IsSortedFunc(cs, func(a, b chunk) int { return rank(a) - rank(b) })
	slices.SortStableFunc(cs, func(a, b chunk) int { return rank(a) - rank(b) })
	return !sorted
}

func join(head []string, cs []chunk, tail []string) string {
	var lines []string
	lines = append(lines, head...)
	for i, c := range cs {
		lines = append(lines, c.lines...)
		if c.blankAfter && i+1 < len(cs) {
			lines = append(lines, "")
		}
	}
	lines = append(lines, tail...)
	return strings.Join(lines, "\n") + "\n"
}

// topKeys returns the top-level keys when they all start a line at column 1.
func topKeys(m *yaml.Node) ([]*yaml.Node, bool) {
	var keys []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Column != 1 || k.Kind != yaml.ScalarNode {
			return nil, false
		}
		if len(keys) > 0 && keys[len(keys)-1].Line >= k.Line {
			return nil, false
		}
		keys = append(keys, k)
	}
	return keys, len(keys) > 0
}

func keyOrderFor(m *yaml.Node) []string {
	for i := 0; i < len(m.Content); i += 2 {
		if !slices.Contains(rule.LibraryKeys, m.Content[i].Value) {
			return rule.RuleKeys
		}
	}
	return rule.LibraryKeys
}

func reorderTop(src string) (string, error) {
	m, err := root(src)
	if m == nil || err != nil {
		return src, err
	}
	keys, ok := topKeys(m)
	if !ok {
		return src, nil
	}
	lines := splitLines(src)
	head, cs := chunks(lines, keys, 0, len(lines))
	if !order(cs, keyOrderFor(m)) {
		return src, nil
	}
	return join(head, cs, nil), nil
}

// indentTop re-indents each top-level block value so that its lines start 2
// spaces in (block scalars keep their relative indentation).
func indentTop(src string) (string, error) {
	m, err := root(src)
	if m == nil || err != nil {
		return src, err
	}
	keys, ok := topKeys(m)
	if !ok {
		return src, nil
	}
	lines := splitLines(src)
	head, cs := chunks(lines, keys, 0, len(lines))
	changed := false
	for ci := range cs {
		c := &cs[ci]
		k := slices.IndexFunc(c.lines, func(l string) bool { return !isComment(l) })
		if k < 0 {
			continue
		}
		// An explicit indentation indicator (|2) fixes absolute columns.
		if hasIndentIndicator(c.lines[k]) {
			continue
		}
		body := c.lines[k+1:]
		minInd := -1
		for _, l := range body {
			if isBlank(l) || isComment(l) {
				continue
			}
			ind := len(l) - len(strings.TrimLeft(l, " "))
			if minInd < 0 || ind < minInd {
				minInd = ind
			}
		}
		if minInd < 0 || minInd == 2 {
			continue
		}
		shift := 2 - minInd
		for i, l := range body {
			if isBlank(l) {
				continue
			}
			if shift > 0 {
				body[i] = strings.Repeat(" ", shift) + l
			} else {
				cut := min(-shift, len(l)-len(strings.TrimLeft(l, " ")))
				body[i] = l[cut:]
			}
		}
		changed = true
	}
	if !changed {
		return src, nil
	}
	return join(head, cs, nil), nil
}

func hasIndentIndicator(line string) bool {
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, "#") {
			break
		}
		if len(f) >= 2 && (f[0] == '|' || f[0] == '>') && strings.ContainsAny(f[1:], "123456789") {
			return true
		}
	}
	return false
}

// reorderTests orders the keys of each block-style test case.
func reorderTests(src string) (string, error) {
	m, err := root(src)
	if m == nil || err != nil {
		return src, err
	}
	var tests *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "tests" {
			tests = m.Content[i+1]
		}
	}
	if tests == nil || tests.Kind != yaml.SequenceNode || tests.Style&yaml.FlowStyle != 0 {
		return src, nil
	}
	lines := splitLines(src)
	// Work from the last case up so that earlier line numbers stay valid.
	for ti := len(tests.Content) - 1; ti >= 0; ti-- {
		item := tests.Content[ti]
		if item.Kind != yaml.MappingNode || item.Style&yaml.FlowStyle != 0 || len(item.Content) < 4 {
			continue
		}
		var keys []*yaml.Node
		ok := true
		for i := 0; i < len(item.Content); i += 2 {
			k := item.Content[i]
			if k.Kind != yaml.ScalarNode || k.Column != item.Content[0].Column || (len(keys) > 0 && keys[len(keys)-1].Line >= k.Line) {
				ok = false
			}
			keys = append(keys, k)
		}
		col := keys[0].Column - 1 // 0-based column of the keys
		first := keys[0].Line - 1
		if !ok || col < 2 || len(lines[first]) < col || strings.TrimSpace(lines[first][:col]) != "-" {
			continue
		}
		for _, k := range keys[1:] {
			if l := lines[k.Line-1]; len(l) < col || strings.TrimSpace(l[:col]) != "" {
				ok = false
			}
		}
		if !ok {
			continue
		}
		// The case ends before the first line indented less than its keys.
		end := keys[len(keys)-1].Line
		for end < len(lines) && (isBlank(lines[end]) || len(lines[end])-len(strings.TrimLeft(lines[end], " ")) >= col) {
			end++
		}
		for end-1 > first && isBlank(lines[end-1]) {
			end--
		}
		// Make the dash line look like the others, reorder, put the dash
		// back on the new first key.
		dash := lines[first][:col]
		lines[first] = strings.Repeat(" ", col) + lines[first][col:]
		_, cs := chunks(lines, keys, first, end)
		moved := order(cs, rule.TestKeys)
		if moved {
			var body []string
			for i, c := range cs {
				body = append(body, c.lines...)
				if c.blankAfter && i+1 < len(cs) {
					body = append(body, "")
				}
			}
			lines = slices.Concat(lines[:first], body, lines[end:])
		}
		// The first key of the case is the first non-comment line.
		for i := first; i < len(lines); i++ {
			if !isComment(lines[i]) {
				lines[i] = dash + lines[i][col:]
				break
			}
		}
	}
	return strings.Join(lines, "\n") + "\n", nil
}
