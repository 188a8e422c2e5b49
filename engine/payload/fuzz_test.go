package payload

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzLimit is small so that fuzzed inputs reach the oversize paths.
const fuzzLimit = 48

// wantLines is the reference model of line splitting: LF-separated lines,
// one trailing CR dropped, blank lines skipped, 1-based numbers.
func wantLines(in []byte, limit int) []rec {
	var out []rec
	for i, l := range strings.Split(string(in), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.Trim(l, " \t\r\n\v\f") == "" {
			continue
		}
		r := rec{Data: l, Line: i + 1}
		switch {
		case len(l) > limit:
			r.Err = ErrOversize
		case !utf8.ValidString(l):
			r.Err = ErrInvalidUTF8
		}
		out = append(out, r)
	}
	return out
}

// checkAgainst compares records with the model, failing through t.
func checkAgainst(t *testing.T, got, want []rec) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, model has %d\ngot   %+v\nmodel %+v", len(got), len(want), got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Line != w.Line || !errors.Is(g.Err, w.Err) || (w.Err == nil) != (g.Err == nil) {
			t.Fatalf("record %d: got line %d err %v, model line %d err %v", i, g.Line, g.Err, w.Line, w.Err)
		}
		if errors.Is(w.Err, ErrOversize) && len(w.Data) > DefaultOversizeKeep {
			if !strings.HasPrefix(w.Data, g.Data) || len(g.Data) > DefaultOversizeKeep {
				t.Fatalf("record %d: oversize data %q is not a prefix of %q", i, g.Data, w.Data)
			}
		} else if g.Data != w.Data { // oversize records up to DefaultOversizeKeep are kept whole
			t.Fatalf("record %d: got %q, model %q", i, g.Data, w.Data)
		}
	}
}

func plain(in []byte) bool {
	return len(in) == 0 || (in[0] != 0x1f && in[0] != 'x')
}

func FuzzRead(f *testing.F) {
	for _, s := range []string{"", "a\nb", "{\"a\":1}\n{\"a\":2}\n", pretty, "[1,\n2]", "x^ y\n", "\xef\xbb\xbf{}", "a\r\n\r\nb\xff\n", "#Version: 1.0\n#Fields: a b\n\nx\ty\n#Fields: c\n"} {
		f.Add([]byte(s))
	}
	f.Add(gz(f, "a\n{\"b\":1}\n"))
	f.Add(zl(f, "a\nb", 6))
	f.Fuzz(func(t *testing.T, in []byte) {
		opts := Options{MaxRecordSize: fuzzLimit, MaxPayloadSize: 1 << 20}
		got, err := collect(t, Read, in, opts)
		for _, r := range got {
			if r.Err == nil && (!utf8.ValidString(r.Data) || len(r.Data) > fuzzLimit || strings.Trim(r.Data, " \t\r\n") == "") {
				t.Fatalf("accepted record %+v breaks the record invariants", r)
			}
		}
		if !plain(in) || err != nil {
			return // compressed: only the invariants above
		}
		body := bytes.TrimPrefix(in, bom)
		trimmed := bytes.TrimSpace(body)
		isDoc := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed)
		prefix := bytes.TrimPrefix(in[:min(len(in), fuzzLimit+1)], bom)
		switch {
		case len(in) > fuzzLimit && len(bytes.TrimSpace(prefix)) > 0 && (bytes.TrimSpace(prefix)[0] == '{' || bytes.TrimSpace(prefix)[0] == '[') && streamable(prefix):
			checkStreamed(t, trimmed, got)
		case len(in) <= fuzzLimit && isDoc:
			checkAgainst(t, got, []rec{{Data: string(trimmed), Line: 0, Err: errIfInvalid(trimmed)}})
		case len(in) > fuzzLimit && len(got) == 1 && got[0].Line == 0:
			// The record is kept as read (after a BOM), leading white space
			// included, so that it can be replayed byte for byte.
			if !errors.Is(got[0].Err, ErrOversize) || !bytes.HasPrefix(body, []byte(got[0].Data)) {
				t.Fatalf("big document record %+v", got[0])
			}
		default:
			checkAgainst(t, got, withoutLeadingDirectives(wantLines(body, fuzzLimit)))
		}
	})
}

