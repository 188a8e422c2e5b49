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

// scanLines yields every non-blank line of br as a record, rejecting
// those that fail checkRecord. A line longer
// than limit is not buffered past limit+1 bytes: the rest is skipped up to
// the newline and the record carries a prefix and ErrOversize. A read error
// other than io.EOF is returned, dropping the incomplete line it cut.
func scanLines(br *bufio.Reader, o Options, yield func(Raw) error) error {
	limit, keep, depth := o.MaxRecordSize, o.OversizeKeep, o.MaxJSONDepth
	var acc []byte // reused for lines that span several buffer fills
	for lineNo := 1; ; lineNo++ {
		chunk, err := br.ReadSlice('\n')
		if err == nil { // the common case: the whole line is in the buffer
			line := trimEOL(chunk)
			if isBlank(line) {
				continue
			}
			if len(line) > limit {
				data := clipTo(line, keep)
				if yerr := yield(Raw{Data: data, Line: lineNo, Err: oversize(int64(len(line)), limit, len(data), sha256.Sum256(line))}); yerr != nil {
					return yerr
				}
				continue
			}
			if yerr := yield(Raw{Data: line, Line: lineNo, Err: checkRecord(line, depth)}); yerr != nil {
				return yerr
			}
			continue
		}

		// The line spans buffer fills, or this is the end of input.
		acc = acc[:0]
		var size int64 // bytes of the line so far, without LF
		over, blank, lastCR := false, true, false
		complete := false
		var sum lineHash // of an oversize line, which acc holds only the start of
		for {
			body := chunk
			if err == nil {
				body = chunk[:len(chunk)-1]
				complete = true
			}
			if len(body) > 0 {
				size += int64(len(body))
				lastCR = body[len(body)-1] == '\r'
				blank = blank && isBlank(body)
				if !over && len(acc)+len(body) > limit+1 { // over the limit even without a CR
					over = true
					sum.start(acc)
				}
				if over {
					sum.write(body)
					if room := keep + utf8Slack - len(acc); room > 0 {
						acc = appendDoubling(acc, body[:min(room, len(body))], keep+utf8Slack)
					}
				} else {
					acc = appendDoubling(acc, body, limit+1)
				}
			}
			if err != bufio.ErrBufferFull {
				break
			}
			chunk, err = br.ReadSlice('\n')
		}
		if err != nil && err != io.EOF && !complete {
			if le, ok := errors.AsType[*LimitError](err); ok {
				le.Line = lineNo
			}
			return err
		}
		if lastCR {
			if int64(len(acc)) == size { // acc holds the whole line, CR included
				acc = acc[:len(acc)-1]
			}
			size--
		}
		if size == 0 && !complete { // EOF right after a newline
			return nil
		}
		if !blank {
			var r Raw
			switch {
			case over:
				data := clipTo(acc, keep)
				r = Raw{Data: data, Line: lineNo, Err: oversize(size, limit, len(data), sum.sum())}
			case size > int64(limit): // acc holds all of it
				data := clipTo(acc, keep)
				r = Raw{Data: data, Line: lineNo, Err: oversize(size, limit, len(data), sha256.Sum256(acc))}
			default:
				r = Raw{Data: acc, Line: lineNo, Err: checkRecord(acc, depth)}
			}
			if yerr := yield(r); yerr != nil {
				return yerr
			}
		}
		if cap(acc) > limit+1 {
			acc = nil // the start of an oversize line: do not keep up to OversizeKeep per reader
		}
		if !complete {
			return nil // io.EOF after a final line without newline
		}
	}
}

// appendDoubling appends b to acc, doubling the capacity when it grows (append
// grows large slices by only 1.25x, which would allocate several times the
// record limit while assembling one long line), never beyond limit.
func appendDoubling(acc, b []byte, limit int) []byte {
	if need := len(acc) + len(b); need > cap(acc) {
		grown := make([]byte, len(acc), min(max(need, 2*cap(acc)), limit))
		copy(grown, acc)
		acc = grown
	}
	return append(acc, b...)
}

// utf8Slack lets clipTo find a rune boundary just past the bytes kept.
const utf8Slack = 4

