package schema

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSyslog(t *testing.T) {
	sd := func(kv ...any) map[string]any { // id, map, id, map...
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	params := func(kv ...string) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		line string
		want map[string]any
		err  string
	}{
		// Tag forms of real logs (logpai/loghub @ dd61d0952749ee7963bde24220d1be5ede023033,
		// Mac/Mac_2k.log and Linux/Linux_2k.log).
		{name: "3164 program name with a space", line: "Jul  4 23:22:09 calvisitor-10-105-162-105 Microsoft Word[14463]: Cocoa scripting error for '0x0360001f': four character codes must be four characters long.",
			want: map[string]any{"timestamp": "Jul  4 23:22:09", "host": "calvisitor-10-105-162-105", "application": "Microsoft Word", "pid": "14463",
				"message": "Cocoa scripting error for '0x0360001f': four character codes must be four characters long."}},
		{name: "3164 launchd context after the pid", line: "Jul  3 20:16:59 calvisitor-10-105-161-225 com.apple.xpc.launchd[1] (com.apple.xpc.launchd.domain.pid.WebContent.33827): Path not allowed in target domain: type = pid, path = /x",
			want: map[string]any{"timestamp": "Jul  3 20:16:59", "host": "calvisitor-10-105-161-225", "application": "com.apple.xpc.launchd", "pid": "1",
				"context": "com.apple.xpc.launchd.domain.pid.WebContent.33827", "message": "Path not allowed in target domain: type = pid, path = /x"}},
		{name: "3164 PAM module context", line: "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
			want: map[string]any{"timestamp": "Jun 14 15:16:01", "host": "combo", "application": "sshd", "pid": "19939", "context": "pam_unix",
				"message": "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 "}},
		// Shapes quoted in issue 13 and in public journal excerpts (OpenSSH
		// 9.8 moved the per-connection process to sshd-session).
		{name: "3164 empty host field", line: "Feb 22 10:21:43  sshd[1332]: Server listening on 0.0.0.0 port 22.",
			want: map[string]any{"timestamp": "Feb 22 10:21:43", "application": "sshd", "pid": "1332", "message": "Server listening on 0.0.0.0 port 22."}},
		{name: "3164 OpenSSH 9.8 sshd-session", line: "Aug 01 15:25:34 hp sshd-session[198289]: Connection closed by 172.20.0.2 port 35852",
			want: map[string]any{"timestamp": "Aug 01 15:25:34", "host": "hp", "application": "sshd-session", "pid": "198289", "message": "Connection closed by 172.20.0.2 port 35852"}},
		{name: "3164 prose with a colon is no tag", line: "Jun 14 15:16:01 combo some words here: and more",
			want: map[string]any{"timestamp": "Jun 14 15:16:01", "host": "combo", "message": "some words here: and more"}},
		{name: "3164 program name with a space needs a pid", line: "Jun 14 15:16:01 combo syslogd 1.4.1: restart.",
			want: map[string]any{"timestamp": "Jun 14 15:16:01", "host": "combo", "message": "syslogd 1.4.1: restart."}},
		{name: "3164 sshd, space-padded day", line: "Jan  5 14:03:01 web-1.prod.example.com sshd[123]: Accepted publickey for alice from 10.0.0.1 port 22 ssh2",
			want: map[string]any{"timestamp": "Jan  5 14:03:01", "host": "web-1.prod.example.com", "application": "sshd", "pid": "123",
				"message": "Accepted publickey for alice from 10.0.0.1 port 22 ssh2"}},
		{name: "3164 one-digit day without padding", line: "Jan 5 14:03:01 web-1 sshd[123]: Accepted",
			want: map[string]any{"timestamp": "Jan 5 14:03:01", "host": "web-1", "application": "sshd", "pid": "123", "message": "Accepted"}},
		{name: "3164 two-digit day", line: "Dec 25 00:00:00 host cron: job",
			want: map[string]any{"timestamp": "Dec 25 00:00:00", "host": "host", "application": "cron", "message": "job"}},
		{name: "3164 with PRI (RFC example)", line: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
			want: map[string]any{"priority": int64(34), "facility": int64(4), "severity": int64(2), "timestamp": "Oct 11 22:14:15",
				"host": "mymachine", "application": "su", "message": "'su root' failed for lonvick on /dev/pts/8"}},
		{name: "3164 IPv4 host", line: "<13>Feb  1 01:02:03 10.1.2.3 kernel: eth0 up",
			want: map[string]any{"priority": int64(13), "facility": int64(1), "severity": int64(5), "timestamp": "Feb  1 01:02:03",
				"host": "10.1.2.3", "application": "kernel", "message": "eth0 up"}},
		{name: "3164 IPv6 host", line: "Feb  1 01:02:03 2001:db8::1 named[77]: query",
			want: map[string]any{"timestamp": "Feb  1 01:02:03", "host": "2001:db8::1", "application": "named", "pid": "77", "message": "query"}},
		{name: "3164 IPv6 host ending in ::", line: "Feb  1 01:02:03 fe80:: app: x",
			want: map[string]any{"timestamp": "Feb  1 01:02:03", "host": "fe80::", "application": "app", "message": "x"}},
		{name: "3164 no host (local log)", line: "Mar  3 03:03:03 su: pam_unix(su:session): session opened",
			want: map[string]any{"timestamp": "Mar  3 03:03:03", "application": "su", "message": "pam_unix(su:session): session opened"}},
		{name: "3164 slash in tag", line: "Mar  3 03:03:03 mx postfix/smtpd[42]: connect from x",
			want: map[string]any{"timestamp": "Mar  3 03:03:03", "host": "mx", "application": "postfix/smtpd", "pid": "42", "message": "connect from x"}},
		{name: "3164 no tag", line: "Mar  3 03:03:03 host just words here",
			want: map[string]any{"timestamp": "Mar  3 03:03:03", "host": "host", "message": "just words here"}},
		{name: "3164 colon inside a word is not a tag", line: "Mar  3 03:03:03 host a:b c",
			want: map[string]any{"timestamp": "Mar  3 03:03:03", "host": "host", "message": "a:b c"}},
		{name: "3164 tag without message", line: "Mar  3 03:03:03 host app[1]:",
			want: map[string]any{"timestamp": "Mar  3 03:03:03", "host": "host", "application": "app", "pid": "1"}},
		{name: "3164 fractional seconds and CRLF", line: "Apr 30 23:59:59.123 h app: m\r\n",
			want: map[string]any{"timestamp": "Apr 30 23:59:59.123", "host": "h", "application": "app", "message": "m"}},
		{name: "rsyslog RFC 3339 timestamp", line: "2024-01-05T14:03:01.123456+00:00 web-1 sshd[9]: Failed password",
			want: map[string]any{"timestamp": "2024-01-05T14:03:01.123456+00:00", "host": "web-1", "application": "sshd", "pid": "9", "message": "Failed password"}},
		{name: "unicode message", line: "May  1 00:00:00 h app: héllo ✓",
			want: map[string]any{"timestamp": "May  1 00:00:00", "host": "h", "application": "app", "message": "héllo ✓"}},

		{name: "5424 RFC example 1 (BOM, no SD)", line: "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
			want: map[string]any{"priority": int64(34), "facility": int64(4), "severity": int64(2), "version": int64(1),
				"timestamp": "2003-10-11T22:14:15.003Z", "host": "mymachine.example.com", "application": "su", "msgid": "ID47",
				"message": "'su root' failed for lonvick on /dev/pts/8"}},
		{name: "5424 RFC example 2 (IPv4 host, procid, no msgid)", line: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
			want: map[string]any{"priority": int64(165), "facility": int64(20), "severity": int64(5), "version": int64(1),
				"timestamp": "2003-08-24T05:14:15.000003-07:00", "host": "192.0.2.1", "application": "myproc", "pid": "8710",
				"message": "%% It's time to make the do-nuts."}},
		{name: "5424 RFC example 3 (SD and message)", line: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ` + "\ufeffAn application event log entry...",
			want: map[string]any{"priority": int64(165), "facility": int64(20), "severity": int64(5), "version": int64(1),
				"timestamp": "2003-10-11T22:14:15.003Z", "host": "mymachine.example.com", "application": "evntslog", "msgid": "ID47",
				"structured_data": sd("exampleSDID@32473", params("iut", "3", "eventSource", "Application", "eventID", "1011")),
				"message":         "An application event log entry..."}},
		{name: "5424 RFC example 4 (two SD elements, no message)", line: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]`,
			want: map[string]any{"priority": int64(165), "facility": int64(20), "severity": int64(5), "version": int64(1),
				"timestamp": "2003-10-11T22:14:15.003Z", "host": "mymachine.example.com", "application": "evntslog", "msgid": "ID47",
				"structured_data": sd("exampleSDID@32473", params("iut", "3", "eventSource", "Application", "eventID", "1011"),
					"examplePriority@32473", params("class", "high"))}},
		{name: "5424 escaped characters in SD", line: `<13>1 2024-01-01T00:00:00Z h a p m [x@1 q="say \"hi\"" b="a\]b" s="c:\\d" o="\n"] msg`,
			want: map[string]any{"priority": int64(13), "facility": int64(1), "severity": int64(5), "version": int64(1),
				"timestamp": "2024-01-01T00:00:00Z", "host": "h", "application": "a", "pid": "p", "msgid": "m",
				"structured_data": sd("x@1", params("q", `say "hi"`, "b", "a]b", "s", `c:\d`, "o", `\n`)), "message": "msg"}},
		{name: "5424 empty SD element and value", line: `<0>1 - - - - - [a][b c=""]`,
			want: map[string]any{"priority": int64(0), "facility": int64(0), "severity": int64(0), "version": int64(1),
				"structured_data": sd("a", params(), "b", params("c", ""))}},
		{name: "5424 all nil", line: "<14>1 - - - - - -",
			want: map[string]any{"priority": int64(14), "facility": int64(1), "severity": int64(6), "version": int64(1)}},
		{name: "5424 IPv6 host", line: "<14>1 2024-01-01T00:00:00.5+02:00 2001:db8::7 app 1 - - hi",
			want: map[string]any{"priority": int64(14), "facility": int64(1), "severity": int64(6), "version": int64(1),
				"timestamp": "2024-01-01T00:00:00.5+02:00", "host": "2001:db8::7", "application": "app", "pid": "1", "message": "hi"}},

		{name: "garbage", line: "hello world", err: "no timestamp"},
		{name: "empty", line: "", err: "empty line"},
		{name: "PRI out of range", line: "<192>Oct 11 22:14:15 h a: m", err: "bad PRI"},
		{name: "PRI not digits", line: "<1a>Oct 11 22:14:15 h a: m", err: "bad PRI"},
		{name: "PRI unterminated", line: "<34 Oct 11 22:14:15 h a: m", err: "<PRI>"},
		{name: "PRI leading zero", line: "<034>Oct 11 22:14:15 h a: m", err: "bad PRI"},
		{name: "bad month", line: "Foo 11 22:14:15 h a: m", err: "no timestamp"},
		{name: "bad day", line: "Oct 32 22:14:15 h a: m", err: "no timestamp"},
		{name: "bad clock", line: "Oct 11 25:14:15 h a: m", err: "no timestamp"},
		{name: "short clock", line: "Oct 11 22:14 h a: m", err: "no timestamp"},
		{name: "timestamp only", line: "Oct 11 22:14:15", err: "nothing after the timestamp"},
		{name: "5424 bad timestamp", line: "<34>1 2003-13-11T22:14:15Z h a - - - m", err: "not RFC 3339"},
		{name: "5424 truncated header", line: "<34>1 2003-10-11T22:14:15Z h a", err: "ends before its pid"},
		{name: "5424 no structured data", line: "<34>1 2003-10-11T22:14:15Z h a - ID1", err: "ends before its structured data"},
		{name: "5424 nothing after version", line: "<34>1 ", err: "ends before its timestamp"},
		{name: "5424 double space", line: "<34>1 2003-10-11T22:14:15Z  h a - - - m", err: "host is empty"},
		{name: "5424 bad SD", line: "<34>1 - h a - - x m", err: "structured data must be - or [...]"},
		{name: "5424 unterminated SD value", line: `<34>1 - h a - - [x a="b] m`, err: "value is not terminated"},
		{name: "5424 SD param without quotes", line: `<34>1 - h a - - [x a=b] m`, err: `expected name="value"`},
		{name: "5424 SD without space before message", line: `<34>1 - h a - - [x a="b"]m`, err: "followed by a space"},
		{name: "5424 nil SD glued to message", line: `<34>1 - h a - - -m`, err: "followed by a space"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSyslog(tc.line)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseSyslog(%q) = %v, %v; want error containing %q", tc.line, got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseSyslog(%q): %v", tc.line, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseSyslog(%q) =\n %#v\nwant\n %#v", tc.line, got, tc.want)
			}
		})
	}
}

