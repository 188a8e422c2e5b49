package schema

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// parseSyslog parses one syslog line. Better than StreamAlert's regex: RFC 3164 (optional <PRI>, "Mmm dd hh:mm:ss" with one-digit days padded by a space or not, dotted host names and IPs, "app[pid]:" or "app:" tag) and RFC 5424 (<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD...] MSG, NILVALUE "-", structured data with escaped \" \] \\ kept, BOM before MSG dropped).
// Keys of the result: "timestamp" (string as written), "host", "application", "message"; when present: "pid" (string), "context" (RFC 3164: the parenthesised part of a tag such as sshd(pam_unix)[1]: or launchd[1] (com.apple.x):), "priority", "facility", "severity" (int64);
// RFC 5424 only: "version" (int64), "msgid" (string, absent when "-"), "structured_data" (map[string]any: SD-ID → map[string]any param → string value).
// Absent parts are absent keys (not empty strings). Not a syslog line → error saying why.
//
// Details: an RFC 3164 timestamp may also be RFC 3339 (rsyslog's high
// precision format) and "hh:mm:ss" may carry a fraction; the host is
// absent when the word after the timestamp is already the tag (local
// logs); a line with no "app:" tag has no "application" and the rest is the
// message. One space after the tag's colon is dropped. In structured data,
// \" \] and \\ stand for the character itself, a backslash before anything
// else is kept, and when an SD-ID or a parameter repeats the last value wins.
func parseSyslog(line string) (map[string]any, error) {
	s := trimLineEnd(line)
	if s == "" {
		return nil, errors.New("syslog: empty line")
	}
	out := make(map[string]any, 8)
	if s[0] == '<' {
		end := strings.IndexByte(s, '>')
		if end < 2 || end > 4 {
			return nil, errors.New("syslog: <PRI> must be 1 to 3 digits between < and >")
		}
		pri, err := strconv.Atoi(s[1:end])
		if err != nil || pri > 191 || !isDigits(s[1:end]) || (end > 2 && s[1] == '0') {
			return nil, fmt.Errorf("syslog: bad PRI %q (0 to 191 without leading zeros)", s[1:end])
		}
		out["priority"] = int64(pri)
		out["facility"] = int64(pri / 8)
		out["severity"] = int64(pri % 8)
		s = s[end+1:]
		// RFC 5424: VERSION (1 to 3 digits, no leading zero) and a space.
		if v, rest, ok := strings.Cut(s, " "); ok && len(v) <= 3 && isDigits(v) && v[0] != '0' {
			n, _ := strconv.Atoi(v)
			out["version"] = int64(n)
			if err := parse5424(rest, out); err != nil {
				return nil, err
			}
			return out, nil
		}
	}
	if err := parse3164(s, out); err != nil {
		return nil, err
	}
	return out, nil
}

// parse5424 reads the RFC 5424 header after "<PRI>VERSION ".
func parse5424(s string, out map[string]any) error {
	names := [...]string{"timestamp", "host", "application", "pid", "msgid"}
	for k, name := range names {
		word, rest, ok := strings.Cut(s, " ")
		if !ok {
			missing := name
			if word != "" {
				missing = "structured data"
				if k+1 < len(names) {
					missing = names[k+1]
				}
			}
			return fmt.Errorf("syslog: RFC 5424 header ends before its %s", missing)
		}
		if word == "" {
			return fmt.Errorf("syslog: RFC 5424 %s is empty (two spaces)", name)
		}
		for i := 0; i < len(word); i++ {
			if word[i] < 33 || word[i] > 126 {
				return fmt.Errorf("syslog: RFC 5424 %s %q is not printable ASCII", name, clipText(word))
			}
		}
		if word != "-" {
			if name == "timestamp" {
				if _, err := time.Parse(time.RFC3339Nano, word); err != nil {
					return fmt.Errorf("syslog: RFC 5424 timestamp %q is not RFC 3339", clipText(word))
				}
			}
			out[name] = word
		}
		s = rest
	}
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	} else {
		sd, rest, err := parseStructuredData(s)
		if err != nil {
			return err
		}
		out["structured_data"] = sd
		s = rest
	}
	switch {
	case s == "":
	case s[0] != ' ':
		return fmt.Errorf("syslog: RFC 5424 structured data must be followed by a space, not %q", clipText(s))
	default:
		if msg := strings.TrimPrefix(s[1:], "\ufeff"); msg != "" {
			out["message"] = msg
		}
	}
	return nil
}

