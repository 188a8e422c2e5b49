package payload

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// DefaultMaxRecordSize is the default largest record accepted (1 MiB).
const DefaultMaxRecordSize = 1 << 20

// DefaultMaxPayloadSize is the default decompression limit (1 GiB): the
// most a compressed payload may expand to. Plain payloads have no limit.
const DefaultMaxPayloadSize = 1 << 30

// DefaultOversizeKeep is how much of an oversize record is kept in
// Raw.Data for the dead letter by default (16 MiB): a record up to that
// size is kept whole, so it can be replayed; a larger one keeps its first
// 16 MiB, and its error gives its exact length and SHA-256.
const DefaultOversizeKeep = 16 << 20

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
	// ErrPayloadTooLarge is returned, wrapped in a *LimitError, when a
	// compressed payload expands past Options.MaxPayloadSize.
	ErrPayloadTooLarge = errors.New("payload too large")
)

// Options tune reading. The zero value uses the defaults.
type Options struct {
	MaxRecordSize int // 0 means DefaultMaxRecordSize
	// MaxPayloadSize is the decompression limit: it caps the decompressed
	// bytes of a gzip or zlib payload, against decompression bombs. Plain
	// payloads have no size limit (a file of any size streams through, its
	// memory bounded per record). 0 means DefaultMaxPayloadSize.
	MaxPayloadSize int64
	// MaxJSONDepth is the deepest nesting a record that starts as JSON ('{'
	// or '[') may have; a deeper one is yielded with ErrTooDeep instead of
	// being left for a decoder. 0 means DefaultMaxJSONDepth.
	MaxJSONDepth int
	// OversizeKeep is how much of a record over MaxRecordSize is kept in
	// Raw.Data (see DefaultOversizeKeep); it is raised to MaxRecordSize if
	// lower. 0 means DefaultOversizeKeep.
	OversizeKeep int
}

