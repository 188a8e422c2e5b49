package schema

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSplitSpaced(t *testing.T) {
	tests := []struct {
		name, line string
		want       []string
		err        string // substring of the error; "" means success
	}{
		{name: "plain", line: "a b c", want: []string{"a", "b", "c"}},
		{name: "runs of spaces and trailing space", line: " a  b c ", want: []string{"a", "b", "c"}},
		{name: "quoted with spaces", line: `a "GET / HTTP/1.1" b`, want: []string{"a", "GET / HTTP/1.1", "b"}},
		{name: "empty quoted", line: `a "" b`, want: []string{"a", "", "b"}},
		{name: "escaped quote kept as written", line: `"say \"hi\"" x`, want: []string{`say \"hi\"`, "x"}},
		{name: "quote not followed by space is data", line: `"a"b" c`, want: []string{`a"b`, "c"}},
		{name: "nginx hex escape", line: `"\x22/etc" 1`, want: []string{`\x22/etc`, "1"}},
		{name: "bracketed time", line: `h - u [10/Oct/2000:13:55:36 -0700] "GET /" 200`, want: []string{"h", "-", "u", "10/Oct/2000:13:55:36 -0700", "GET /", "200"}},
		{name: "bracketed address is a word", line: `[::1]:443 x`, want: []string{"[::1]:443", "x"}},
		{name: "bracket inside a word is data", line: `a[1] b`, want: []string{"a[1]", "b"}},
		{name: "CRLF", line: "a b\r\n", want: []string{"a", "b"}},
		{name: "unicode", line: `ü "ö ä" [ß]`, want: []string{"ü", "ö ä", "ß"}},
		{name: "unterminated quote", line: `a "b c`, err: "col 3: quoted field is not terminated"},
		{name: "quote ends only before a space", line: `"a"b`, err: "not terminated"},
		{name: "trailing backslash in quotes", line: `"a\`, err: "not terminated"},
		{name: "unterminated bracket", line: `a [b c`, err: "col 3: bracketed field is not terminated"},
		{name: "empty", line: "  \r\n", err: "empty line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitSpaced(tc.line)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("splitSpaced(%q) = %q, %v; want error containing %q", tc.line, got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("splitSpaced(%q): %v", tc.line, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("splitSpaced(%q) = %q, want %q", tc.line, got, tc.want)
			}
		})
	}
}

const spacedSchemas = `
sp:closed:
  parser: spaced
  schema:
    client: {ip: string, port: integer}
    status: integer
    request: string
    extra: string
  configuration:
    null_value: "-"
    optional_top_level_keys: [client, extra]
sp:open:
  parser: spaced
  schema: {a: string, b: integer}
  configuration: {undeclared_keys: keep}
`

func TestSpacedRecord(t *testing.T) {
	set := loadString(t, "sp.yaml", spacedSchemas)
	c := NewClassifier(set)
	tests := []struct {
		typ, line string
		want      map[string]any
		err       string
	}{
		{typ: "sp:closed", line: `10.0.0.1:443 200 "GET / HTTP/1.1" x`,
			want: map[string]any{"client": map[string]any{"ip": "10.0.0.1", "port": 443}, "status": 200, "request": "GET / HTTP/1.1", "extra": "x"}},
		{typ: "sp:closed", line: `[2001:db8::1]:80 200 "GET /"`,
			want: map[string]any{"client": map[string]any{"ip": "2001:db8::1", "port": 80}, "status": 200, "request": "GET /"}},
		{typ: "sp:closed", line: `- 404 "-" -`, want: map[string]any{"status": 404}, err: `missing key "request"`},
		{typ: "sp:closed", line: `- 404 x`, want: map[string]any{"status": 404, "request": "x"}},
		{typ: "sp:closed", line: `10.0.0.1 200 x`, err: "is not address:port"},
		{typ: "sp:closed", line: `- 200`, err: `missing key "request"`},
		{typ: "sp:closed", line: `- 200 x y z`, err: "line has 5 fields, the schema declares 4"},
		{typ: "sp:closed", line: `- abc x`, err: "status"},
		{typ: "sp:closed", line: `- 200 "x`, err: "quoted field is not terminated"},
		{typ: "sp:open", line: `a 1 c d`, want: map[string]any{"a": "a", "b": 1, "field_3": "c", "field_4": "d"}},
	}
	for _, tc := range tests {
		t.Run(tc.typ+" "+tc.line, func(t *testing.T) {
			recs, err := c.Classify([]byte(tc.line), []*LogType{set.Get(tc.typ)})
			if tc.err != "" {
				var ce *ClassifyError
				if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, %v; want a *ClassifyError containing %q", recs, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			if got := recs[0].Data; !equalJSONish(got, tc.want) {
				t.Errorf("record = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// equalJSONish compares decoded records, numbers by value.
func equalJSONish(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !equalJSONish(v, y[k]) {
				return false
			}
		}
		return true
	case int64:
		switch y := b.(type) {
		case int:
			return x == int64(y)
		case int64:
			return x == y
		}
		return false
	}
	return a == b
}

func FuzzSplitSpaced(f *testing.F) {
	for _, s := range []string{
		`h - u [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326 "-" "Mozilla/4.08"`,
		`https 2018-08-26T14:17:23.186641Z app/web/09 138.246.253.5:57185 - -1 -1 -1 400 - 25 150 "HEAD https://x:443/ HTTP/1.1" "-"`,
		`"a\"b" [c d] e`, `"`, `[`, `\`, "",
	} {
		f.Add(s)
	}
	set := loadString(f, "sp.yaml", spacedSchemas)
	c := NewClassifier(set)
	f.Fuzz(func(t *testing.T, line string) {
		fields, err := splitSpaced(line)
		if err == nil && len(fields) == 0 {
			t.Fatal("no fields and no error")
		}
		recs, err := c.Classify([]byte(line), set.Types())
		var ce *ClassifyError
		switch {
		case err != nil && !errors.As(err, &ce):
			t.Fatalf("error %T %v is not a *ClassifyError", err, err)
		case err != nil && recs != nil, err == nil && len(recs) == 0:
			t.Fatalf("records %v with error %v", recs, err)
		}
	})
}
