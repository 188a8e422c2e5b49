package sigma

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// pattern is one Sigma string value after its modifiers: a sequence of
// literal text and wildcards, anchored at its start and/or end.
type pattern struct {
	parts      []part
	start, end bool // anchored at the start / end of the field's value
	cased      bool // case-sensitive
}

type part struct {
	lit  string
	wild byte // '*' or '?'; 0 for a literal
}

// parseWildcards splits a Sigma string into literals and wildcards, as
// Sigma escapes them: \* and \? are literal, \\ is one backslash, any other
// backslash is itself.
func parseWildcards(s string) []part {
	var parts []part
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, part{lit: b.String()})
			b.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i++
		case c == '*' || c == '?':
			flush()
			parts = append(parts, part{wild: c})
		default:
			b.WriteByte(c)
		}
	}
	flush()
	return parts
}

func literal(s string) []part {
	if s == "" {
		return nil
	}
	return []part{{lit: s}}
}

// simplify folds leading and trailing * into the anchors, so "*x*" is a
// contains.
func (p pattern) simplify() pattern {
	for len(p.parts) > 0 && p.parts[0].wild == '*' {
		p.parts, p.start = p.parts[1:], false
	}
	for len(p.parts) > 0 && p.parts[len(p.parts)-1].wild == '*' {
		p.parts, p.end = p.parts[:len(p.parts)-1], false
	}
	return p
}

// literalText returns the text of a pattern without wildcards.
func (p pattern) literalText() (string, bool) {
	var b strings.Builder
	for _, x := range p.parts {
		if x.wild != 0 {
			return "", false
		}
		b.WriteString(x.lit)
	}
	return b.String(), true
}

func (p pattern) regexp() string {
	var b strings.Builder
	if p.cased {
		b.WriteString("(?s)")
	} else {
		b.WriteString("(?is)")
	}
	if p.start {
		b.WriteString("^")
	}
	for _, x := range p.parts {
		switch x.wild {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(x.lit))
		}
	}
	if p.end {
		b.WriteString("$")
	}
	return b.String()
}

// lit quotes s as an expr string literal.
func lit(s string) string { return strconv.Quote(s) }

// known value modifiers.
var (
	positionMods = []string{"contains", "startswith", "endswith"}
	encodingMods = []string{"base64", "base64offset", "wide", "utf16le", "utf16be", "utf16"}
	otherMods    = []string{"all", "re", "i", "m", "s", "cidr", "exists", "windash", "cased", "fieldref"}
)

// matcher is one `field|modifiers: values` item.
type matcher struct {
	field  Field
	name   string // the Sigma field name ("" for keywords)
	mods   []string
	values []sigmaValue
	// ref resolves the other field a fieldref value names.
	ref func(name string) (Field, bool)
}

type sigmaValue struct {
	s    string
	null bool
	num  bool // a YAML number or boolean (its text in s)
}

func has(mods []string, m string) bool { return slices.Contains(mods, m) }

