package payload

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// rec is a yielded record with its data copied.
type rec struct {
	Data string
	Line int
	Err  error
}

func collect(t testing.TB, read func(io.Reader, Options, func(Raw) error) error, in []byte, opts Options) ([]rec, error) {
	t.Helper()
	var got []rec
	err := read(bytes.NewReader(in), opts, func(r Raw) error {
		got = append(got, rec{Data: string(r.Data), Line: r.Line, Err: r.Err})
		return nil
	})
	return got, err
}

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zl(t testing.TB, s string, level int) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := zlib.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const pretty = "{\n  \"name\": \"logged_in_users\",\n  \"columns\": {\"user\": \"alice\"}\n}\n"

func ok(data string, line int) rec { return rec{Data: data, Line: line} }

func TestRead(t *testing.T) {
	jsonLines := "{\"a\":1}\n{\"a\":2}\n"
	tests := []struct {
		name string
		in   []byte
		opts Options
		want []rec
	}{
		{"raw lines", []byte("one\ntwo\nthree\n"), Options{}, []rec{ok("one", 1), ok("two", 2), ok("three", 3)}},
		{"final line without newline", []byte("one\ntwo"), Options{}, []rec{ok("one", 1), ok("two", 2)}},
		{"CRLF", []byte("one\r\ntwo\r\n"), Options{}, []rec{ok("one", 1), ok("two", 2)}},
		{"CR inside a line is kept", []byte("a\rb\r\n"), Options{}, []rec{ok("a\rb", 1)}},
		{"empty and blank lines skipped, numbers kept", []byte("\n\none\n  \t\n\r\ntwo\n\n"), Options{}, []rec{ok("one", 3), ok("two", 6)}},
		{"empty payload", nil, Options{}, nil},
		{"only blank", []byte(" \n\n\t"), Options{}, nil},
		{"JSON lines", []byte(jsonLines), Options{}, []rec{ok(`{"a":1}`, 1), ok(`{"a":2}`, 2)}},
		{"one JSON line is one document", []byte("{\"a\":1}\n"), Options{}, []rec{ok(`{"a":1}`, 0)}},
		{"pretty-printed document", []byte("\n" + pretty), Options{}, []rec{ok(strings.TrimSpace(pretty), 0)}},
		{"JSON array document", []byte("[\n {\"a\": 1},\n {\"a\": 2}\n]"), Options{}, []rec{ok("[\n {\"a\": 1},\n {\"a\": 2}\n]", 0)}},
		{"broken document falls back to lines", []byte("{\n\"a\": \n"), Options{}, []rec{ok("{", 1), ok(`"a": `, 2)}},
		{"JSON scalar is not a document", []byte("\"s\"\n"), Options{}, []rec{ok(`"s"`, 1)}},
		{"BOM dropped", []byte("\xef\xbb\xbf{\"a\":1}"), Options{}, []rec{ok(`{"a":1}`, 0)}},
		{"BOM dropped before lines", []byte("\xef\xbb\xbfone\ntwo"), Options{}, []rec{ok("one", 1), ok("two", 2)}},
		{"gzip JSON lines", gz(t, jsonLines), Options{}, []rec{ok(`{"a":1}`, 1), ok(`{"a":2}`, 2)}},
		{"gzip document", gz(t, pretty), Options{}, []rec{ok(strings.TrimSpace(pretty), 0)}},
		{"gzip raw CRLF lines", gz(t, "a b\r\n\r\nc d\r\n"), Options{}, []rec{ok("a b", 1), ok("c d", 3)}},
		{"zlib default", zl(t, jsonLines, zlib.DefaultCompression), Options{}, []rec{ok(`{"a":1}`, 1), ok(`{"a":2}`, 2)}},
		{"zlib best", zl(t, "x\ny\n", zlib.BestCompression), Options{}, []rec{ok("x", 1), ok("y", 2)}},
		{"zlib fastest", zl(t, "x\ny\n", zlib.BestSpeed), Options{}, []rec{ok("x", 1), ok("y", 2)}},
		{"zlib stored", zl(t, "x\ny\n", zlib.NoCompression), Options{}, []rec{ok("x", 1), ok("y", 2)}},
		{"text that starts like zlib", []byte("x^ marks the spot\nnext\n"), Options{}, []rec{ok("x^ marks the spot", 1), ok("next", 2)}},
		{"x alone", []byte("x"), Options{}, []rec{ok("x", 1)}},
		{"unicode", []byte("héllo wörld ✓\n"), Options{}, []rec{ok("héllo wörld ✓", 1)}},
		{"JSON lines bigger than a record", []byte(strings.Repeat("{\"k\": \"0123456789\"}\n", 10)), Options{MaxRecordSize: 40},
			func() []rec {
				var w []rec
				for i := 1; i <= 10; i++ {
					w = append(w, ok(`{"k": "0123456789"}`, i))
				}
				return w
			}()},
		{"bracketed raw lines bigger than a record", []byte("[INFO] started\n[WARN] disk\n[INFO] done\n"), Options{MaxRecordSize: 20},
			[]rec{ok("[INFO] started", 1), ok("[WARN] disk", 2), ok("[INFO] done", 3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := collect(t, Read, tc.in, tc.opts)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			assertRecs(t, got, tc.want)
		})
	}
}

func assertRecs(t *testing.T, got, want []rec) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		g, w := got[i], want[i]
		data := g.Data == w.Data
		if errors.Is(w.Err, ErrOversize) && len(w.Data) > DefaultOversizeKeep { // only a prefix is kept
			data = len(g.Data) > 0 && len(g.Data) <= DefaultOversizeKeep && strings.HasPrefix(w.Data, g.Data)
		}
		if !data || g.Line != w.Line || (g.Err == nil) != (w.Err == nil) || (w.Err != nil && !errors.Is(g.Err, w.Err)) {
			t.Errorf("record %d = {%q line %d err %v}, want {%q line %d err %v}", i, g.Data, g.Line, g.Err, w.Data, w.Line, w.Err)
		}
	}
}

