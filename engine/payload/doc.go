// Package payload splits the bytes a source delivers into raw records.
//
// Two readers cover every source:
//
//   - Read takes a whole payload the way StreamAlert reads an S3 object or a
//     local file: gzip or zlib compression is recognised by its magic bytes,
//     then the payload is either one JSON document (yielded once) or a
//     sequence of lines (JSON lines or raw log lines), each a record.
//   - Stream takes bytes as they arrive (stdin, a followed file, an HTTP
//     body) and yields each line as soon as its newline has been read.
//
// Both bound their memory: a record longer than Options.MaxRecordSize is
// never held whole (it is yielded as a short prefix with ErrOversize), and
// decompressed output is capped by Options.MaxPayloadSize so a compression
// bomb ends in an error instead of exhausting memory.
//
// Records are handed to a yield callback; Raw.Data aliases an internal
// buffer and is valid only until the callback returns. Copy it to keep it.
package payload
