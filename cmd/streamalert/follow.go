package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/streamalert-go/streamalert/engine"
)

// followPoll is how often a followed file is checked for new data, rotation
// and truncation once it has been read to its end.
const followPoll = 100 * time.Millisecond

// followReader reads a file like `tail -F`, from its beginning, and never
// ends on its own: at the end of the data it waits for more. It survives
// rotation by rename (the path now names a new file: the old file is read
// to its end, then the new one from its beginning) and truncation (the file
// got shorter than what was read: reading starts again at its beginning).
// When the path does not exist yet, or is between a rotation's rename and
// create, it waits for it. Read returns ctx's error once ctx ends.
type followReader struct {
	ctx  context.Context
	path string
	out  io.Writer // notices: waiting, rotated, truncated

	f        *os.File
	info     os.FileInfo // of f, when opened
	off      int64       // bytes read from f
	lastByte byte        // last byte returned, to end a cut line on rotation
	pending  []byte      // bytes to return before reading on
	waiting  bool        // "waiting for" was printed
}

func newFollowReader(ctx context.Context, path string, out io.Writer) *followReader {
	return &followReader{ctx: ctx, path: path, out: out, lastByte: '\n'}
}

func (r *followReader) Read(b []byte) (int, error) {
	for {
		if len(r.pending) > 0 {
			n := copy(b, r.pending)
			r.pending = r.pending[n:]
			r.lastByte = b[n-1]
			return n, nil
		}
		if err := r.ctx.Err(); err != nil {
			return 0, err
		}
		if r.f == nil {
			if !r.open() {
				if err := r.sleep(); err != nil {
					return 0, err
				}
				continue
			}
		}
		n, err := r.f.Read(b)
		if n > 0 {
			r.off += int64(n)
			r.lastByte = b[n-1]
			return n, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("follow %s: %w", r.path, err)
		}
		// At the end of the data: has the file been rotated or truncated?
		if r.checkRotation() {
			continue
		}
		if err := r.sleep(); err != nil {
			return 0, err
		}
	}
}

// open opens the path; false when it does not exist (yet).
func (r *followReader) open() bool {
	f, err := os.Open(r.path)
	if err != nil {
		if !r.waiting {
			if errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintf(r.out, "streamalert: follow: waiting for %s to appear\n", r.path)
			} else {
				fmt.Fprintf(r.out, "streamalert: follow: %v (retrying)\n", err)
			}
			r.waiting = true
		}
		return false
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return false
	}
	r.f, r.info, r.off, r.waiting = f, info, 0, false
	return true
}

// checkRotation looks at what the path names now. It reports whether there
// may be data to read at once (a new file, or the truncated file again).
func (r *followReader) checkRotation() bool {
	cur, err := os.Stat(r.path)
	if err != nil {
		return false // renamed away and not yet recreated: keep the old file until a new one appears
	}
	if !os.SameFile(cur, r.info) {
		// Rotated by rename: the old file was read to its end just now.
		// Anything written to it between that read and this check is read
		// by a last pass before switching.
		r.drainOld()
		r.f.Close()
		r.f = nil
		fmt.Fprintf(r.out, "streamalert: follow: %s was rotated; reading the new file\n", r.path)
		r.endLine()
		return true
	}
	if cur.Size() < r.off {
		if _, err := r.f.Seek(0, io.SeekStart); err == nil {
			fmt.Fprintf(r.out, "streamalert: follow: %s was truncated; reading from its beginning\n", r.path)
			r.off = 0
			r.endLine()
			return true
		}
	}
	return false
}

// drainOld queues what is left in the old file after a rotation.
func (r *followReader) drainOld() {
	rest, _ := io.ReadAll(r.f)
	r.off += int64(len(rest))
	r.pending = append(r.pending, rest...)
}

// endLine makes sure a line cut by a rotation or truncation does not run
// into the first line of the new data.
func (r *followReader) endLine() {
	last := r.lastByte
	if len(r.pending) > 0 {
		last = r.pending[len(r.pending)-1]
	}
	if last != '\n' {
		r.pending = append(r.pending, '\n')
	}
}

func (r *followReader) sleep() error {
	t := time.NewTimer(followPoll)
	defer t.Stop()
	select {
	case <-r.ctx.Done():
		return r.ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *followReader) close() {
	if r.f != nil {
		r.f.Close()
	}
}

// follow streams path line by line into the pipeline until ctx ends.
func follow(ctx context.Context, p *pipeline, path string, out io.Writer) error {
	r := newFollowReader(ctx, path, out)
	defer r.close()
	src := engine.Source{Service: "file", Entity: path}
	err := p.feed(ctx, src, r, true, p.candidates(src), nil)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, errSinkClosed) {
		return fmt.Errorf("follow %s: %w", path, err)
	}
	return nil
}
