package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/streamalert-go/streamalert/engine"
)

// inputFile is one file to read once, with its size for the progress line.
type inputFile struct {
	path string
	size int64
}

// stdinInput stands for standard input in a list of inputFile.
const stdinInput = "-"

// expandInputs resolves the INPUT arguments in order: "-" stays as is, a
// folder becomes its regular, non-hidden files in lexical order
// (recursively), a file stays a file. Missing paths are errors. Entries of
// a folder that are not regular files (symlinks, named pipes, sockets,
// devices) are skipped, and each folder's skipped entries are counted and
// named on stderr.
func expandInputs(args []string, stderr io.Writer) (files []inputFile, err error) {
	var errs []error
	for _, in := range args {
		if in == stdinInput {
			files = append(files, inputFile{path: stdinInput})
			continue
		}
		info, err := os.Stat(in)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !info.IsDir() {
			files = append(files, inputFile{in, info.Size()})
			continue
		}
		var found []inputFile
		var skipped []string
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != in && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && !d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				skipped = append(skipped, fmt.Sprintf("%s (%s)", p, fileKind(d.Type())))
			}
			if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				fi, err := d.Info()
				if err != nil {
					return err
				}
				found = append(found, inputFile{p, fi.Size()})
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].path < found[j].path })
		files = append(files, found...)
		if len(skipped) > 0 {
			what := "entries that are not regular files"
			if len(skipped) == 1 {
				what = "entry that is not a regular file"
			}
			fmt.Fprintf(stderr, "streamalert: %s: skipped %d %s: %s\n", in, len(skipped), what, nameSome(skipped, maxNamedSkips))
		}
	}
	return files, errors.Join(errs...)
}

// maxNamedSkips is how many skipped entries of a folder are named; the rest
// are counted.
const maxNamedSkips = 20

func nameSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// fileKind names a file type that is not a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "irregular file"
}

// readInputs reads each input once, in order: a file as an S3 object is
// read (gzip detected, one JSON document or lines), with progress; stdin
// line by line as it arrives. It returns the number of inputs that could not
// be read; each failure is printed.
func readInputs(ctx context.Context, p *pipeline, files []inputFile, stdin io.Reader, prog *progress, stderr io.Writer) int {
	failed := 0
	// The files' records share one pool of workers, results in order; it
	// is drained before stdin (read as it arrives) and at the end.
	var pool *engine.Ordered
	drain := func() {
		if pool == nil {
			return
		}
		if err := pool.Close(); err != nil && !errors.Is(err, errSinkClosed) {
			fmt.Fprintf(stderr, "streamalert: %v\n", err)
			failed++
		}
		pool = nil
	}
	for _, in := range files {
		if ctx.Err() != nil {
			break
		}
		var err error
		if in.path == stdinInput {
			drain()
			err = readStdin(ctx, p, stdin)
		} else {
			if pool == nil {
				pool = p.newOrdered(nil)
			}
			err = readFile(ctx, p, in, prog, pool)
		}
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, errSinkClosed) {
			fmt.Fprintf(stderr, "streamalert: %v\n", err)
			failed++
		}
	}
	drain()
	return failed
}

// readFile reads one file into pool (see readInputs).
func readFile(ctx context.Context, p *pipeline, in inputFile, prog *progress, pool *engine.Ordered) error {
	fh, err := os.Open(in.path)
	if err != nil {
		return err
	}
	defer fh.Close()
	src := engine.Source{Service: "file", Entity: in.path}
	var r io.Reader = fh
	if prog != nil {
		r = prog.reader(fh)
	}
	if err := p.readInto(ctx, src, r, p.candidates(src), p.opts(), pool); err != nil {
		return fmt.Errorf("%s: %w", in.path, err)
	}
	return nil
}

// readStdin streams standard input line by line until EOF or ctx ends.
func readStdin(ctx context.Context, p *pipeline, stdin io.Reader) error {
	src := engine.Source{Service: "stdin", Entity: "-"}
	if err := p.feed(ctx, src, stdin, true, p.candidates(src), nil); err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	return nil
}