// parseStructuredData reads one or more [SD-ID param="value"...] elements
// at the start of s and returns them and the rest of s.
func parseStructuredData(s string) (map[string]any, string, error) {
	sd := make(map[string]any)
	for strings.HasPrefix(s, "[") {
		s = s[1:]
		n := sdNameLen(s)
		if n == 0 {
			return nil, "", fmt.Errorf("syslog: structured data: bad SD-ID at %q", clipText(s))
		}
		id := s[:n]
		s = s[n:]
		params, _ := sd[id].(map[string]any)
		if params == nil {
			params = make(map[string]any)
			sd[id] = params
		}
		for {
			if strings.HasPrefix(s, "]") {
				s = s[1:]
				break
			}
			if !strings.HasPrefix(s, " ") {
				return nil, "", fmt.Errorf("syslog: structured data [%s: expected a space or ] at %q", id, clipText(s))
			}
			s = s[1:]
			n := sdNameLen(s)
			if n == 0 || !strings.HasPrefix(s[n:], `="`) {
				return nil, "", fmt.Errorf("syslog: structured data [%s: expected name=\"value\" at %q", id, clipText(s))
			}
			name := s[:n]
			s = s[n+2:]
			var v strings.Builder
			closed := false
			for i := 0; i < len(s); i++ {
				c := s[i]
				if c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == ']') {
					v.WriteByte(s[i+1])
					i++
					continue
				}
				if c == '"' {
					s = s[i+1:]
					closed = true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				return nil, "", fmt.Errorf("syslog: structured data [%s %s: value is not terminated", id, name)
			}
			params[name] = v.String()
		}
	}
	if len(sd) == 0 {
		return nil, "", fmt.Errorf("syslog: RFC 5424 structured data must be - or [...], not %q", clipText(s))
	}
	return sd, s, nil
}

// sdNameLen is the length of the SD-NAME at the start of s: 1 to 32
// printable ASCII characters other than '=', ' ', ']' and '"'.
func sdNameLen(s string) int {
	n := 0
	for n < len(s) && n < 32 {
		c := s[n]
		if c < 33 || c > 126 || c == '=' || c == ']' || c == '"' {
			break
		}
		n++
	}
	return n
}

// parse3164 reads "TIMESTAMP [HOST] [TAG:] MSG" after an optional <PRI>.
func parse3164(s string, out map[string]any) error {
	ts, rest, ok := cut3164Timestamp(s)
	if !ok {
		return fmt.Errorf("syslog: no timestamp (\"Mmm dd hh:mm:ss\" or RFC 3339) at %q", clipText(s))
	}
	out["timestamp"] = ts
	if rest == "" {
		return errors.New("syslog: nothing after the timestamp")
	}
	if rest[0] != ' ' {
		return fmt.Errorf("syslog: expected a space after the timestamp, got %q", clipText(rest))
	}
	rest = rest[1:]

	// HOST, unless the first word is already the tag; an empty host field
	// (two spaces: "Feb 22 10:21:43  sshd[1332]: ...") leaves it absent.
	if strings.HasPrefix(rest, " ") {
		rest = strings.TrimLeft(rest, " ")
	} else if word, after, _ := strings.Cut(rest, " "); isHostName(word) {
		out["host"] = word
		rest = after
	}

	// TAG: "app[pid]:" or "app:" followed by a space or the end.
	if app, pid, ctx, msg, ok := cutTag(rest); ok {
		out["application"] = app
		if pid != "" {
			out["pid"] = pid
		}
		if ctx != "" {
			out["context"] = ctx
		}
		rest = msg
	}
	if rest != "" {
		out["message"] = rest
	}
	return nil
}

// maxTagLen bounds the program name and context of an RFC 3164 tag, so
// that prose with a colon far into the line is never read as one.
const maxTagLen = 128

