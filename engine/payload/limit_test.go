package payload

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Issue 12 item 8: a 2 GiB plain JSON-lines file was cut at the 1 GiB
// decompression limit, and the rest was neither classified nor
// dead-lettered. A plain payload has no size limit.
func TestReadDoesNotCutPlainFilesAtTheDecompressionLimit(t *testing.T) {
	const lines = 20_000
	var b strings.Builder
	for i := range lines {
		fmt.Fprintf(&b, "{\"n\":%d}\n", i)
	}
	n := 0
	err := Read(strings.NewReader(b.String()), Options{MaxPayloadSize: 1 << 10}, func(r Raw) error {
		if r.Err != nil {
			return r.Err
		}
		n++
		return nil
	})
	if err != nil || n != lines {
		t.Fatalf("read %d of %d records of a plain payload 200 times the decompression limit: %v", n, lines, err)
	}
}

// Issue 12 item 8: what the decompression limit stops is reported with
// exact counts, never a silent remainder.
func TestDecompressionLimitReportsExactCounts(t *testing.T) {
	const lines = 1000
	var b strings.Builder
	for i := range lines {
		fmt.Fprintf(&b, "line %04d\n", i) // 10 bytes a line
	}
	z := gz(t, b.String())
	var got []rec
	err := Read(strings.NewReader(string(z)), Options{MaxPayloadSize: 2500}, func(r Raw) error {
		got = append(got, rec{Data: string(r.Data), Line: r.Line, Err: r.Err})
		return nil
	})
	le, ok := errors.AsType[*LimitError](err)
	if !ok || !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("Read = %v, want a *LimitError", err)
	}
	// 2,500 bytes hold lines 1..250 whole; line 251 is where it stopped.
	want := LimitError{Format: "gzip", Limit: 2500, Line: 251, Records: 250}
	if le.Format != want.Format || le.Limit != want.Limit || le.Line != want.Line || le.Records != want.Records {
		t.Errorf("limit error %+v, want %+v", *le, want)
	}
	if le.CompressedRead <= 0 || le.CompressedLeft < 0 || le.CompressedRead+le.CompressedLeft != int64(len(z)) {
		t.Errorf("compressed %d read + %d left, want them to add up to the %d bytes of input", le.CompressedRead, le.CompressedLeft, len(z))
	}
	if len(got) != 250 || got[249].Data != "line 0249" || got[249].Line != 250 {
		t.Fatalf("records: %d, last %+v", len(got), got[len(got)-1])
	}
	for _, s := range []string{"line 251", "after 250 records", "compressed bytes read", "remaining"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}

	// A stream reports the same, without draining what may be endless.
	err = Stream(io.MultiReader(strings.NewReader(string(z))), Options{MaxPayloadSize: 2500}, func(r Raw) error { return nil })
	if le, ok := errors.AsType[*LimitError](err); !ok || le.Records != 250 || le.Line != 251 || le.CompressedLeft != -1 {
		t.Fatalf("Stream = %v (%+v)", err, le)
	}
}
