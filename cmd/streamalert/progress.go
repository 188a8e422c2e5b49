package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/streamalert-go/streamalert/engine"
)

// progressInterval is how often the progress line is redrawn.
const progressInterval = 250 * time.Millisecond

// isTerminal reports whether w is a terminal (only an *os.File can be).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress draws one status line on a terminal while files are read: bytes
// read (of the total), records, records per second, alerts. The line is
// redrawn in place with \r about four times a second, and is not drawn at
// all for a read that ends before the first tick (small files stay quiet).
type progress struct {
	w     *consoleWriter
	stats *engine.Stats
	total int64
	read  atomic.Int64
	start time.Time

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// startProgress starts the progress line, or returns nil when w is not a
// terminal. total is the bytes to read (0 when unknown).
func startProgress(w *consoleWriter, terminal bool, total int64, stats *engine.Stats) *progress {
	if !terminal {
		return nil
	}
	p := &progress{w: w, stats: stats, total: total, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *progress) run() {
	defer close(p.done)
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.w.showProgress(progressLine(p.read.Load(), p.total, p.stats.Raw.Load(), p.stats.Alerts.Load(), time.Since(p.start)))
		}
	}
}

// finish stops the line and erases it. Safe to call more than once and on
// a nil progress.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		close(p.stop)
		<-p.done
		p.w.clearProgress()
	})
}

// reader counts the bytes read through r.
func (p *progress) reader(r io.Reader) io.Reader {
	return &countingReader{r: r, n: &p.read}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// progressLine formats the status line, e.g.
// "12.3 MiB / 40.0 MiB (30%)  120345 records  60172 records/s  17 alerts".
func progressLine(read, total int64, records, alerts uint64, elapsed time.Duration) string {
	s := byteSize(read)
	if total > 0 {
		pct := min(100, read*100/total)
		s += fmt.Sprintf(" / %s (%d%%)", byteSize(total), pct)
	}
	rate := 0.0
	if secs := elapsed.Seconds(); secs > 0 {
		rate = float64(records) / secs
	}
	return fmt.Sprintf("%s  %d records  %.0f records/s  %d alerts", s, records, rate, alerts)
}

func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// consoleWriter serializes writes to stderr from the many goroutines of a
// session (watcher, followers, HTTP handlers) so lines do not interleave,
// and erases the progress line before any other text so messages never
// land in the middle of it (the next tick redraws it).
type consoleWriter struct {
	mu    sync.Mutex
	w     io.Writer
	shown bool // a progress line is on screen
}

func (c *consoleWriter) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shown {
		io.WriteString(c.w, "\r\033[K")
		c.shown = false
	}
	return c.w.Write(b)
}

func (c *consoleWriter) showProgress(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.w, "\r"+line+"\033[K")
	c.shown = true
}

func (c *consoleWriter) clearProgress() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shown {
		io.WriteString(c.w, "\r\033[K")
		c.shown = false
	}
}