// cutTag splits the tag off "app[pid]: msg" or "app: msg". The tag ends at
// the first colon followed by a space or the end of the line. Besides the
// classic forms it reads a program name with spaces when a [pid] follows it
// ("Microsoft Word[14463]:"), a context in parentheses after the program
// ("sshd(pam_unix)[19939]:", the PAM module) or after the pid
// ("com.apple.xpc.launchd[1] (com.apple.xpc.launchd.domain.pid.X.1):", macOS),
// returned as ctx. Anything else ("a:b", "some words: more") is no tag.
func cutTag(s string) (app, pid, ctx, msg string, ok bool) {
	end := -1
	for i := 0; i < len(s) && i <= maxTagLen; i++ {
		if s[i] == ':' && (i+1 == len(s) || s[i+1] == ' ') {
			end = i
			break
		}
	}
	if end <= 0 {
		return "", "", "", "", false
	}
	tag := s[:end]
	if strings.HasSuffix(tag, ")") {
		if open := strings.LastIndex(tag, " ("); open > 0 {
			ctx, tag = tag[open+2:len(tag)-1], tag[:open]
		}
	}
	if strings.HasSuffix(tag, "]") {
		open := strings.LastIndexByte(tag, '[')
		if open <= 0 || open+1 == len(tag)-1 {
			return "", "", "", "", false
		}
		pid, tag = tag[open+1:len(tag)-1], tag[:open]
	}
	if ctx == "" && strings.HasSuffix(tag, ")") {
		if open := strings.IndexByte(tag, '('); open > 0 && open+1 < len(tag)-1 {
			ctx, tag = tag[open+1:len(tag)-1], tag[:open]
		}
	}
	app = tag
	switch {
	case app == "", strings.ContainsAny(app, "[]():\t"), strings.ContainsAny(pid, "[] "), strings.ContainsAny(ctx, "()"):
		return "", "", "", "", false
	case strings.Contains(app, " ") && pid == "":
		return "", "", "", "", false // prose with a colon, not a program name
	case app[0] == ' ' || app[len(app)-1] == ' ':
		return "", "", "", "", false
	}
	return app, pid, ctx, strings.TrimPrefix(s[end+1:], " "), true
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// cut3164Timestamp splits off "Mmm dd hh:mm:ss[.frac]" (the day may be one
// digit, padded by a space or not) or an RFC 3339 timestamp.
func cut3164Timestamp(s string) (ts, rest string, ok bool) {
	if len(s) > 4 && s[3] == ' ' {
		month := s[:3]
		i := 4
		if s[i] == ' ' { // space-padded day
			i++
		}
		dayStart := i
		for i < len(s) && i-dayStart < 2 && isDigit(s[i]) {
			i++
		}
		day, _ := strconv.Atoi(s[dayStart:i])
		if !isMonth(month) || i == dayStart || day < 1 || day > 31 || i >= len(s) || s[i] != ' ' {
			return "", "", false
		}
		i++
		if !isClock(s[i:min(i+8, len(s))]) {
			return "", "", false
		}
		i += 8
		if i < len(s) && s[i] == '.' {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j == i+1 {
				return "", "", false
			}
			i = j
		}
		return s[:i], s[i:], true
	}
	if len(s) > 0 && isDigit(s[0]) {
		word, _, _ := strings.Cut(s, " ")
		if _, err := time.Parse(time.RFC3339Nano, word); err == nil {
			return word, s[len(word):], true
		}
	}
	return "", "", false
}

func isMonth(m string) bool {
	for _, name := range months {
		if m == name {
			return true
		}
	}
	return false
}

// isClock reports whether s is exactly "hh:mm:ss" with valid values.
func isClock(s string) bool {
	if len(s) != 8 || s[2] != ':' || s[5] != ':' || !isDigits(s[:2]+s[3:5]+s[6:]) {
		return false
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:5])
	sec, _ := strconv.Atoi(s[6:])
	return h < 24 && m < 60 && sec <= 60 // 60: a leap second
}

// isHostName accepts host names (letters, digits, '-', '_', '.'), IPv4 and
// IPv6 addresses (with an optional %zone); so a tag such as "su:" or
// "sshd[1]:" is never taken for a host.
func isHostName(s string) bool {
	if s == "" {
		return false
	}
	if isIP(s) {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
