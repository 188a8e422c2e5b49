package payload

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// source is an opened payload: the decompressed (or plain) bytes, and what
// the limit report needs from underneath them.
type source struct {
	*bufio.Reader               // the decompressed payload
	raw           *bufio.Reader // the bytes as read, compressed or not
	count         *countReader  // counts the bytes read from the input
	kind          string        // "gzip", "zlib" or "" for plain input
}

// open wraps r in a buffered reader of the decompressed payload. Only
// compressed input is capped, at max decompressed bytes: a plain payload
// streams through in bounded memory whatever its size, while a small
// compressed one can expand without end (a bomb).
func open(r io.Reader, max int64) (*source, error) {
	cr := &countReader{r: r}
	br := bufio.NewReaderSize(&labelled{r: cr, op: "read"}, readBufferSize)
	src := &source{raw: br, count: cr}
	var dec io.Reader
	switch src.kind = sniff(br); src.kind {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("payload: gzip: %w", err)
		}
		dec = &labelled{r: zr, op: src.kind}
	case "zlib":
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("payload: zlib: %w", err)
		}
		dec = &labelled{r: zr, op: src.kind}
	default:
		src.Reader = br
		return src, nil
	}
	src.Reader = bufio.NewReaderSize(&maxReader{r: dec, left: max, max: max, kind: src.kind}, readBufferSize)
	return src, nil
}

// stopped completes the *LimitError in err, if it is one, with the exact
// counts: records yielded, compressed bytes consumed and, when drain is
// set, the compressed bytes left unread (read and counted, not inflated).
// It returns the completed error, or nil when err is not a limit error.
func (s *source) stopped(err error, records int, drain bool) *LimitError {
	le, ok := errors.AsType[*LimitError](err)
	if !ok {
		return nil
	}
	le.Records = records
	buffered := int64(s.raw.Buffered())
	le.CompressedRead = s.count.n - buffered
	le.CompressedLeft = -1
	if drain {
		if n, derr := io.Copy(io.Discard, s.raw); derr == nil {
			le.CompressedLeft = n
		}
	}
	return le
}

// LimitError is the error of a compressed payload stopped by its
// decompression limit; it wraps ErrPayloadTooLarge. It says exactly what
// was read and where reading stopped, so the rest is never a silent
// remainder.
type LimitError struct {
	Format         string // "gzip" or "zlib"
	Limit          int64  // the limit, in decompressed bytes
	Line           int    // the line reading stopped in (0: inside a whole-payload document); it was not yielded
	Records        int    // records yielded before the stop
	CompressedRead int64  // compressed bytes consumed when the limit was reached
	CompressedLeft int64  // compressed bytes after them, unread; -1 when not counted (a stream)
}

// Error says what was read, where reading stopped and what was left.
func (e *LimitError) Error() string {
	left := "the rest of the stream"
	if e.CompressedLeft >= 0 {
		left = fmt.Sprintf("the remaining %d compressed bytes", e.CompressedLeft)
	}
	return fmt.Sprintf("payload: %s: %v: more than %d bytes after decompression, stopped at line %d after %d records "+
		"(%d compressed bytes read); %s were not decompressed (if this is not a decompression bomb, raise the decompression limit)",
		e.Format, ErrPayloadTooLarge, e.Limit, e.Line, e.Records, e.CompressedRead, left)
}

// Unwrap returns ErrPayloadTooLarge.
func (e *LimitError) Unwrap() error { return ErrPayloadTooLarge }

// sniff names the compression of the data br starts with: "gzip", "zlib" or
// "" for none. It blocks only for the bytes it needs.
func sniff(br *bufio.Reader) string {
	b, err := br.Peek(1)
	if err != nil || (b[0] != 0x1f && b[0] != 0x78) {
		return ""
	}
	b, err = br.Peek(2)
	if err != nil {
		return ""
	}
	if b[0] == 0x1f && b[1] == 0x8b {
		return "gzip"
	}
	// zlib: CM=8 with a 32K window (0x78), no preset dictionary, and the
	// header checksum; "x^" is also plain text, so try to inflate what is
	// already buffered and call it zlib unless that is plainly corrupt.
	switch b[1] {
	case 0x01, 0x5e, 0x9c, 0xda:
	default:
		return ""
	}
	if (uint16(b[0])<<8|uint16(b[1]))%31 != 0 {
		return ""
	}
	n := min(br.Buffered(), 512)
	window, _ := br.Peek(n)
	zr, err := zlib.NewReader(bytes.NewReader(window))
	if err != nil {
		return ""
	}
	_, err = zr.Read(make([]byte, 64))
	var corrupt flate.CorruptInputError
	if errors.As(err, &corrupt) {
		return ""
	}
	return "zlib"
}

// labelled names the step (read, gzip, zlib) in the errors of r, once.
type labelled struct {
	r  io.Reader
	op string
}

func (l *labelled) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		if _, done := errors.AsType[*stepError](err); !done {
			err = &stepError{op: l.op, err: err}
		}
	}
	return n, err
}

// stepError is a read or decompression failure of the payload.
type stepError struct {
	op  string
	err error
}

func (e *stepError) Error() string { return "payload: " + e.op + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// maxReader passes through at most max bytes and fails with a
// *LimitError if the source has more.
type maxReader struct {
	r         io.Reader
	left, max int64
	kind      string
}

func (m *maxReader) Read(p []byte) (int, error) {
	if m.left <= 0 {
		var one [1]byte
		n, err := io.ReadFull(m.r, one[:])
		if n > 0 {
			return 0, &LimitError{Format: m.kind, Limit: m.max}
		}
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > m.left {
		p = p[:m.left]
	}
	n, err := m.r.Read(p)
	m.left -= int64(n)
	return n, err
}
