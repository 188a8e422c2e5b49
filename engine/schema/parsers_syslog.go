package schema

import "strings"

func init() { textParsers["syslog"] = syslogRecord }

// syslogExtras are the keys the syslog parser adds when the line has them;
// a schema that does not declare one simply does not get it, so that a
// schema of timestamp/host/application/message (StreamAlert's) still
// matches lines with a PID or a PRI.
var syslogExtras = map[string]bool{
	"pid": true, "priority": true, "facility": true, "severity": true,
	"version": true, "msgid": true, "structured_data": true, "context": true,
}

// syslogRecord parses an RFC 3164 or RFC 5424 line.
func syslogRecord(t *LogType, text string, chk *check) map[string]any {
	if chk.mode == checkFast && !maybeSyslog(text) {
		chk.fatal("not a syslog line") // why is said by the slow path
		return nil
	}
	m, err := parseSyslog(text)
	if err != nil {
		chk.fatal("not a syslog line (%s)", strings.TrimPrefix(err.Error(), "syslog: "))
		return nil
	}
	for k := range m {
		if syslogExtras[k] && t.Schema.child(k) == nil {
			delete(m, k)
		}
	}
	return m
}

// maybeSyslog reports whether parseSyslog may take line: it starts with a
// <PRI> or an RFC 3164 timestamp (parseSyslog's first checks), decided
// without building the error that saying why would cost.
func maybeSyslog(line string) bool {
	s := trimLineEnd(line)
	if s == "" {
		return false
	}
	if s[0] == '<' {
		return true
	}
	_, _, ok := cut3164Timestamp(s)
	return ok
}