// lineHash is the SHA-256 of an oversize line as it streams by, without
// its line ending: a CR at the end of a chunk is held back until more of
// the line follows, since a CR just before the LF is not part of the line.
type lineHash struct {
	h         hash.Hash
	pendingCR bool
}

func (l *lineHash) start(b []byte) {
	l.h, l.pendingCR = sha256.New(), false
	l.write(b)
}

func (l *lineHash) write(b []byte) {
	if len(b) == 0 {
		return
	}
	if l.pendingCR {
		l.h.Write([]byte{'\r'})
		l.pendingCR = false
	}
	if b[len(b)-1] == '\r' {
		b, l.pendingCR = b[:len(b)-1], true
	}
	l.h.Write(b)
}

func (l *lineHash) sum() (out [sha256.Size]byte) {
	l.h.Sum(out[:0])
	return out
}

// trimEOL drops a trailing LF and then a trailing CR.
func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

func isBlank(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
		default:
			return false
		}
	}
	return true
}

// multiLineDocumentPrefix reports whether prefix (the first MaxRecordSize+1
// bytes of a payload) is the start of a single JSON value that spans lines
// and does not end within prefix: an oversize pretty-printed document. A
// syntax error, or a first value that ends within prefix (JSON lines), or a
// first line that fills all of prefix, means the payload is read as lines.
func multiLineDocumentPrefix(prefix []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
				return false // not JSON
			}
			// The prefix ended inside the first value.
			first := bytes.TrimLeft(prefix, " \t\r\n")
			return bytes.IndexByte(first, '\n') >= 0
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return false // the first value ended inside the prefix
		}
	}
}

// readBigDocument validates, without holding it, a multi-line JSON document
// larger than limit that starts with prefix and continues in src, and
// yields it once as an oversize record (Line 0). When the rest turns out not
// to be one JSON document, the record says so; its lines are not replayed,
// since that would need the whole payload in memory.
func readBigDocument(prefix []byte, src io.Reader, o Options, yield func(Raw) error) error {
	limit := o.MaxRecordSize
	cr := &countReader{r: src}
	k := &keeper{h: sha256.New(), keep: o.OversizeKeep + utf8Slack}
	all := io.TeeReader(io.MultiReader(bytes.NewReader(prefix), cr), k)
	dec := json.NewDecoder(all)
	var bad error
	depth := 0
	for bad == nil {
		tok, err := dec.Token()
		if err != nil {
			bad = err
			break
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			if _, err := dec.Token(); err != io.EOF {
				bad = errors.New("more data after the first JSON value")
				if err != nil {
					bad = err
				}
			}
			break
		}
	}
	if cr.err != nil && cr.err != io.EOF {
		return cr.err
	}
	if errors.Is(bad, io.ErrUnexpectedEOF) {
		bad = io.EOF // the payload ended inside the document
	}
	if bad != nil && bad != io.EOF {
		// Count (and hash) the rest, so that size and digest are the payload's.
		if _, err := io.Copy(io.Discard, all); err != nil {
			return err
		}
	}
	if _, err := io.Copy(io.Discard, all); err != nil { // what the decoder left unread
		return err
	}
	// The record is the payload: kept as read, so that it can be replayed
	// byte for byte, and its length and digest are the payload's.
	data := clipTo(k.data, o.OversizeKeep)
	var digest [sha256.Size]byte
	k.h.Sum(digest[:0])
	err := oversize(k.n, limit, len(data), digest)
	switch {
	case bad == io.EOF:
		err = fmt.Errorf("%w; the document is truncated", err)
	case bad != nil:
		err = fmt.Errorf("%w; it starts as one multi-line JSON document but is not one (%v), so it was not split into lines", err, bad)
	}
	return yield(Raw{Data: data, Line: 0, Err: err})
}

// keeper hashes and counts everything written to it and keeps the first
// keep bytes.
type keeper struct {
	h    hash.Hash
	n    int64
	data []byte
	keep int
}

func (k *keeper) Write(p []byte) (int, error) {
	k.h.Write(p)
	k.n += int64(len(p))
	if room := k.keep - len(k.data); room > 0 {
		k.data = append(k.data, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// countReader counts the bytes read from r and keeps the last error.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}
