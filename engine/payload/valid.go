package payload

// scanJSON reports whether b is exactly one JSON value with optional white
// space around it, deciding as encoding/json.Valid does (RFC 8259; bytes
// of strings are not checked as UTF-8), and the offset of the first '[' or
// '{' nested deeper than limit, as CheckJSONDepth finds it (-1 when none;
// limit <= 0 means DefaultMaxJSONDepth). One pass does what json.Valid and
// CheckJSONDepth did in two, for a payload that is one JSON document (a
// CloudTrail object is thousands of brackets, so CheckJSONDepth's quick
// count never cleared it). FuzzScanJSON holds it to both.
func scanJSON(b []byte, limit int) (ok bool, deepAt int) {
	if limit <= 0 {
		limit = DefaultMaxJSONDepth
	}
	deepAt = -1
	var stack []byte // the open containers: '{' or '['
	i := skipSpace(b, 0)
value:
	if i >= len(b) {
		return false, deepAt
	}
	switch c := b[i]; {
	case c == '{' || c == '[':
		stack = append(stack, c)
		if len(stack) > limit && deepAt < 0 {
			deepAt = i
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == c+2 { // '}' is '{'+2, ']' is '['+2
			stack = stack[:len(stack)-1]
			i++
			goto after
		}
		if c == '[' {
			goto value
		}
		goto key
	case c == '"':
		if i = skipString(b, i); i < 0 {
			return false, deepAt
		}
	case c == '-' || c >= '0' && c <= '9':
		if i = skipNumber(b, i); i < 0 {
			return false, deepAt
		}
	case c == 't':
		if i = skipWord(b, i, "true"); i < 0 {
			return false, deepAt
		}
	case c == 'f':
		if i = skipWord(b, i, "false"); i < 0 {
			return false, deepAt
		}
	case c == 'n':
		if i = skipWord(b, i, "null"); i < 0 {
			return false, deepAt
		}
	default:
		return false, deepAt
	}
after:
	i = skipSpace(b, i)
	if len(stack) == 0 {
		return i == len(b), deepAt
	}
	if i >= len(b) {
		return false, deepAt
	}
	switch b[i] {
	case ',':
		i = skipSpace(b, i+1)
		if stack[len(stack)-1] == '[' {
			goto value
		}
		goto key
	case stack[len(stack)-1] + 2:
		stack = stack[:len(stack)-1]
		i++
		goto after
	}
	return false, deepAt
key:
	if i >= len(b) || b[i] != '"' {
		return false, deepAt
	}
	if i = skipString(b, i); i < 0 {
		return false, deepAt
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return false, deepAt
	}
	i = skipSpace(b, i+1)
	goto value
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the offset after the string starting at b[i] ('"'),
// or -1 when it is not a valid JSON string.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			i++
			if i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return -1
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		case c < 0x20:
			return -1
		}
	}
	return -1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipNumber returns the offset after the number starting at b[i], or -1
// when it is not a valid JSON number.
func skipNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i+1 >= len(b) || !isDigit(b[i+1]) {
			return -1
		}
		i = skipDigits(b, i+1)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		i = skipDigits(b, i)
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipDigits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// skipWord returns the offset after word at b[i], or -1.
func skipWord(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}