// withoutLeadingDirectives drops the W3C directive lines (#Version:,
// #Fields: ...) that come before the first other record, as Read does.
func withoutLeadingDirectives(recs []rec) []rec {
	for len(recs) > 0 && recs[0].Err == nil && IsW3CDirective([]byte(recs[0].Data)) {
		recs = recs[1:]
	}
	return recs
}

func errIfInvalid(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	return ErrInvalidUTF8
}

func FuzzStream(f *testing.F) {
	for _, s := range []string{"", "a\nb", "a\r\n\r\n  \nb\xff\n", pretty, strings.Repeat("y", 100) + "\nz", "\r", "a\r\r\n"} {
		f.Add([]byte(s))
	}
	f.Add(gz(f, "a\nb\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := collect(t, Stream, in, Options{MaxRecordSize: fuzzLimit})
		if !plain(in) {
			return // compressed or not, it must not panic
		}
		if err != nil {
			t.Fatalf("Stream of plain bytes: %v", err)
		}
		body := bytes.TrimPrefix(in, bom)
		checkAgainst(t, got, wantLines(body, fuzzLimit))

		// The same through a tiny buffer, so lines span many buffer fills.
		var small []rec
		err = scanLines(bufio.NewReaderSize(bytes.NewReader(body), 16), Options{MaxRecordSize: fuzzLimit}.withDefaults(), func(r Raw) error {
			small = append(small, rec{Data: string(r.Data), Line: r.Line, Err: r.Err})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		checkAgainst(t, small, wantLines(body, fuzzLimit))
	})
}

// checkStreamed holds the records of a streamed document to its model: when
// the document is valid JSON, one record per element of its first array
// member (or of the document, an array), each decoding to the members before
// that array around the one element, or oversize when the element is.
func checkStreamed(t *testing.T, doc []byte, got []rec) {
	t.Helper()
	if !json.Valid(doc) {
		return // records up to the bad part; the invariants are checked
	}
	var elems []json.RawMessage
	var wrap func(json.RawMessage) any
	if doc[0] == '[' {
		if err := json.Unmarshal(doc, &elems); err != nil {
			t.Fatal(err)
		}
		wrap = func(e json.RawMessage) any { return []any{decodeAny(t, e)} }
	} else {
		dec := json.NewDecoder(bytes.NewReader(doc))
		dec.Token() // {
		before := map[string]any{}
		found := false
		for dec.More() && !found {
			k, _ := dec.Token()
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			if len(v) > 0 && v[0] == '[' {
				if err := json.Unmarshal(v, &elems); err != nil {
					t.Fatal(err)
				}
				key := k.(string)
				found = true
				wrap = func(e json.RawMessage) any {
					m := map[string]any{}
					for k, v := range before {
						m[k] = v
					}
					m[key] = []any{decodeAny(t, e)}
					return m
				}
				break
			}
			before[k.(string)] = decodeAny(t, v)
		}
		if !found {
			t.Fatalf("streamed a document without an array: %q", doc)
		}
		if dec.More() {
			return // members after the array: reported in a record of their own
		}
	}
	if len(got) != len(elems) {
		t.Fatalf("%d records from a document of %d elements: %+v", len(got), len(elems), got)
	}
	for i, e := range elems {
		g := got[i]
		if g.Line < 1 {
			t.Fatalf("element %d: line %d", i, g.Line)
		}
		if errors.Is(g.Err, ErrOversize) {
			if len(e)+2 <= fuzzLimit-5 { // the wrapper is 2 to a few bytes
				t.Fatalf("element %d (%d bytes) is not oversize: %v", i, len(e), g.Err)
			}
			continue
		}
		if g.Err != nil && !errors.Is(g.Err, ErrInvalidUTF8) && !errors.Is(g.Err, ErrTooDeep) {
			t.Fatalf("element %d: %v", i, g.Err)
		}
		want := wrap(e)
		if got := decodeAny(t, []byte(g.Data)); !reflect.DeepEqual(got, want) {
			t.Fatalf("element %d: record %s decodes to %v, want %v", i, g.Data, got, want)
		}
	}
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return v
}
