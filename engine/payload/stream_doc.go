package payload

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
)

// A JSON document larger than MaxRecordSize whose records are the elements
// of one array — a CloudTrail object {"Records": [...]}, a CloudWatch Logs
// subscription {..., "logEvents": [...]}, a JSON array of events — is read
// one element at a time: each element is yielded as a small document of its
// own, the members that came before the array around it ({"Records":
// [ELEMENT]}), so the log types' json_path finds it as it would in the whole
// document. MaxRecordSize applies to each element, memory stays that of one
// element whatever the document's size, and Raw.Line is the line the element
// starts on.
//
// The document is streamed when its first top-level member whose value is
// an array starts within the first MaxRecordSize bytes (or the document is
// an array). Members after the array cannot be added to the records already
// yielded: they are reported in a record of their own (ErrAfterArray).

// ErrAfterArray marks the record that reports a streamed document's members
// after its array: the records yielded before do not carry them.
var ErrAfterArray = errors.New("members after the streamed array")

// streamable reports whether the document starting prefix can be streamed:
// its records' array starts inside prefix.
//
// JSON lines (the first value ends inside prefix) and text that only
// starts like JSON ("[INFO] ...") are not streamed.
func streamable(prefix []byte) bool {
	s := &docScanner{r: bufio.NewReader(bytes.NewReader(prefix)), line: 1}
	c, ok := s.nonSpace()
	if !ok {
		return false
	}
	var complete bool
	s.value(c, func(byte) bool { return true }, &complete)
	if complete {
		return false // the first value ends inside the prefix
	}
	s = &docScanner{r: bufio.NewReader(bytes.NewReader(prefix)), line: 1}
	if _, _, ok := s.head(len(prefix)); !ok {
		return false
	}
	// The first element must look like JSON (or be too long to tell).
	if c, ok = s.nonSpace(); !ok {
		return false
	}
	elem, ok := s.appendValue(nil, c, len(prefix))
	return !ok || json.Valid(elem)
}

// docScanner reads a JSON document byte by byte, counting lines.
type docScanner struct {
	r    *bufio.Reader
	line int
	err  error // a read error other than io.EOF
}

func (s *docScanner) next() (byte, bool) {
	c, err := s.r.ReadByte()
	if err != nil {
		if err != io.EOF {
			s.err = err
		}
		return 0, false
	}
	if c == '\n' {
		s.line++
	}
	return c, true
}

