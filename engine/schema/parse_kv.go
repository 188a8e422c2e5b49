package schema

import (
	"errors"
	"fmt"
	"strings"
)

// KVPair is one key/value of a kv line.
type KVPair struct{ Key, Value string }

// splitKV splits a key/value line into ordered pairs. separator separates a key from its value (default "="), delimiter separates pairs (default " ").
// Values may be quoted with ' or " (e.g. auditd: type=USER_AUTH msg=audit(1.2:3): pid=1 msg='op=PAM:auth acct="root" res=success'), quotes removed, delimiters inside quotes kept. A token without separator is an error (StreamAlert rejects it), except that auditd's `msg=audit(...):` form must work (the value is `audit(...):`).
//
// Details: runs of delimiters count as one (StreamAlert drops empty fields);
// a key ends at the first separator, so a value may contain the separator
// (url=http://x/?a=b); a value is quoted only when its first character is a
// quote, inside which a backslash escapes the quote or a backslash and is
// literal before anything else; text right after the closing quote, up to
// the next delimiter, is appended. Duplicate keys are all kept, in order.
// One trailing line break is dropped. Empty keys, unterminated quotes and
// lines without any pair are errors; an empty value (key=) is allowed.
func splitKV(line, delimiter, separator string) ([]KVPair, error) {
	if delimiter == "" {
		delimiter = " "
	}
	if separator == "" {
		separator = "="
	}
	if strings.Contains(delimiter, separator) || strings.Contains(separator, delimiter) {
		return nil, fmt.Errorf("kv: delimiter %q and separator %q overlap", delimiter, separator)
	}
	s := trimLineEnd(line)
	var pairs []KVPair
	i := 0
	for {
		for strings.HasPrefix(s[i:], delimiter) {
			i += len(delimiter)
		}
		if i == len(s) {
			break
		}
		start := i
		// The key runs to the separator; a delimiter first means there is none.
		sep, del := strings.Index(s[i:], separator), strings.Index(s[i:], delimiter)
		if sep < 0 || (del >= 0 && del < sep) {
			end := len(s)
			if del >= 0 {
				end = i + del
			}
			return nil, fmt.Errorf("kv: col %d: %q has no separator %q", start+1, clipText(s[start:end]), separator)
		}
		if sep == 0 {
			return nil, fmt.Errorf("kv: col %d: empty key", start+1)
		}
		key := s[i : i+sep]
		i += sep + len(separator)

		var value strings.Builder
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			q := s[i]
			open := i
			i++
			closed := false
			for i < len(s) && !closed {
				c := s[i]
				switch {
				case c == '\\' && i+1 < len(s) && (s[i+1] == q || s[i+1] == '\\'):
					value.WriteByte(s[i+1])
					i += 2
				case c == q:
					closed = true
					i++
				default:
					value.WriteByte(c)
					i++
				}
			}
			if !closed {
				return nil, fmt.Errorf("kv: col %d: quoted value of %q is not terminated", open+1, key)
			}
		}
		end := len(s)
		if d := strings.Index(s[i:], delimiter); d >= 0 {
			end = i + d
		}
		value.WriteString(s[i:end])
		i = end
		pairs = append(pairs, KVPair{Key: key, Value: value.String()})
	}
	if len(pairs) == 0 {
		return nil, errors.New("kv: no key/value pairs")
	}
	return pairs, nil
}

// clipText shortens s for an error message.
func clipText(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && s[n]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n] + "..."
}
