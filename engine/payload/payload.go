package payload

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// DefaultMaxRecordSize is the default largest record accepted (1 MiB).
const DefaultMaxRecordSize = 1 << 20

// DefaultMaxPayloadSize is the default largest payload, counted after
// decompression, that Read accepts (1 GiB).
const DefaultMaxPayloadSize = 1 << 30

// prefixSize is the most of an oversize record that is kept in Raw.Data.
const prefixSize = 1 << 10

// readBufferSize is the size of the buffered reader lines are cut from; lines
// longer than this are assembled in a separate, reused buffer.
const readBufferSize = 64 << 10

// Sentinel errors. Errors returned or carried in Raw.Err wrap these; test
// with errors.Is.
var (
	// ErrOversize marks a record (a line or a whole document) longer than
	// Options.MaxRecordSize.
	ErrOversize = errors.New("record too large")
	// ErrInvalidUTF8 marks a record that is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("record is not valid UTF-8")
	// ErrPayloadTooLarge is returned when the (decompressed) payload exceeds
	// Options.MaxPayloadSize.
	ErrPayloadTooLarge = errors.New("payload too large")
)

// Options tune reading. The zero value uses the defaults.
type Options struct {
	MaxRecordSize int // 0 means DefaultMaxRecordSize
	// MaxPayloadSize caps the bytes Read consumes after decompression, and
	// the decompressed bytes of a compressed Stream (a plain stream is
	// unbounded: it may be endless, and its memory is bounded per record).
	// 0 means DefaultMaxPayloadSize.
	MaxPayloadSize int64
}

func (o Options) withDefaults() Options {
	if o.MaxRecordSize <= 0 {
		o.MaxRecordSize = DefaultMaxRecordSize
	}
	if o.MaxPayloadSize <= 0 {
		o.MaxPayloadSize = DefaultMaxPayloadSize
	}
	return o
}

// Raw is one raw record.
type Raw struct {
	Data []byte // valid only during the yield call
	Line int    // 1-based line of the record in the (decompressed) payload; 0 for a whole-payload document
	// Err, when set, says why this record is rejected before classification
	// (oversize, not valid UTF-8); Data then holds at most a prefix of it.
	Err error
}

// Read reads a whole payload as S3 objects are read: gzip and zlib are
// detected by magic bytes; the whole payload is one record if it is one JSON
// document, else each non-empty line is a record (JSON lines or raw lines;
// CRLF accepted). yield is called once per record, in order; an error from
// yield stops reading and is returned.
//
// A payload of lines whose first line is a VPC or Transit Gateway flow log
// header (IsFlowLogHeader), as flow log files in S3 start, yields no record
// for it: every later line is yielded as the header, a newline and the line,
// so that any custom format's columns can be named. W3C Extended Log File
// Format directive lines (#Version:, #Fields: ...) at the start of a payload
// of lines, as CloudFront access log files begin, are not records either.
//
// A leading UTF-8 byte order mark is dropped. Lines are numbered from 1 over
// the decompressed payload, counting empty lines, which are skipped (as are
// lines of only white space). A JSON document spread over many lines that is
// larger than MaxRecordSize is yielded once, with Line 0 and ErrOversize.
// A read or decompression error (a truncated gzip file, ErrPayloadTooLarge)
// is returned after every complete line before it has been yielded; the
// incomplete line at the point of failure is dropped.
func Read(r io.Reader, opts Options, yield func(Raw) error) error {
	o := opts.withDefaults()
	src, err := open(r, o.MaxPayloadSize, true)
	if err != nil {
		return err
	}
	limit := o.MaxRecordSize
	yield = withoutW3CDirectives(withFlowLogHeader(yield))

	// Read one record's worth (plus one byte) to decide between "one JSON
	// document" and "lines" without holding more than a record in memory.
	prefix, err := io.ReadAll(io.LimitReader(src, int64(limit)+1))
	if err != nil {
		// Yield the complete lines read so far, then report the failure.
		return scanLines(bufio.NewReaderSize(io.MultiReader(bytes.NewReader(prefix), errReader{err}), readBufferSize), limit, yield)
	}
	whole := len(prefix) <= limit // the whole payload is in memory
	prefix = bytes.TrimPrefix(prefix, bom)
	trimmed := bytes.TrimSpace(prefix)
	startsJSON := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	rest := func() *bufio.Reader {
		return bufio.NewReaderSize(io.MultiReader(bytes.NewReader(prefix), src), readBufferSize)
	}

	if whole {
		if startsJSON && json.Valid(trimmed) {
			return yield(Raw{Data: trimmed, Line: 0, Err: checkUTF8(trimmed)})
		}
		return scanLines(rest(), limit, yield)
	}
	if startsJSON && multiLineDocumentPrefix(prefix) {
		return readBigDocument(prefix, src, limit, yield)
	}
	return scanLines(rest(), limit, yield)
}

// Stream reads r line by line as it arrives (stdin, a followed file, an HTTP
// body of lines), yielding each non-empty line as soon as it is complete;
// gzip/zlib are detected on the first bytes.
//
// Lines are numbered from 1, CRLF is accepted, white-space-only lines are
// skipped, and a final line without a newline is yielded at EOF. There is no
// whole-document JSON detection. A line longer than MaxRecordSize is skipped
// up to its newline without being buffered and yielded as a prefix with
// ErrOversize. Detecting compression waits for the first byte (and, when it
// is 'x' or 0x1f, for the second).
func Stream(r io.Reader, opts Options, yield func(Raw) error) error {
	o := opts.withDefaults()
	src, err := open(r, o.MaxPayloadSize, false)
	if err != nil {
		return err
	}
	// Peek past the first byte only when it can start a BOM: a first line
	// shorter than the BOM must not wait for more input.
	if b, err := src.Peek(1); err == nil && b[0] == bom[0] {
		if b, err := src.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
			_, _ = src.Discard(len(bom))
		}
	}
	return scanLines(src, o.MaxRecordSize, yield)
}

var bom = []byte("\xef\xbb\xbf")

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// checkUTF8 returns nil when b is valid UTF-8, else an error wrapping
// ErrInvalidUTF8 with the offset of the first bad byte.
func checkUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("%w: bad byte 0x%02x at offset %d", ErrInvalidUTF8, b[i], i)
		}
		i += n
	}
	return ErrInvalidUTF8 // unreachable: utf8.Valid said otherwise
}

// clip returns at most prefixSize bytes of b, cut at a rune boundary.
func clip(b []byte) []byte {
	if len(b) <= prefixSize {
		return b
	}
	n := prefixSize
	for back := 0; back < utf8.UTFMax && n > 0 && !utf8.RuneStart(b[n]); back++ {
		n--
	}
	return b[:n]
}

func oversize(size, limit int64) error {
	return fmt.Errorf("%w: %d bytes, limit %d", ErrOversize, size, limit)
}