func (s *docScanner) nonSpace() (byte, bool) {
	for {
		c, ok := s.next()
		if !ok || !isSpaceByte(c) {
			return c, ok
		}
	}
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// head reads up to the '[' of the records' array and returns the bytes
// that wrap each element: the opening (`{"a":1,"Records":[` or `[`) and the
// closing (`]}` or `]`). ok is false when there is no such array within
// limit bytes.
func (s *docScanner) head(limit int) (open, close []byte, ok bool) {
	c, ok := s.nonSpace()
	if !ok {
		return nil, nil, false
	}
	if c == '[' {
		return []byte("["), []byte("]"), true
	}
	if c != '{' {
		return nil, nil, false
	}
	open = []byte("{")
	for {
		c, ok := s.nonSpace()
		if !ok || c != '"' {
			return nil, nil, false
		}
		var key []byte
		if key, ok = s.appendValue(key, '"', limit); !ok {
			return nil, nil, false
		}
		if c, ok = s.nonSpace(); !ok || c != ':' {
			return nil, nil, false
		}
		if c, ok = s.nonSpace(); !ok {
			return nil, nil, false
		}
		if c == '[' {
			open = append(append(append(open, key...), ':'), '[')
			return open, []byte("]}"), true
		}
		var val []byte
		if val, ok = s.appendValue(nil, c, limit-len(open)); !ok || !json.Valid(val) || !json.Valid(key) {
			return nil, nil, false
		}
		open = append(append(append(append(open, key...), ':'), val...), ',')
		if len(open) > limit {
			return nil, nil, false
		}
		if c, ok = s.nonSpace(); !ok || c != ',' {
			return nil, nil, false // the object ends without an array
		}
	}
}

// appendValue appends the JSON value that starts with first (already read)
// to dst, up to limit bytes in all; ok is false past the limit or at the end
// of input inside it. A scalar ends at the byte after it, which is unread.
func (s *docScanner) appendValue(dst []byte, first byte, limit int) ([]byte, bool) {
	var ok bool
	s.value(first, func(b byte) bool {
		if len(dst) >= limit {
			return false
		}
		dst = append(dst, b)
		return true
	}, &ok)
	return dst, ok
}

// value reads one JSON value starting with first, handing each byte
// (first included) to emit until emit returns false (the rest of the value
// is still read). complete says whether the value ended before the input.
func (s *docScanner) value(first byte, emit func(byte) bool, complete *bool) {
	take := true
	put := func(b byte) {
		if take {
			take = emit(b)
		}
	}
	*complete = false
	put(first)
	switch first {
	case '"':
		for {
			c, ok := s.next()
			if !ok {
				return
			}
			put(c)
			if c == '\\' {
				if c, ok = s.next(); !ok {
					return
				}
				put(c)
				continue
			}
			if c == '"' {
				*complete = take
				return
			}
		}
	case '{', '[':
		depth, inString := 1, false
		for {
			c, ok := s.next()
			if !ok {
				return
			}
			put(c)
			switch {
			case inString && c == '\\':
				if c, ok = s.next(); !ok {
					return
				}
				put(c)
			case c == '"':
				inString = !inString
			case inString:
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				depth--
				if depth == 0 {
					*complete = take
					return
				}
			}
		}
	default: // a number, true, false, null (or garbage, which the decoder names)
		for {
			c, ok := s.next()
			if !ok {
				*complete = take
				return
			}
			if c == ',' || c == ']' || c == '}' || isSpaceByte(c) {
				if c == '\n' {
					s.line--
				}
				_ = s.r.UnreadByte()
				*complete = take
				return
			}
			put(c)
		}
	}
}

// streamDocument yields the elements of the document in prefix+src (see
// above); streamable(prefix) said it can.
func streamDocument(prefix []byte, src io.Reader, o Options, yield func(Raw) error) error {
	s := &docScanner{r: bufio.NewReaderSize(io.MultiReader(bytes.NewReader(prefix), src), readBufferSize), line: 1}
	open, closing, ok := s.head(len(prefix))
	if !ok { // streamable said otherwise: the input changed under us
		return errors.New("the JSON document could not be streamed")
	}
	// MaxRecordSize applies to each record as yielded: the element with the
	// members around it.
	limit := o.MaxRecordSize
	elemLimit := limit - len(open) - len(closing)
	var rec []byte
	var h hash.Hash
	n := 0
	for {
		c, ok := s.nonSpace()
		if !ok {
			return s.endError(n, "the document is truncated")
		}
		if c == ']' && n == 0 {
			break // an empty array
		}
		line := s.line
		rec = append(rec[:0], open...)
		size := 0
		over := false
		if h != nil {
			h.Reset()
		}
		var complete bool
		keep := len(open) + o.OversizeKeep + utf8Slack
		s.value(c, func(b byte) bool {
			size++
			if !over && size > elemLimit {
				over = true
				if h == nil {
					h = sha256.New()
				}
				h.Write(rec[len(open):])
			}
			if over {
				h.Write([]byte{b})
				if len(rec) < keep {
					rec = append(rec, b)
				}
				return true
			}
			rec = append(rec, b)
			return true
		}, &complete)
		if s.err != nil {
			return s.err
		}
		n++
		if over {
			var sum [sha256.Size]byte
			h.Sum(sum[:0])
			data := clipTo(rec[len(open):], o.OversizeKeep)
			err := oversize(int64(size), elemLimit, len(data), sum)
			if err := yield(Raw{Data: data, Line: line, Err: fmt.Errorf("%w (element %d of the document's array)", err, n)}); err != nil {
				return err
			}
		} else {
			rec = append(rec, closing...)
			if err := yield(Raw{Data: rec, Line: line, Err: checkRecord(rec, o.MaxJSONDepth)}); err != nil {
				return err
			}
		}
		if !complete {
			return s.endError(n, "the document is truncated")
		}
		c, ok = s.nonSpace()
		if !ok {
			return s.endError(n, "the document is truncated")
		}
		if c == ']' {
			break
		}
		if c != ',' {
			return s.endError(n, fmt.Sprintf("invalid character %q after array element %d", c, n))
		}
	}
	// After the array: the end of the document, or members the records
	// already yielded do not have.
	if len(closing) == 1 {
		return s.expectEnd(n, o, yield)
	}
	c, ok := s.nonSpace()
	switch {
	case !ok:
		return s.endError(n, "the document is truncated")
	case c == '}':
		return s.expectEnd(n, o, yield)
	case c != ',':
		return s.endError(n, fmt.Sprintf("invalid character %q after the array", c))
	}
	line := s.line
	data, err := s.rest('{', o.OversizeKeep)
	if err != nil {
		return err
	}
	return yield(Raw{Data: data, Line: line, Err: fmt.Errorf("%w: the %d records before do not carry these members", ErrAfterArray, n)})
}

// rest reads the input to its end and returns first and what follows, at
// most keep bytes of it, without trailing white space.
func (s *docScanner) rest(first byte, keep int) ([]byte, error) {
	out := []byte{first}
	for {
		c, ok := s.next()
		if !ok {
			break
		}
		if len(out) < keep {
			out = append(out, c)
		}
	}
	if s.err != nil {
		return nil, s.err
	}
	return bytes.TrimRight(out, " \t\r\n"), nil
}

// expectEnd checks that only white space follows the document; anything
// else is yielded as one record that says so (kept, not lost).
func (s *docScanner) expectEnd(n int, o Options, yield func(Raw) error) error {
	c, ok := s.nonSpace()
	if !ok {
		return s.err
	}
	line := s.line
	data, err := s.rest(c, o.OversizeKeep)
	if err != nil {
		return err
	}
	return yield(Raw{Data: data, Line: line,
		Err: fmt.Errorf("%w: data after the JSON document (whose %d records were read)", ErrBadDocument, n)})
}

// endError reports a document that broke off or went wrong after n
// records were yielded.
func (s *docScanner) endError(n int, what string) error {
	if s.err != nil {
		return s.err
	}
	return fmt.Errorf("%w: %s at line %d, after %d records", ErrBadDocument, what, s.line, n)
}

// ErrBadDocument marks a streamed JSON document that is not valid JSON past
// some point: the records before it were yielded, the rest could not be.
var ErrBadDocument = errors.New("streamed JSON document is not valid")
