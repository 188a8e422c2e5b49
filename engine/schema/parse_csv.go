package schema

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// splitCSV splits one CSV line into fields. delim and quote default to ',' and '"' when 0; escape 0 means no escape character.
// Handles quoted fields containing delimiters, doubled quotes, escaped quotes/delimiters (escapechar like Python's csv module), CRLF at end. An unterminated quote is an error.
//
// It follows Python's csv reader (StreamAlert's parser) in its default,
// non-strict dialect: a quote inside an unquoted field is literal, text after
// a closing quote is appended to the field ("ab"c reads as abc), and an
// escape character makes the next character literal inside and outside
// quotes. Unlike Python, an escape character at the end of the line and an
// empty line are errors. Line breaks inside quoted fields are kept.
func splitCSV(line string, delim, quote, escape rune) ([]string, error) {
	if delim == 0 {
		delim = ','
	}
	if quote == 0 {
		quote = '"'
	}
	if escape == quote {
		escape = 0 // a doubled quote already means a literal quote
	}
	if delim == quote || delim == escape || delim == '\n' || delim == '\r' {
		return nil, fmt.Errorf("csv: delimiter %q conflicts with the quote, escape or line end", delim)
	}
	line = trimLineEnd(line)
	if line == "" {
		return nil, errors.New("csv: empty line")
	}
	// Most lines quote nothing: their fields are the text between
	// delimiters, cut from the line without copying.
	if !strings.ContainsRune(line, quote) && (escape == 0 || !strings.ContainsRune(line, escape)) && utf8.ValidString(line) {
		return strings.Split(line, string(delim)), nil
	}
	return splitCSVQuoted(line, delim, quote, escape)
}

// splitCSVQuoted is splitCSV's general case (after the checks and the
// trimming), rune by rune.
func splitCSVQuoted(line string, delim, quote, escape rune) ([]string, error) {
	const (
		startField = iota
		inField
		inQuoted
		quoteInQuoted // just saw a quote inside a quoted field
	)
	var (
		fields   []string
		field    strings.Builder
		state    = startField
		escaped  = false // the previous rune was the escape character
		quoteCol = 0     // where the open quoted field started, for errors
	)
	for i, c := range line {
		if escaped {
			field.WriteRune(c)
			escaped = false
			continue
		}
		switch state {
		case startField, inField:
			switch {
			case c == escape && escape != 0:
				escaped = true
				state = inField
			case c == delim:
				fields = append(fields, field.String())
				field.Reset()
				state = startField
			case c == quote && state == startField:
				state = inQuoted
				quoteCol = i + 1
			default:
				field.WriteRune(c)
				state = inField
			}
		case inQuoted:
			switch {
			case c == escape && escape != 0:
				escaped = true
			case c == quote:
				state = quoteInQuoted
			default:
				field.WriteRune(c)
			}
		case quoteInQuoted:
			switch {
			case c == quote: // doubled quote
				field.WriteRune(c)
				state = inQuoted
			case c == delim:
				fields = append(fields, field.String())
				field.Reset()
				state = startField
			case c == escape && escape != 0:
				escaped = true
				state = inField
			default: // text after the closing quote joins the field
				field.WriteRune(c)
				state = inField
			}
		}
	}
	switch {
	case escaped:
		return nil, fmt.Errorf("csv: escape character %q at end of line", escape)
	case state == inQuoted:
		return nil, fmt.Errorf("csv: col %d: quoted field is not terminated", quoteCol)
	}
	return append(fields, field.String()), nil
}

// trimLineEnd drops one trailing line break (LF, CRLF or CR).
func trimLineEnd(s string) string {
	if strings.HasSuffix(s, "\n") {
		s = s[:len(s)-1]
	}
	return strings.TrimSuffix(s, "\r")
}