func FuzzParseSyslog(f *testing.F) {
	for _, s := range []string{
		"Jan  5 14:03:01 web-1.prod.example.com sshd[123]: Accepted publickey",
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][p@1 class="h\]i"] ` + "\ufeffmsg",
		"<14>1 - - - - - -", "2024-01-05T14:03:01Z h a[1]: m", "Jan 5", "<", "<1>", "<1>1 ",
	} {
		f.Add(s)
	}
	strs := []string{"timestamp", "host", "application", "message", "pid", "msgid"}
	ints := []string{"priority", "facility", "severity", "version"}
	f.Fuzz(func(t *testing.T, line string) {
		got, err := parseSyslog(line)
		if err == nil && !maybeSyslog(line) {
			t.Fatalf("maybeSyslog(%q) is false, but parseSyslog takes it", line)
		}
		if err != nil {
			return
		}
		for k, v := range got {
			switch {
			case contains(strs, k):
				if s, ok := v.(string); !ok || s == "" {
					t.Fatalf("%s = %#v, want a non-empty string", k, v)
				}
			case contains(ints, k):
				if _, ok := v.(int64); !ok {
					t.Fatalf("%s = %#v, want an int64", k, v)
				}
			case k == "structured_data":
				for id, p := range v.(map[string]any) {
					if _, ok := p.(map[string]any); !ok || id == "" {
						t.Fatalf("structured_data[%q] = %#v", id, p)
					}
				}
			default:
				t.Fatalf("unexpected key %q", k)
			}
		}
		if p, ok := got["priority"].(int64); ok {
			if p < 0 || p > 191 || got["facility"].(int64)*8+got["severity"].(int64) != p {
				t.Fatalf("priority %d, facility %v, severity %v", p, got["facility"], got["severity"])
			}
		}
		if m, ok := got["message"].(string); ok && !strings.HasSuffix(trimLineEnd(line), m) {
			t.Fatalf("message %q is not the end of the line %q", m, line)
		}
		if _, ok := got["timestamp"]; !ok && got["version"] == nil {
			t.Fatalf("RFC 3164 result without a timestamp: %v", got)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
