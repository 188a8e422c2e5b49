package schema

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitCSV(t *testing.T) {
	tests := []struct {
		name                 string
		line                 string
		delim, quote, escape rune
		want                 []string
		err                  string // substring of the error; "" means success
	}{
		{name: "plain", line: "a,b,c", want: []string{"a", "b", "c"}},
		{name: "empty fields", line: ",a,,b,", want: []string{"", "a", "", "b", ""}},
		{name: "one field", line: "abc", want: []string{"abc"}},
		{name: "only a delimiter", line: ",", want: []string{"", ""}},
		{name: "quoted delimiter", line: `a,"b,c",d`, want: []string{"a", "b,c", "d"}},
		{name: "doubled quotes", line: `"say ""hi""",x`, want: []string{`say "hi"`, "x"}},
		{name: "empty quoted field", line: `"",""`, want: []string{"", ""}},
		{name: "quote inside unquoted field is literal", line: `a"b,c`, want: []string{`a"b`, "c"}},
		{name: "text after closing quote joins", line: `"ab"c,d`, want: []string{"abc", "d"}},
		{name: "spaces kept", line: ` a , "b" `, want: []string{" a ", ` "b" `}},
		{name: "CRLF at end", line: "a,b\r\n", want: []string{"a", "b"}},
		{name: "LF at end", line: "a,b\n", want: []string{"a", "b"}},
		{name: "CR inside quotes kept", line: "\"a\r\nb\",c\r\n", want: []string{"a\r\nb", "c"}},
		{name: "empty last field before CRLF", line: "a,\r\n", want: []string{"a", ""}},
		{name: "unicode", line: "héllo,\"wö,rld\",✓", want: []string{"héllo", "wö,rld", "✓"}},
		{name: "unicode delimiter", line: "a§b§\"c§d\"", delim: '§', want: []string{"a", "b", "c§d"}},
		{name: "space delimiter (vpc flow)", line: "2 123456789010 eni-abc 10.0.0.1 10.0.0.2 443 49152 6 10 840 1418530010 1418530070 ACCEPT OK", delim: ' ',
			want: []string{"2", "123456789010", "eni-abc", "10.0.0.1", "10.0.0.2", "443", "49152", "6", "10", "840", "1418530010", "1418530070", "ACCEPT", "OK"}},
		{name: "tab delimiter, single quote", line: "a\t'b\tc'\t'it''s'", delim: '\t', quote: '\'', want: []string{"a", "b\tc", "it's"}},
		{name: "escaped delimiter", line: `a\,b,c`, escape: '\\', want: []string{"a,b", "c"}},
		{name: "escaped quote in quotes", line: `"a\"b",c`, escape: '\\', want: []string{`a"b`, "c"}},
		{name: "escaped escape", line: `a\\,b`, escape: '\\', want: []string{`a\`, "b"}},
		{name: "escape at field start", line: `\"a,b`, escape: '\\', want: []string{`"a`, "b"}},
		{name: "backslash literal without escape", line: `a\,b`, want: []string{`a\`, "b"}},
		{name: "escape equal to quote is doubling", line: `"a""b"`, escape: '"', want: []string{`a"b`}},
		{name: "NUL is data when there is no escape", line: "a\x00,b", want: []string{"a\x00", "b"}},
		{name: "unterminated quote", line: `a,"b,c`, err: `col 3: quoted field is not terminated`},
		{name: "unterminated after doubled quote", line: `"a""`, err: "not terminated"},
		{name: "escape at end", line: `a,b\`, escape: '\\', err: "escape character"},
		{name: "escaped quote does not close", line: `"a\"`, escape: '\\', err: "not terminated"},
		{name: "empty line", line: "\r\n", err: "empty line"},
		{name: "delimiter equals quote", line: "a", delim: '"', err: "conflicts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitCSV(tc.line, tc.delim, tc.quote, tc.escape)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("splitCSV(%q) = %q, %v; want error containing %q", tc.line, got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("splitCSV(%q): %v", tc.line, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("splitCSV(%q) = %q, want %q", tc.line, got, tc.want)
			}
		})
	}
}

// joinCSV writes fields as one CSV line that splitCSV must read back.
func joinCSV(fields []string, delim, quote, escape rune) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteRune(delim)
		}
		needs := f == "" && len(fields) == 1 || strings.ContainsAny(f, string([]rune{delim, quote, '\r', '\n'})) ||
			escape != 0 && strings.ContainsRune(f, escape)
		if !needs {
			b.WriteString(f)
			continue
		}
		b.WriteRune(quote)
		for _, c := range f {
			switch {
			case c == quote:
				b.WriteRune(quote)
			case escape != 0 && c == escape:
				b.WriteRune(escape)
			}
			b.WriteRune(c)
		}
		b.WriteRune(quote)
	}
	return b.String()
}

var csvDialects = []struct{ delim, quote, escape rune }{
	{0, 0, 0}, {',', '"', '\\'}, {' ', '\'', 0}, {'\t', '"', '^'}, {'|', '"', 0},
}

func FuzzSplitCSV(f *testing.F) {
	for _, s := range []string{"a,b,c", `a,"b,c"`, `"a""b",`, `a\,b`, "\"a\r\nb\"\r\n", `"x`, "", ",", "é,\"ü\"x"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, line string, d uint8) {
		dl := csvDialects[int(d)%len(csvDialects)]
		fields, err := splitCSV(line, dl.delim, dl.quote, dl.escape)
		if err != nil {
			return
		}
		if len(fields) == 0 || line == "" {
			t.Fatalf("splitCSV(%q) accepted the line with no fields", line)
		}
		if !utf8.ValidString(line) {
			return // invalid bytes become U+FFFD and do not round-trip
		}
		// Writing the fields back and reading them again gives the same fields.
		delim, quote := dl.delim, dl.quote
		if delim == 0 {
			delim, quote = ',', '"'
		}
		again, err := splitCSV(joinCSV(fields, delim, quote, dl.escape), delim, quote, dl.escape)
		if err != nil || !slices.Equal(again, fields) {
			t.Fatalf("round trip of %q: %q became %q (%v)", line, fields, again, err)
		}
	})
}
