package payload

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// scanLines yields every non-blank line of br as a record, rejecting
// those that fail checkRecord. A line longer
// than limit is not buffered past limit+1 bytes: the rest is skipped up to
// the newline and the record carries a prefix and ErrOversize. A read error
// other than io.EOF is returned, dropping the incomplete line it cut.
func scanLines(br *bufio.Reader, limit, depth int, yield func(Raw) error) error {
	var acc []byte // reused for lines that span several buffer fills
	for lineNo := 1; ; lineNo++ {
		chunk, err := br.ReadSlice('\n')
		if err == nil { // the common case: the whole line is in the buffer
			line := trimEOL(chunk)
			if isBlank(line) {
				continue
			}
			if len(line) > limit {
				if yerr := yield(Raw{Data: clip(line), Line: lineNo, Err: oversize(int64(len(line)), int64(limit))}); yerr != nil {
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
				switch {
				case over:
				case len(acc)+len(body) > limit+1: // over the limit even without a CR
					over = true
					if keep := prefixSize + utf8Slack - len(acc); keep > 0 {
						acc = append(acc, body[:min(keep, len(body))]...)
					}
				default:
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
			case over || size > int64(limit):
				r = Raw{Data: clip(acc), Line: lineNo, Err: oversize(size, int64(limit))}
			default:
				r = Raw{Data: acc, Line: lineNo, Err: checkRecord(acc, depth)}
			}
			if yerr := yield(r); yerr != nil {
				return yerr
			}
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

// utf8Slack lets clip find a rune boundary just past prefixSize.
const utf8Slack = 4

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
func readBigDocument(prefix []byte, src io.Reader, limit int, yield func(Raw) error) error {
	cr := &countReader{r: src}
	dec := json.NewDecoder(io.MultiReader(bytes.NewReader(prefix), cr))
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
		// Count the rest so the size in the message is the payload's.
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return err
		}
	}
	size := int64(len(prefix)) + cr.n
	err := oversize(size, int64(limit))
	switch {
	case bad == io.EOF:
		err = fmt.Errorf("%w; the document is truncated", err)
	case bad != nil:
		err = fmt.Errorf("%w; it starts as one multi-line JSON document but is not one (%v), so it was not split into lines", err, bad)
	}
	data := bytes.TrimLeft(prefix, " \t\r\n")
	return yield(Raw{Data: clip(data), Line: 0, Err: err})
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
