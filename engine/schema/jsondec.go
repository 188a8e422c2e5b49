package schema

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonDecoder decodes one JSON document into the values records hold, in
// one pass: it validates (RFC 8259, as encoding/json does), converts numbers
// (see number), bounds the nesting depth, and builds each object's map at
// its final size. Object members are gathered on a reused stack first, so a
// map never grows, and keys are interned per decoder: records of one source
// repeat the same keys, which then cost no allocation after the first. String
// values without escapes are cut from one copy of the whole document.
//
// Why not a library: the decoders we measured either need a second pass to
// give integers as int64 with an error on overflow (segmentio with
// UseNumber, then a walk converting json.Number), or accept invalid JSON
// (fastjson does not check escapes). A differential fuzz test
// (FuzzDecodeJSON) holds this decoder to encoding/json's verdict and values.
type jsonDecoder struct {
	data  []byte
	whole string // data as one string: unescaped string values are cut from it
	pos   int
	depth int
	stack []member
	keys  map[string]string
	// recent caches interned keys by a cheap hash (see intern).
	recent [512]string
	buf    []byte // unescaping scratch
}

type member struct {
	key string
	val any
}

// maxInterned bounds the interned keys of one decoder: a source that sends
// random keys must not grow it without end.
const maxInterned = 4096

var decoders = sync.Pool{New: func() any { return &jsonDecoder{keys: map[string]string{}} }}

// decodeFast decodes data as decodeJSON promises.
func decodeFast(data []byte, maxDepth int) (any, error) {
	d := decoders.Get().(*jsonDecoder)
	d.data, d.pos, d.depth = data, 0, maxDepth
	if d.space(); d.pos >= len(data) || !startsValue(data[d.pos]) {
		// Not JSON (a text line): say so without copying the line.
		err := d.unexpected("looking for beginning of value")
		d.data = nil
		decoders.Put(d)
		return nil, err
	}
	d.whole = string(data) // one allocation for every unescaped string value

	v, err := d.document()
	clear(d.stack[:cap(d.stack)])
	d.stack = d.stack[:0]
	d.data, d.whole = nil, ""
	if len(d.keys) > maxInterned {
		clear(d.keys)
		clear(d.recent[:])
	}
	decoders.Put(d)
	return v, err
}

// startsValue reports whether a JSON value can start with c.
func startsValue(c byte) bool {
	switch c {
	case '{', '[', '"', '-', 't', 'f', 'n':
		return true
	}
	return c >= '0' && c <= '9'
}

// errTooDeep is replaced by the caller with payload's depth error.
var errTooDeep = errors.New("too deep")

// syntaxError is an invalid-JSON error at an offset.
type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s (offset %d)", e.msg, e.off) }

func (d *jsonDecoder) errorf(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...), off: d.pos}
}

func (d *jsonDecoder) document() (any, error) {
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.pos < len(d.data) {
		return nil, errors.New("data after the JSON document")
	}
	return v, nil
}

func (d *jsonDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) unexpected(what string) error {
	if d.pos >= len(d.data) {
		return d.errorf("unexpected end of JSON input")
	}
	return d.errorf("invalid character %s %s", quoteChar(d.data[d.pos]), what)
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

func (d *jsonDecoder) value(depth int) (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.unexpected("")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if depth >= d.depth {
			return nil, errTooDeep
		}
		return d.object(depth + 1)
	case c == '[':
		if depth >= d.depth {
			return nil, errTooDeep
		}
		return d.array(depth + 1)
	case c == '"':
		s, err := d.str(false)
		if err != nil {
			return nil, err
		}
		return s, nil
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return d.literal("true", true)
	case c == 'f':
		return d.literal("false", false)
	case c == 'n':
		return d.literal("null", nil)
	}
	return nil, d.unexpected("looking for beginning of value")
}

func (d *jsonDecoder) literal(word string, v any) (any, error) {
	for i := 0; i < len(word); i++ {
		if d.pos >= len(d.data) || d.data[d.pos] != word[i] {
			return nil, d.unexpected("in literal " + word)
		}
		d.pos++
	}
	return v, nil
}

func (d *jsonDecoder) object(depth int) (any, error) {
	d.pos++ // '{'
	base := len(d.stack)
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return map[string]any{}, nil
	}
	for {
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.unexpected("looking for beginning of object key string")
		}
		k, err := d.str(true)
		if err != nil {
			return nil, err
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.unexpected("after object key")
		}
		d.pos++
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, withPath(err, "key %q", k)
		}
		d.stack = append(d.stack, member{k, v})
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.unexpected("")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			continue
		case '}':
			d.pos++
			ms := d.stack[base:]
			m := make(map[string]any, len(ms))
			for _, e := range ms {
				m[e.key] = e.val // a repeated key: the last one wins, as in encoding/json
			}
			clear(ms)
			d.stack = d.stack[:base]
			return m, nil
		}
		return nil, d.unexpected("after object key:value pair")
	}
}

