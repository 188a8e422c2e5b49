// Command zipdir writes a reproducible zip archive of a folder's regular
// files: the same files give the same bytes, whoever builds them, wherever and
// whenever. It is how `make package` turns each Lambda function's `bootstrap`
// into a deployment zip.
//
// Usage:
//
//	go run ./.ci/zipdir OUT.zip DIR
//	go run ./.ci/zipdir -l ZIP
//
// The second form lists ZIP's entries, one a line: mode, size, name (as
// `make package-check` reads them).
//
// Entries are DIR's regular files at any depth, named by their slash-separated
// path under DIR and written in byte order of those names, deflated, with one
// fixed modification time (1980-01-01 00:00:00 UTC, the earliest a zip can
// record) and Unix mode 0755 when the owner may execute the file, 0644
// otherwise. Nothing else about a file (owner, times, other mode bits) is
// recorded. Symbolic links, sockets and other non-regular files are an error,
// as is an empty folder. OUT.zip is written to a temporary file beside it
// and renamed, so a failed run leaves no partial archive.
//
// Exit status: 0 when the archive was written, 1 on any error (printed on
// stderr), 2 on a usage error.
package main

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// modTime is the time every entry records: the zip format's DOS epoch.
var modTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: zipdir OUT.zip DIR | zipdir -l ZIP")
		os.Exit(2)
	}
	run := write
	if os.Args[1] == "-l" {
		run = func(_, zip string) error { return list(os.Stdout, zip) }
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "zipdir:", err)
		os.Exit(1)
	}
}

// write archives the regular files under dir into out (see the package doc).
func write(out, dir string) (err error) {
	names, err := files(dir)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := archive(tmp, dir, names); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

// files lists the slash-separated names of the regular files under dir,
// sorted, or says why dir cannot be archived.
func files(dir string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file (%s)", path, d.Type())
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no files to archive", dir)
	}
	sort.Strings(names)
	return names, nil
}

// archive writes the zip of names (relative to dir) to w.
func archive(w io.Writer, dir string, names []string) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, name := range names {
		if err := add(zw, dir, name); err != nil {
			return err
		}
	}
	return zw.Close()
}

// add writes one entry, its header fixed but for the name and the owner's
// execute bit.
func add(zw *zip.Writer, dir, name string) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", f.Name())
	}
	mode := fs.FileMode(0o644)
	if info.Mode().Perm()&0o100 != 0 {
		mode = 0o755
	}
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modTime}
	h.SetMode(mode)
	ew, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	n, err := io.Copy(ew, f)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	if n != info.Size() {
		return errors.New(f.Name() + ": changed while it was archived")
	}
	return nil
}

// list prints the entries of the zip archive at path to w: mode, size, name.
func list(w io.Writer, path string) error {
	r, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	defer r.Close()
	for _, f := range r.File {
		if _, err := fmt.Fprintf(w, "%v %d %s\n", f.Mode(), f.UncompressedSize64, f.Name); err != nil {
			return err
		}
	}
	return nil
}
