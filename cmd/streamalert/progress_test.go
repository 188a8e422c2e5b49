package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/streamalert-go/streamalert/engine"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name        string
		read, total int64
		records     uint64
		alerts      uint64
		elapsed     time.Duration
		want        string
	}{
		{"bytes", 512, 0, 3, 0, time.Second, "512 B  3 records  3 records/s  0 alerts"},
		{"with total", 3 << 20, 12 << 20, 1000, 7, 2 * time.Second, "3.0 MiB / 12.0 MiB (25%)  1000 records  500 records/s  7 alerts"},
		{"grown past total", 2048, 1024, 1, 0, 0, "2.0 KiB / 1.0 KiB (100%)  1 records  0 records/s  0 alerts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := progressLine(tc.read, tc.total, tc.records, tc.alerts, tc.elapsed); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestConsoleWriter: a message erases the progress line first, and the
// finished progress leaves nothing behind.
func TestConsoleWriter(t *testing.T) {
	var b bytes.Buffer
	c := &consoleWriter{w: &b}
	c.showProgress("10 records")
	c.Write([]byte("streamalert: hello\n"))
	c.showProgress("20 records")
	c.clearProgress()
	c.clearProgress() // nothing shown: no output
	want := "\r10 records\033[K\r\033[Kstreamalert: hello\n\r20 records\033[K\r\033[K"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
}

// TestProgressQuietWithoutTerminal: not a terminal, no progress at all.
func TestProgressQuietWithoutTerminal(t *testing.T) {
	var b bytes.Buffer
	if isTerminal(&b) {
		t.Fatal("a buffer is not a terminal")
	}
	p := startProgress(&consoleWriter{w: &b}, false, 100, &engine.Stats{})
	if p != nil {
		t.Fatal("progress started without a terminal")
	}
	p.finish() // safe on nil
	if b.Len() != 0 {
		t.Fatalf("wrote %q", b.String())
	}
}

// TestProgressTicks draws the line on a (pretend) terminal and counts the
// bytes read through it.
func TestProgressTicks(t *testing.T) {
	var b syncBuffer
	st := &engine.Stats{}
	st.Raw.Add(5)
	p := startProgress(&consoleWriter{w: &b}, true, 10, st)
	r := p.reader(strings.NewReader("0123456789"))
	buf := make([]byte, 4)
	r.Read(buf)
	waitUntil(t, "a progress line", func() bool { return strings.Contains(b.String(), "4 B / 10 B (40%)  5 records") }, b.String)
	p.finish()
	if !strings.HasSuffix(b.String(), "\r\033[K") {
		t.Fatalf("line not erased: %q", b.String())
	}
}
