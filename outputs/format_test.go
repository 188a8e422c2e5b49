package outputs

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzChunks: pieces fit the limit, stay valid UTF-8, and rejoin to the
// input.
func FuzzChunks(f *testing.F) {
	f.Add("a\nbb\nccc", 4)
	f.Add(strings.Repeat("é&amp;x", 100), 10)
	f.Add(strings.Repeat("line\n", 50), 12)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 8 || n > 5000 || !utf8.ValidString(s) {
			return
		}
		parts := chunks(s, n)
		var rebuilt strings.Builder
		for i, p := range parts {
			if len(p) > n {
				t.Fatalf("part %d has %d bytes > %d", i, len(p), n)
			}
			if !utf8.ValidString(p) {
				t.Fatalf("part %d is not valid UTF-8", i)
			}
			rebuilt.WriteString(p)
		}
		if rebuilt.String() != s {
			t.Fatalf("rejoined parts differ from the input")
		}
	})
}

func TestPagerDutyIncidentAlreadyOpen(t *testing.T) {
	c := httpCases[2]
	if c.name != "pagerduty-incident:sec" {
		t.Fatal("case order changed")
	}
	d, _, srv, a := setupHTTPCase(t, c, Options{},
		step{status: 400, body: `{"error":{"message":"Invalid Input Provided","code":2001,"errors":["Open incident with matching dedup key already exists on this service"]}}`})
	if r := d.Deliver(context.Background(), c.name, a); r.Err != nil || len(srv.requests()) != 1 {
		t.Fatalf("an already-open incident with our key should count as delivered: %+v", r)
	}
}