// access returns the expr of the field's value.
func (f Field) access() string {
	if f.Value != "" {
		if strings.Contains(f.Value, " ") && !(strings.HasPrefix(f.Value, "(") && strings.HasSuffix(f.Value, ")")) {
			return "(" + f.Value + ")"
		}
		return f.Value
	}
	var b strings.Builder
	b.WriteString("record")
	for i, k := range f.Path {
		switch {
		case isIdent(k) && i == 0:
			b.WriteString("." + k)
		case isIdent(k):
			b.WriteString("?." + k)
		case i == 0:
			b.WriteString("[" + lit(k) + "]")
		default:
			b.WriteString("?.[" + lit(k) + "]")
		}
	}
	return b.String()
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// exprKeywords are words expr reserves; a key spelled so is indexed with [].
var exprKeywords = []string{"in", "not", "and", "or", "matches", "contains", "startsWith", "endsWith", "let", "nil", "true", "false", "if", "else"}

func isIdent(s string) bool { return identRE.MatchString(s) && !slices.Contains(exprKeywords, s) }

func (f Field) wrap(pred string) string {
	if f.Within == "" {
		return pred
	}
	return strings.Replace(f.Within, "$match", pred, 1)
}

// translate turns a matcher into an expr condition, or says why it cannot.
func (m matcher) translate() (string, error) {
	for _, mod := range m.mods {
		if !slices.Contains(positionMods, mod) && !slices.Contains(encodingMods, mod) && !slices.Contains(otherMods, mod) {
			switch mod {
			case "gt", "gte", "lt", "lte":
				return "", fmt.Errorf("numeric modifier %q is not supported", mod)
			case "expand":
				return "", fmt.Errorf("modifier expand needs placeholders, which are not supported")
			}
			return "", fmt.Errorf("unknown value modifier %q", mod)
		}
	}
	if len(m.values) == 0 {
		return "", fmt.Errorf("field %q has an empty list of values", m.name)
	}
	v := m.field.access()
	str := fmt.Sprintf("string(%s ?? \"\")", v)
	if m.field.Value != "" && strings.HasPrefix(m.field.Value, "string(") && isCall(m.field.Value) {
		str = m.field.Value
	}
	var preds []string
	switch {
	case has(m.mods, "fieldref"):
		pos := ""
		for _, mod := range m.mods {
			switch {
			case mod == "fieldref" || mod == "all":
			case slices.Contains(positionMods, mod) && pos == "":
				pos = mod
			case mod == "cased":
			default:
				return "", fmt.Errorf("modifier %q cannot be combined with fieldref", mod)
			}
		}
		if m.field.Within != "" {
			return "", fmt.Errorf("fieldref on a list-valued field is not supported")
		}
		op := map[string]string{"": "==", "contains": "contains", "startswith": "startsWith", "endswith": "endsWith"}[pos]
		for _, x := range m.values {
			other, ok := (Field{}), false
			if m.ref != nil {
				other, ok = m.ref(x.s)
			}
			if !ok || other.Within != "" {
				return "", fmt.Errorf("fieldref names %q, which is not a mapped field", x.s)
			}
			ov := other.access()
			a, b := str, fmt.Sprintf("string(%s ?? \"\")", ov)
			if !has(m.mods, "cased") {
				a, b = "lower("+a+")", "lower("+b+")"
			}
			preds = append(preds, fmt.Sprintf("%s != nil && %s %s %s", ov, a, op, b))
		}
	case has(m.mods, "exists"):
		if len(m.mods) != 1 || len(m.values) != 1 || (m.values[0].s != "true" && m.values[0].s != "false") {
			return "", fmt.Errorf("exists takes one value, true or false, and no other modifier")
		}
		op := "!="
		if m.values[0].s == "false" {
			op = "=="
		}
		return m.field.wrap(fmt.Sprintf("%s %s nil", v, op)), nil
	case has(m.mods, "cidr"):
		if len(m.mods) != 1 && !(len(m.mods) == 2 && has(m.mods, "all")) {
			return "", fmt.Errorf("cidr takes no other modifier")
		}
		for _, x := range m.values {
			if _, err := netip.ParsePrefix(x.s); err != nil {
				return "", fmt.Errorf("bad CIDR %q: %v", x.s, err)
			}
			preds = append(preds, fmt.Sprintf("in_cidr(%s, %s)", v, lit(x.s)))
		}
	case has(m.mods, "re"):
		flags := ""
		for _, mod := range m.mods {
			switch mod {
			case "re", "all":
			case "i", "m", "s":
				flags += mod
			default:
				return "", fmt.Errorf("modifier %q cannot be combined with re", mod)
			}
		}
		for _, x := range m.values {
			re := x.s
			if flags != "" {
				re = "(?" + flags + ")" + re
			}
			if _, err := regexp.Compile(re); err != nil {
				return "", fmt.Errorf("regular expression %q is not RE2 syntax: %v", x.s, err)
			}
			preds = append(preds, fmt.Sprintf("%s matches %s", str, lit(re)))
		}
	default:
		for _, mod := range m.mods {
			if mod == "i" || mod == "m" || mod == "s" {
				return "", fmt.Errorf("modifier %q needs re", mod)
			}
		}
		var pos string
		for _, mod := range m.mods {
			if slices.Contains(positionMods, mod) {
				if pos != "" {
					return "", fmt.Errorf("modifiers %s and %s cannot be combined", pos, mod)
				}
				pos = mod
			}
		}
		for _, x := range m.values {
			if x.null {
				if len(m.mods) > 0 {
					return "", fmt.Errorf("null cannot take modifiers")
				}
				preds = append(preds, v+" == nil")
				continue
			}
			pats, err := m.patterns(x, pos)
			if err != nil {
				return "", err
			}
			preds = append(preds, orOf(matchPatterns(v, str, pats)))
		}
	}
	op := " || "
	if has(m.mods, "all") {
		op = " && "
	}
	if len(preds) == 1 {
		return m.field.wrap(preds[0]), nil
	}
	if op == " || " {
		preds = mergeEquals(str, preds)
		if len(preds) == 1 {
			return m.field.wrap(preds[0]), nil
		}
	}
	for i, p := range preds {
		if strings.Contains(p, " || ") || strings.Contains(p, " && ") {
			p = "(" + p + ")"
		}
		if op == " && " {
			// Each value on its own: with a list-valued field (Within),
			// different items may hold them.
			p = m.field.wrap(p)
		}
		preds[i] = p
	}
	if op == " && " {
		return strings.Join(preds, op), nil
	}
	return m.field.wrap(strings.Join(preds, op)), nil
}

func orOf(ps []string) string {
	if len(ps) == 1 {
		return ps[0]
	}
	return strings.Join(ps, " || ")
}

// patterns applies windash, the encodings and the position modifier to one
// value.
func (m matcher) patterns(x sigmaValue, pos string) ([]pattern, error) {
	variants := []string{x.s}
	if has(m.mods, "windash") {
		variants = windash(x.s)
	}
	var enc []string
	for _, mod := range m.mods {
		if slices.Contains(encodingMods, mod) {
			enc = append(enc, mod)
		}
	}
	var out []pattern
	for _, s := range variants {
		if len(enc) == 0 {
			p := pattern{parts: parseWildcards(s), start: true, end: true, cased: has(m.mods, "cased")}
			out = append(out, position(p, pos))
			continue
		}
		encoded, offset, err := encode(s, enc)
		if err != nil {
			return nil, err
		}
		if offset && pos != "contains" {
			return nil, fmt.Errorf("base64offset needs contains")
		}
		for _, e := range encoded {
			p := pattern{parts: literal(e), start: true, end: true, cased: true}
			out = append(out, position(p, pos))
		}
	}
	return out, nil
}

func position(p pattern, pos string) pattern {
	switch pos {
	case "contains":
		p.start, p.end = false, false
	case "startswith":
		p.end = false
	case "endswith":
		p.start = false
	}
	return p.simplify()
}

// encode applies the encoding modifiers in order: wide / utf16* turn the text
// into UTF-16 bytes, base64 / base64offset encode them.
func encode(s string, mods []string) (out []string, offset bool, err error) {
	data := []byte(s)
	encoded := false
	for _, mod := range mods {
		if encoded {
			return nil, false, fmt.Errorf("modifier %s after base64 is not supported", mod)
		}
		switch mod {
		case "wide", "utf16le":
			data = utf16Bytes(string(data), false, false)
		case "utf16be":
			data = utf16Bytes(string(data), true, false)
		case "utf16":
			data = utf16Bytes(string(data), false, true)
		case "base64":
			out, encoded = []string{base64.StdEncoding.EncodeToString(data)}, true
		case "base64offset":
			out, encoded, offset = base64Offsets(data), true, true
		}
	}
	if !encoded {
		return nil, false, fmt.Errorf("modifiers %s need base64 or base64offset after them", strings.Join(mods, ", "))
	}
	return out, offset, nil
}

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// base64Offsets returns the three forms the bytes take inside a longer
// base64 text, whatever their offset modulo 3 (the characters that depend on
// the neighbouring bytes are cut off), as Sigma's base64offset defines them.
func base64Offsets(data []byte) []string {
	starts := []int{0, 2, 3}
	ends := []int{0, 3, 2} // characters cut from the end, by (len+offset) % 3
	var out []string
	for i := range 3 {
		padded := append(make([]byte, i), data...)
		for j := range i {
			padded[j] = ' '
		}
		e := base64.StdEncoding.EncodeToString(padded)
		cut := ends[(len(data)+i)%3]
		if len(e)-cut <= starts[i] {
			continue
		}
		out = append(out, e[starts[i]:len(e)-cut])
	}
	return out
}

// windash returns s with each dash that starts a word (at the start or
// after a space) written as each of the dashes Windows command lines accept:
// - / – — ―. Up to three such dashes get every combination; past that every
// dash takes the same form.
func windash(s string) []string {
	dashes := []string{"-", "/", "\u2013", "\u2014", "\u2015"}
	var at []int
	for i := 0; i < len(s); i++ {
		if (s[i] == '-' || s[i] == '/') && (i == 0 || s[i-1] == ' ') {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return []string{s}
	}
	build := func(choice func(k int) string) string {
		var b strings.Builder
		last := 0
		for k, i := range at {
			b.WriteString(s[last:i])
			b.WriteString(choice(k))
			last = i + 1
		}
		b.WriteString(s[last:])
		return b.String()
	}
	var out []string
	if len(at) > 3 {
		for _, d := range dashes {
			out = append(out, build(func(int) string { return d }))
		}
		return out
	}
	n := 1
	for range at {
		n *= len(dashes)
	}
	for c := range n {
		out = append(out, build(func(k int) string {
			x := c
			for range k {
				x /= len(dashes)
			}
			return dashes[x%len(dashes)]
		}))
	}
	return out
}

// matchPatterns turns patterns into predicates on the string expression
// str.
func matchPatterns(v, str string, pats []pattern) []string {
	var out []string
	for _, p := range pats {
		text, plain := p.literalText()
		subject, want := "lower("+str+")", strings.ToLower(text)
		if p.cased || !hasLetters(text) {
			subject, want = str, text
		}
		switch {
		case !plain:
			out = append(out, fmt.Sprintf("%s matches %s", str, lit(p.regexp())))
		case p.start && p.end:
			out = append(out, fmt.Sprintf("%s == %s", subject, lit(want)))
		case text == "":
			out = append(out, v+" != nil") // "*" matches any value that is there
		case p.start:
			out = append(out, fmt.Sprintf("%s startsWith %s", subject, lit(want)))
		case p.end:
			out = append(out, fmt.Sprintf("%s endsWith %s", subject, lit(want)))
		default:
			out = append(out, fmt.Sprintf("%s contains %s", subject, lit(want)))
		}
	}
	return out
}

func hasLetters(s string) bool { return strings.ToLower(s) != strings.ToUpper(s) }

// mergeEquals folds `S == "a" || S == "b"` into `S in ["a", "b"]`.
func mergeEquals(str string, preds []string) []string {
	var eqs []string
	var rest []string
	var subject string
	for _, p := range preds {
		for _, s := range []string{"lower(" + str + ")", str} {
			if strings.HasPrefix(p, s+" == ") && !strings.Contains(p, " || ") && (subject == "" || subject == s) {
				subject = s
				eqs = append(eqs, strings.TrimPrefix(p, s+" == "))
				p = ""
				break
			}
		}
		if p != "" {
			rest = append(rest, p)
		}
	}
	if len(eqs) < 2 {
		return preds
	}
	return append([]string{fmt.Sprintf("%s in [%s]", subject, strings.Join(eqs, ", "))}, rest...)
}
