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

// open wraps r in a buffered reader of the decompressed payload. Compressed
// output is always capped at max bytes; plain input only when limitPlain.
func open(r io.Reader, max int64, limitPlain bool) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(&labelled{r: r, op: "read"}, readBufferSize)
	var dec io.Reader
	switch kind := sniff(br); kind {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("payload: gzip: %w", err)
		}
		dec = &labelled{r: zr, op: kind}
	case "zlib":
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("payload: zlib: %w", err)
		}
		dec = &labelled{r: zr, op: kind}
	default:
		if !limitPlain {
			return br, nil
		}
		dec = br
	}
	return bufio.NewReaderSize(&maxReader{r: dec, left: max, max: max}, readBufferSize), nil
}

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

// maxReader passes through at most max bytes and fails with
// ErrPayloadTooLarge if the source has more.
type maxReader struct {
	r         io.Reader
	left, max int64
}

func (m *maxReader) Read(p []byte) (int, error) {
	if m.left <= 0 {
		var one [1]byte
		n, err := io.ReadFull(m.r, one[:])
		if n > 0 {
			return 0, fmt.Errorf("payload: %w: more than %d bytes after decompression", ErrPayloadTooLarge, m.max)
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