func TestReadErrors(t *testing.T) {
	big := strings.Repeat("a", 10<<20)
	trunc := gz(t, "first\nsecond\nthird line that is cut")
	trunc = trunc[:len(trunc)-12]
	bomb := gz(t, "line\n"+strings.Repeat("z", 1<<20)+"\n")

	tests := []struct {
		name    string
		in      []byte
		opts    Options
		want    []rec
		wantErr error // nil: Read must succeed
		errText string
	}{
		{"10 MB line then a line", []byte("before\n" + big + "\nafter\n"), Options{},
			[]rec{ok("before", 1), {Data: big, Line: 2, Err: ErrOversize}, ok("after", 3)}, nil, ""},
		{"10 MB line with CRLF", []byte(big + "\r\nafter"), Options{},
			[]rec{{Data: big, Line: 1, Err: ErrOversize}, ok("after", 2)}, nil, ""},
		{"line at the limit", []byte("12345\n123456\r\n1234\r\n"), Options{MaxRecordSize: 5},
			[]rec{ok("12345", 1), {Data: "123456", Line: 2, Err: ErrOversize}, ok("1234", 3)}, nil, ""},
		{"invalid UTF-8 line", []byte("good\nba\xffd\ngood again"), Options{},
			[]rec{ok("good", 1), {Data: "ba\xffd", Line: 2, Err: ErrInvalidUTF8}, ok("good again", 3)}, nil, ""},
		{"invalid UTF-8 document", []byte("{\"a\": \"\xc3\"}"), Options{},
			[]rec{{Data: "{\"a\": \"\xc3\"}", Line: 0, Err: ErrInvalidUTF8}}, nil, ""},
		{"oversize pretty document", []byte("{\n \"a\": [\n" + strings.Repeat("  1,\n", 100) + "  1\n ]\n}\n"), Options{MaxRecordSize: 64},
			streamedOnes(3, 101), nil, ""},
		{"truncated gzip", trunc, Options{}, []rec{ok("first", 1), ok("second", 2)}, io.ErrUnexpectedEOF, "payload: gzip:"},
		{"truncated gzip header", gz(t, "x")[:5], Options{}, nil, io.ErrUnexpectedEOF, "payload: gzip:"},
		{"decompression bomb", bomb, Options{MaxPayloadSize: 1 << 16}, []rec{ok("line", 1)}, ErrPayloadTooLarge, "more than 65536 bytes"},
		{"plain payload over the decompression limit is not cut", []byte("aaaa\nbbbb\ncccc\n"), Options{MaxPayloadSize: 12}, []rec{ok("aaaa", 1), ok("bbbb", 2), ok("cccc", 3)}, nil, ""},
		{"payload exactly at the limit", []byte("aaaa\nbbbb\n"), Options{MaxPayloadSize: 10}, []rec{ok("aaaa", 1), ok("bbbb", 2)}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := collect(t, Read, tc.in, tc.opts)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("Read: %v", err)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("Read error = %v, want %v", err, tc.wantErr)
			case tc.errText != "" && !strings.Contains(err.Error(), tc.errText):
				t.Fatalf("Read error %q does not contain %q", err, tc.errText)
			}
			assertRecs(t, got, tc.want)
		})
	}
}