func (o Options) withDefaults() Options {
	if o.MaxRecordSize <= 0 {
		o.MaxRecordSize = DefaultMaxRecordSize
	}
	if o.MaxPayloadSize <= 0 {
		o.MaxPayloadSize = DefaultMaxPayloadSize
	}
	if o.OversizeKeep <= 0 {
		o.OversizeKeep = DefaultOversizeKeep
	}
	o.OversizeKeep = max(o.OversizeKeep, o.MaxRecordSize)
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
// A read or decompression error (a truncated gzip file) is returned after
// every complete line before it has been yielded; the incomplete line at the
// point of failure is dropped.
//
// A compressed payload that expands past MaxPayloadSize stops there: the
// records before are yielded, then Read counts the compressed bytes left
// (reading, not inflating them) and returns a *LimitError with the exact
// counts (records yielded, the line it stopped in, compressed bytes read
// and left), for the caller to report: the rest is never silently dropped.
func Read(r io.Reader, opts Options, yield func(Raw) error) error {
	o := opts.withDefaults()
	src, err := open(r, o.MaxPayloadSize)
	if err != nil {
		return err
	}
	n := 0
	err = readPayload(src, o, func(raw Raw) error { n++; return yield(raw) })
	return src.finish(err, n, true)
}

// finish completes a decompression-limit stop's counts (see Read); other
// errors pass through.
func (s *source) finish(err error, records int, drain bool) error {
	if le := s.stopped(err, records, drain); le != nil {
		return le
	}
	return err
}

func readPayload(src *source, o Options, yield func(Raw) error) error {
	limit := o.MaxRecordSize
	yield = withoutW3CDirectives(withFlowLogHeader(yield))

	// Read one record's worth (plus one byte) to decide between "one JSON
	// document" and "lines" without holding more than a record in memory.
	prefix, err := io.ReadAll(io.LimitReader(src, int64(limit)+1))
	if err != nil {
		// Yield the complete lines read so far, then report the failure.
		return scanLines(bufio.NewReaderSize(io.MultiReader(bytes.NewReader(prefix), errReader{err}), readBufferSize), o, yield)
	}
	whole := len(prefix) <= limit // the whole payload is in memory
	prefix = bytes.TrimPrefix(prefix, bom)
	trimmed := bytes.TrimSpace(prefix)
	startsJSON := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	rest := func() *bufio.Reader {
		return bufio.NewReaderSize(io.MultiReader(bytes.NewReader(prefix), src), readBufferSize)
	}

	if whole {
		if startsJSON {
			if valid, deepAt := scanJSON(trimmed, o.MaxJSONDepth); valid {
				return yield(Raw{Data: trimmed, Line: 0, Err: checkDocument(trimmed, deepAt, o.MaxJSONDepth)})
			}
		}
		return scanLines(rest(), o, yield)
	}
	if startsJSON && streamable(prefix) {
		return streamDocument(prefix, src, o, yield)
	}
	if startsJSON && multiLineDocumentPrefix(prefix) {
		return readBigDocument(prefix, src, o, yield)
	}
	return scanLines(rest(), o, yield)
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
// is 'x' or 0x1f, for the second). A compressed stream that expands past
// MaxPayloadSize ends as Read's does, without counting the compressed bytes
// left (a stream may be endless).
func Stream(r io.Reader, opts Options, yield func(Raw) error) error {
	o := opts.withDefaults()
	src, err := open(r, o.MaxPayloadSize)
	if err != nil {
		return err
	}
	n := 0
	err = streamLines(src, o, func(raw Raw) error { n++; return yield(raw) })
	return src.finish(err, n, false)
}

func streamLines(src *source, o Options, yield func(Raw) error) error {
	// Peek past the first byte only when it can start a BOM: a first line
	// shorter than the BOM must not wait for more input.
	if b, err := src.Peek(1); err == nil && b[0] == bom[0] {
		if b, err := src.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
			_, _ = src.Discard(len(bom))
		}
	}
	return scanLines(src.Reader, o, yield)
}

var bom = []byte("\xef\xbb\xbf")

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// checkRecord says why b cannot be classified, or nil: not valid UTF-8, or
// JSON nested deeper than depth.
func checkRecord(b []byte, depth int) error {
	if err := checkUTF8(b); err != nil {
		return err
	}
	if i := bytes.IndexFunc(b, func(r rune) bool { return !isSpace(r) }); i >= 0 && (b[i] == '{' || b[i] == '[') {
		return CheckJSONDepth(b, depth)
	}
	return nil
}

// checkDocument is checkRecord for a document scanJSON validated, with the
// offset it found too deep (-1 for none).
func checkDocument(b []byte, deepAt, limit int) error {
	if err := checkUTF8(b); err != nil {
		return err
	}
	if deepAt >= 0 {
		return tooDeep(limit, deepAt)
	}
	return nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

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

// clipTo returns at most n bytes of b, cut at a rune boundary.
func clipTo(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	for back := 0; back < utf8.UTFMax && n > 0 && !utf8.RuneStart(b[n]); back++ {
		n--
	}
	return b[:n]
}

// OversizeError is the error of a record longer than MaxRecordSize; it wraps
// ErrOversize. Raw.Data holds the record whole when it is at most
// OversizeKeep bytes, else its first Kept bytes; Size and SHA256 identify
// the whole record either way: a line without its line ending, a
// multi-line document as all of the (decompressed) payload.
type OversizeError struct {
	Size   int64  // the record's exact length in bytes
	Limit  int    // MaxRecordSize
	Kept   int    // bytes of it in Raw.Data
	SHA256 string // hex SHA-256 of the whole record
}

// Error gives the size, the limit, what was kept and the digest.
func (e *OversizeError) Error() string {
	kept := "kept whole"
	if int64(e.Kept) < e.Size {
		kept = fmt.Sprintf("first %d bytes kept", e.Kept)
	}
	return fmt.Sprintf("%v: %d bytes, limit %d (%s; sha256 %s)", ErrOversize, e.Size, e.Limit, kept, e.SHA256)
}

// Unwrap returns ErrOversize.
func (e *OversizeError) Unwrap() error { return ErrOversize }

func oversize(size int64, limit, kept int, sum [sha256.Size]byte) error {
	return &OversizeError{Size: size, Limit: limit, Kept: kept, SHA256: hex.EncodeToString(sum[:])}
}

// Check says why one record that arrives whole, outside Read and Stream (a
// CloudWatch Logs log event, which may span lines), cannot be classified,
// with the same checks and errors they apply: longer than MaxRecordSize
// (*OversizeError), not valid UTF-8, JSON nested deeper than MaxJSONDepth.
// nil means it may be classified.
func Check(b []byte, opts Options) error {
	opts = opts.withDefaults()
	if len(b) > opts.MaxRecordSize {
		return oversize(int64(len(b)), opts.MaxRecordSize, min(len(b), opts.OversizeKeep), sha256.Sum256(b))
	}
	return checkRecord(b, opts.MaxJSONDepth)
}
