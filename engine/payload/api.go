// Package payload splits the bytes a source delivers into raw records.
package payload

import "io"

// DefaultMaxRecordSize is the default largest record accepted (1 MiB).
const DefaultMaxRecordSize = 1 << 20

// Options tune reading. The zero value uses the defaults.
type Options struct {
	MaxRecordSize int // 0 means DefaultMaxRecordSize
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
func Read(r io.Reader, opts Options, yield func(Raw) error) error { panic("TODO") }

// Stream reads r line by line as it arrives (stdin, a followed file, an HTTP
// body of lines), yielding each non-empty line as soon as it is complete;
// gzip/zlib are detected on the first bytes.
func Stream(r io.Reader, opts Options, yield func(Raw) error) error { panic("TODO") }