func TestErrorMessages(t *testing.T) {
	got, err := collect(t, Read, []byte("ok\nab\xfe\n"+strings.Repeat("x", 30)+"\n"), Options{MaxRecordSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d records", len(got))
	}
	if msg := got[1].Err.Error(); !strings.Contains(msg, "offset 2") || !strings.Contains(msg, "0xfe") {
		t.Errorf("UTF-8 error %q lacks the offset or byte", msg)
	}
	if msg := got[2].Err.Error(); !strings.Contains(msg, "30 bytes, limit 20") {
		t.Errorf("oversize error %q lacks size and limit", msg)
	}

	// A big document streamed element by element, then data after it: the
	// elements are records, and what follows is kept in a record saying so.
	in := "{\n \"a\": [\n" + strings.Repeat("  1,\n", 30) + "  1\n ]\n}\n{\"b\": 2}\n"
	got, err = collect(t, Read, []byte(in), Options{MaxRecordSize: 32})
	if err != nil {
		t.Fatal(err)
	}
	want := append(streamedOnes(3, 31), rec{Data: `{"b": 2}`, Line: 36, Err: ErrBadDocument})
	checkAgainst(t, got, want)
	if msg := got[len(got)-1].Err.Error(); !strings.Contains(msg, "data after the JSON document (whose 31 records were read)") {
		t.Errorf("error %q does not say what happened", msg)
	}

	// A multi-line JSON start that is not one document and has no array of
	// records, too big to replay.
	in = "{\n \"a\": {\n" + strings.Repeat("  \"k\": 1,\n", 30) + "  \"z\": 1\n }\n}\n{\"b\": 2}\n"
	got, err = collect(t, Read, []byte(in), Options{MaxRecordSize: 32})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Line != 0 || !errors.Is(got[0].Err, ErrOversize) || !strings.Contains(got[0].Err.Error(), "not one") {
		t.Errorf("got %+v, want one oversize record saying it is not one document", got)
	}
	if !strings.Contains(got[0].Err.Error(), "bytes, limit 32") || !strings.Contains(got[0].Err.Error(), fmt.Sprintf(" %d bytes", len(in))) {
		t.Errorf("error %q does not give the payload size %d", got[0].Err, len(in))
	}
}

// streamedOnes is n records {"a":[1]}, one per line from line first: the
// elements of a pretty-printed {"a": [1, 1, ...]} streamed.
func streamedOnes(first, n int) []rec {
	var out []rec
	for i := range n {
		out = append(out, rec{Data: `{"a":[1]}`, Line: first + i})
	}
	return out
}

func TestUTF8Clip(t *testing.T) {
	line := strings.Repeat("é", 2000) // 2-byte runes: a cut at 1024 is on a boundary
	line = "a" + line                 // now it is not
	got, err := collect(t, Read, []byte(line+"\n"), Options{MaxRecordSize: 100, OversizeKeep: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !errors.Is(got[0].Err, ErrOversize) {
		t.Fatalf("got %+v", got)
	}
	if d := got[0].Data; len(d) > 1024 || len(d) < 1020 || !strings.HasPrefix(line, d) || strings.ToValidUTF8(d, "?") != d {
		t.Errorf("prefix of %d bytes is not a valid UTF-8 prefix of the line", len(d))
	}
}

func TestYieldErrorStops(t *testing.T) {
	stop := errors.New("stop")
	for name, read := range map[string]func(io.Reader, Options, func(Raw) error) error{"Read": Read, "Stream": Stream} {
		t.Run(name, func(t *testing.T) {
			n := 0
			err := read(strings.NewReader("a\nb\nc\n"), Options{}, func(Raw) error {
				n++
				return stop
			})
			if err != stop || n != 1 {
				t.Errorf("err = %v after %d yields, want stop after 1", err, n)
			}
		})
	}
}

func TestStream(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		opts Options
		want []rec
	}{
		{"lines", []byte("one\r\n\ntwo\n  \nthree"), Options{}, []rec{ok("one", 1), ok("two", 3), ok("three", 5)}},
		{"no document detection", []byte(pretty), Options{}, []rec{ok("{", 1), ok(`  "name": "logged_in_users",`, 2), ok(`  "columns": {"user": "alice"}`, 3), ok("}", 4)}},
		{"gzip", gz(t, "a\nb\n"), Options{}, []rec{ok("a", 1), ok("b", 2)}},
		{"zlib", zl(t, "a\nb\n", zlib.DefaultCompression), Options{}, []rec{ok("a", 1), ok("b", 2)}},
		{"BOM", []byte("\xef\xbb\xbfa\n"), Options{}, []rec{ok("a", 1)}},
		{"oversize", []byte("aaaaaaaaaa\nb\n"), Options{MaxRecordSize: 4}, []rec{{Data: "aaaaaaaaaa", Line: 1, Err: ErrOversize}, ok("b", 2)}},
		{"invalid UTF-8", []byte("\xff\n"), Options{}, []rec{{Data: "\xff", Line: 1, Err: ErrInvalidUTF8}}},
		{"plain stream is not size-limited", []byte("aaaa\nbbbb\ncccc\n"), Options{MaxPayloadSize: 4}, []rec{ok("aaaa", 1), ok("bbbb", 2), ok("cccc", 3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := collect(t, Stream, tc.in, tc.opts)
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			assertRecs(t, got, tc.want)
		})
	}

	t.Run("compressed stream is size-limited", func(t *testing.T) {
		_, err := collect(t, Stream, gz(t, strings.Repeat("a\n", 1000)), Options{MaxPayloadSize: 100})
		if !errors.Is(err, ErrPayloadTooLarge) {
			t.Errorf("err = %v, want ErrPayloadTooLarge", err)
		}
	})
	t.Run("truncated gzip", func(t *testing.T) {
		in := gz(t, "a\nb\n")
		_, err := collect(t, Stream, in[:len(in)-4], Options{})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v, want unexpected EOF", err)
		}
	})
}

// TestStreamYieldsEachLineAsItArrives writes a line, waits for it to be
// yielded before writing the next: Stream must not wait for more input.
func TestStreamYieldsEachLineAsItArrives(t *testing.T) {
	pr, pw := io.Pipe()
	lines := make(chan string)
	done := make(chan error, 1)
	go func() {
		done <- Stream(pr, Options{}, func(r Raw) error {
			lines <- string(r.Data)
			return nil
		})
		close(lines)
	}()
	for _, l := range []string{"a", "second", "third"} { // "a\n" is shorter than a BOM
		if _, err := io.WriteString(pw, l+"\n"); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-lines:
			if got != l {
				t.Fatalf("got %q, want %q", got, l)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("line %q not yielded while the writer waits", l)
		}
	}
	go func() { _, _ = io.WriteString(pw, "last"); pw.Close() }()
	if got := <-lines; got != "last" {
		t.Fatalf("got %q, want the final line without newline", got)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// repeatReader yields n bytes of c, then a newline and tail, without
// allocating the n bytes.
type repeatReader struct {
	c    byte
	n    int
	tail string
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		k := min(len(p), r.n)
		for i := range p[:k] {
			p[i] = r.c
		}
		r.n -= k
		return k, nil
	}
	if r.tail == "" {
		return 0, io.EOF
	}
	k := copy(p, r.tail)
	r.tail = r.tail[k:]
	return k, nil
}

func TestStreamOversizeIsNotBuffered(t *testing.T) {
	const n = 10 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var got []rec
	err := Stream(&repeatReader{c: 'q', n: n, tail: "\nnext\n"}, Options{OversizeKeep: 1 << 20}, func(r Raw) error {
		got = append(got, rec{Data: string(r.Data), Line: r.Line, Err: r.Err})
		return nil
	})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !errors.Is(got[0].Err, ErrOversize) || len(got[0].Data) != 1<<20 || got[1] != ok("next", 2) {
		t.Fatalf("got %d records, first err %v", len(got), got[0].Err)
	}
	if !strings.Contains(got[0].Err.Error(), "10485760 bytes") {
		t.Errorf("error %q does not give the line's size", got[0].Err)
	}
	// The record limit and the kept start (1 MiB each) and buffers may be
	// allocated, never the line.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 6<<20 {
		t.Errorf("Stream allocated %d bytes for a %d-byte line", alloc, n)
	}
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	for i := range 10000 {
		buf.WriteString(`{"name":"logged_in_users","hostIdentifier":"host-`)
		buf.WriteString(strings.Repeat("x", i%17))
		buf.WriteString(`","unixTime":1700000000,"columns":{"user":"alice","host":"10.0.0.1"}}` + "\n")
	}
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := Read(bytes.NewReader(in), Options{}, func(Raw) error { n++; return nil }); err != nil || n != 10000 {
			b.Fatalf("Read: %v after %d records", err, n)
		}
	}
}
