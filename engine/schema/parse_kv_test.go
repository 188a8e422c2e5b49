package schema

import (
	"slices"
	"strings"
	"testing"
)

func kv(kvs ...string) []KVPair {
	var out []KVPair
	for i := 0; i+1 < len(kvs); i += 2 {
		out = append(out, KVPair{Key: kvs[i], Value: kvs[i+1]})
	}
	return out
}

func TestSplitKV(t *testing.T) {
	tests := []struct {
		name                 string
		line                 string
		delimiter, separator string
		want                 []KVPair
		err                  string
	}{
		{name: "simple", line: "a=1 b=2", want: kv("a", "1", "b", "2")},
		{name: "auditd USER_AUTH",
			line: `type=USER_AUTH msg=audit(1.2:3): pid=1 msg='op=PAM:auth acct="root" res=success'`,
			want: kv("type", "USER_AUTH", "msg", "audit(1.2:3):", "pid", "1", "msg", `op=PAM:auth acct="root" res=success`)},
		{name: "auditd SYSCALL",
			line: `type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2 success=no exit=-13 a0=7fffd19c5592 ppid=2686 pid=3538 auid=500 uid=500 comm="cat" exe="/bin/cat" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key="sshd_config"`,
			want: kv("type", "SYSCALL", "msg", "audit(1364481363.243:24287):", "arch", "c000003e", "syscall", "2", "success", "no", "exit", "-13",
				"a0", "7fffd19c5592", "ppid", "2686", "pid", "3538", "auid", "500", "uid", "500", "comm", "cat", "exe", "/bin/cat",
				"subj", "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023", "key", "sshd_config")},
		{name: "duplicate keys kept in order", line: "a=1 a=2 b=3 a=4", want: kv("a", "1", "a", "2", "b", "3", "a", "4")},
		{name: "runs of delimiters", line: "  a=1    b=2  ", want: kv("a", "1", "b", "2")},
		{name: "separator inside value", line: "url=http://x/?a=b&c=d n=1", want: kv("url", "http://x/?a=b&c=d", "n", "1")},
		{name: "empty value", line: "a= b=2", want: kv("a", "", "b", "2")},
		{name: "empty quoted value", line: `a="" b=''`, want: kv("a", "", "b", "")},
		{name: "quoted delimiters kept", line: `cmd="ls -la /tmp" ok=1`, want: kv("cmd", "ls -la /tmp", "ok", "1")},
		{name: "single quotes around double", line: `m='say "hi"'`, want: kv("m", `say "hi"`)},
		{name: "escaped quote and backslash", line: `m="a \"b\" c\\" n="x\y"`, want: kv("m", `a "b" c\`, "n", `x\y`)},
		{name: "text after closing quote", line: `a="b c"d e=1`, want: kv("a", "b cd", "e", "1")},
		{name: "quote not at value start is data", line: `a=b"c e=1`, want: kv("a", `b"c`, "e", "1")},
		{name: "CRLF", line: "a=1 b=2\r\n", want: kv("a", "1", "b", "2")},
		{name: "unicode", line: "usér=jösé ✓=☃", want: kv("usér", "jösé", "✓", "☃")},
		{name: "custom delimiter and separator", line: "a:1,b:2,,c:'x,y'", delimiter: ",", separator: ":", want: kv("a", "1", "b", "2", "c", "x,y")},
		{name: "multi-char delimiter", line: "a=1; b=2;c=3", delimiter: "; ", want: kv("a", "1", "b", "2;c=3")},
		{name: "token without separator", line: "a=1 junk b=2", err: `col 5: "junk" has no separator "="`},
		{name: "trailing token without separator", line: "a=1 junk", err: `"junk" has no separator`},
		{name: "empty key", line: "a=1 =2", err: "col 5: empty key"},
		{name: "unterminated quote", line: `a=1 msg='op=PAM res=success`, err: `col 9: quoted value of "msg" is not terminated`},
		{name: "escaped closing quote leaves it open", line: `a="x\"`, err: "not terminated"},
		{name: "empty line", line: "", err: "no key/value pairs"},
		{name: "only delimiters", line: "   \n", err: "no key/value pairs"},
		{name: "overlapping delimiter and separator", line: "a=1", delimiter: "=", err: "overlap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitKV(tc.line, tc.delimiter, tc.separator)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("splitKV(%q) = %v, %v; want error containing %q", tc.line, got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("splitKV(%q): %v", tc.line, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("splitKV(%q) =\n %q\nwant\n %q", tc.line, got, tc.want)
			}
		})
	}
}

// joinKV writes pairs back as a line, every value double-quoted.
func joinKV(pairs []KVPair, delimiter, separator string) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteString(delimiter)
		}
		b.WriteString(p.Key + separator + `"`)
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p.Value))
		b.WriteString(`"`)
	}
	return b.String()
}

var kvDialects = []struct{ delimiter, separator string }{{"", ""}, {",", ":"}, {"|", "="}, {", ", "=>"}, {"\t", " "}}

func FuzzSplitKV(f *testing.F) {
	for _, s := range []string{
		`type=USER_AUTH msg=audit(1.2:3): pid=1 msg='op=PAM:auth acct="root" res=success'`,
		"a=1 a=2", `m="a \"b\"" n=x\y`, "a:1,b:'x,y'", "junk", "=", `a='`, "a=\"b\"c d=e\r\n",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, line string, d uint8) {
		dl := kvDialects[int(d)%len(kvDialects)]
		pairs, err := splitKV(line, dl.delimiter, dl.separator)
		if err != nil {
			return
		}
		delimiter, separator := dl.delimiter, dl.separator
		if delimiter == "" {
			delimiter, separator = " ", "="
		}
		for _, p := range pairs {
			if p.Key == "" || strings.Contains(p.Key, separator) || strings.Contains(p.Key, delimiter) {
				t.Fatalf("splitKV(%q): bad key %q", line, p.Key)
			}
		}
		// Quoting every value and reading the line again gives the same pairs.
		again, err := splitKV(joinKV(pairs, delimiter, separator), delimiter, separator)
		if err != nil || !slices.Equal(again, pairs) {
			t.Fatalf("round trip of %q: %q became %q (%v)", line, pairs, again, err)
		}
	})
}
