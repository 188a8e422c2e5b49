package payload

import (
	"bytes"
	"errors"
	"fmt"
)

// DefaultMaxJSONDepth is the default deepest nesting of arrays and objects
// a JSON record may have. Decoding deeply nested JSON costs time quadratic
// in the depth (40,000 nested '[' took 22 s); real logs nest a few levels.
const DefaultMaxJSONDepth = 1000

// ErrTooDeep marks a JSON record nested deeper than the limit. Such a
// record is rejected before it is decoded, and dead-lettered with this
// reason.
var ErrTooDeep = errors.New("JSON nested too deeply")

// CheckJSONDepth returns an error wrapping ErrTooDeep, with the byte offset
// where the nesting first goes past limit, when the JSON text b nests arrays
// and objects deeper than limit (limit <= 0 means DefaultMaxJSONDepth);
// otherwise nil. It does not validate b: brackets inside strings are
// skipped, and text that is not JSON at all is only measured, never
// rejected for that. Records with no more than limit opening brackets, the
// usual case, are cleared by two vectorized counts.
func CheckJSONDepth(b []byte, limit int) error {
	if limit <= 0 {
		limit = DefaultMaxJSONDepth
	}
	if len(b) <= limit || bytes.Count(b, []byte{'['})+bytes.Count(b, []byte{'{'}) <= limit {
		return nil
	}
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > limit {
				return tooDeep(limit, i)
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}

// tooDeep is the error of a record nested deeper than limit (<= 0 for
// DefaultMaxJSONDepth) first at byte offset at.
func tooDeep(limit, at int) error {
	if limit <= 0 {
		limit = DefaultMaxJSONDepth
	}
	return fmt.Errorf("%w: more than %d levels of arrays and objects (at byte %d)", ErrTooDeep, limit, at)
}