func (d *jsonDecoder) array(depth int) (any, error) {
	d.pos++ // '['
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return []any{}, nil
	}
	base := len(d.stack)
	for i := 0; ; i++ {
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, withPath(err, "item %d", i)
		}
		d.stack = append(d.stack, member{val: v})
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.unexpected("")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			continue
		case ']':
			d.pos++
			ms := d.stack[base:]
			out := make([]any, len(ms))
			for j, e := range ms {
				out[j] = e.val
			}
			clear(ms)
			d.stack = d.stack[:base]
			return out, nil
		}
		return nil, d.unexpected("after array element")
	}
}

// withPath prefixes an integer overflow with where it is, as the values'
// path from the root; other errors pass unchanged.
func withPath(err error, format string, arg any) error {
	if !errors.Is(err, ErrIntegerOverflow) {
		return err
	}
	return fmt.Errorf(format+": %w", arg, err)
}

// str decodes the string at d.pos ('"'). Keys are interned. It returns a
// string, not an interface, so that a key is never boxed.
func (d *jsonDecoder) str(key bool) (string, error) {
	d.pos++ // '"'
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			b := d.data[start:d.pos]
			end := d.pos
			d.pos++
			if key {
				return d.intern(b), nil
			}
			return d.whole[start:end], nil
		case c == '\\':
			return d.escaped(start, key)
		case c < 0x20:
			return "", d.errorf("invalid character %s in string literal", quoteChar(c))
		case c < utf8.RuneSelf:
			d.pos++
		default:
			r, n := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && n == 1 {
				return d.escaped(start, key) // invalid UTF-8 becomes U+FFFD, as in encoding/json
			}
			d.pos += n
		}
	}
	return "", d.errorf("unexpected end of JSON input")
}

// intern returns b as a string, the same one each time. A direct-mapped
// cache, indexed by the length and three bytes, answers most keys with one
// comparison and no hashing; the map behind it holds every interned key.
func (d *jsonDecoder) intern(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	slot := &d.recent[(uint(n)*131^uint(b[0])*31^uint(b[n-1])*7^uint(b[n/2]))%uint(len(d.recent))]
	if *slot == string(b) {
		return *slot
	}
	s, ok := d.keys[string(b)]
	if !ok {
		s = string(b)
		if len(d.keys) >= maxInterned || len(s) > 64 {
			return s
		}
		d.keys[s] = s
	}
	*slot = s
	return s
}

// escaped finishes a string that has escapes or invalid UTF-8, from start.
func (d *jsonDecoder) escaped(start int, key bool) (string, error) {
	buf := append(d.buf[:0], d.data[start:d.pos]...)
	defer func() { d.buf = buf[:0] }()
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			if key {
				return d.intern(buf), nil
			}
			return string(buf), nil
		case c == '\\':
			if d.pos+1 >= len(d.data) {
				d.pos = len(d.data)
				return "", d.errorf("unexpected end of JSON input")
			}
			e := d.data[d.pos+1]
			d.pos += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return "", d.errorf("invalid character in \\u hexadecimal character escape")
				}
				if utf16.IsSurrogate(r) {
					// A pair makes one rune; a lone half is U+FFFD.
					if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
						save := d.pos
						d.pos += 2
						r2, ok := d.hex4()
						if !ok {
							return "", d.errorf("invalid character in \\u hexadecimal character escape")
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							buf = utf8.AppendRune(buf, dec)
							continue
						}
						d.pos = save
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
			default:
				d.pos--
				return "", d.errorf("invalid character %s in string escape code", quoteChar(e))
			}
		case c < 0x20:
			return "", d.errorf("invalid character %s in string literal", quoteChar(c))
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			d.pos++
		default:
			r, n := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && n == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, d.data[d.pos:d.pos+n]...)
			}
			d.pos += n
		}
	}
	return "", d.errorf("unexpected end of JSON input")
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if d.pos+4 > len(d.data) {
		d.pos = len(d.data)
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}

// number scans a JSON number (RFC 8259 grammar) and converts it.
func (d *jsonDecoder) number() (any, error) {
	start := d.pos
	integer := true
	if d.data[d.pos] == '-' {
		d.pos++
	}
	if d.pos >= len(d.data) {
		return nil, d.unexpected("in numeric literal")
	}
	switch c := d.data[d.pos]; {
	case c == '0':
		d.pos++
	case c >= '1' && c <= '9':
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
		}
	default:
		return nil, d.unexpected("in numeric literal")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		integer = false
		d.pos++
		if d.pos >= len(d.data) || d.data[d.pos] < '0' || d.data[d.pos] > '9' {
			return nil, d.unexpected("after decimal point in numeric literal")
		}
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		integer = false
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if d.pos >= len(d.data) || d.data[d.pos] < '0' || d.data[d.pos] > '9' {
			return nil, d.unexpected("in exponent of numeric literal")
		}
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
		}
	}
	lit := d.data[start:d.pos]
	if integer && len(lit) < 19 { // fits int64 whatever the digits: no allocation, no error path
		var n int64
		neg := lit[0] == '-'
		digits := lit
		if neg {
			digits = lit[1:]
		}
		for _, c := range digits {
			n = n*10 + int64(c-'0')
		}
		if neg {
			n = -n
		}
		return n, nil
	}
	return number(string(lit))
}
