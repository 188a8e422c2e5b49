package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"
)

// snapshotAttempts bounds how often snapshot reads the folders again while
// their files keep changing.
const snapshotAttempts = 10

// snapshot reads the rule and schema files (*.yaml, *.yml, *.json; names
// starting with a dot skipped) of every folder in dirs into memory, twice,
// settle apart, until two reads agree (settle 0, at start-up: once), so a reload sees all of an edit that
// touched several files or none of it — never the first file saved and the
// second not yet. An editor that keeps writing for snapshotAttempts reads
// is an error (the reload fails, the last good ruleset stays, and the next
// change tries again). "" in dirs is the embedded defaults: a nil entry.
func snapshot(settle time.Duration, dirs ...string) ([]fs.FS, error) {
	read := func() ([]fstest.MapFS, error) {
		out := make([]fstest.MapFS, len(dirs))
		for i, d := range dirs {
			if d == "" {
				continue
			}
			m, err := readSnapshotTree(d)
			if err != nil {
				return nil, err
			}
			out[i] = m
		}
		return out, nil
	}
	prev, err := read()
	if err != nil {
		return nil, err
	}
	if settle <= 0 { // start-up: one read, as there is no edit to race
		return asFS(prev), nil
	}
	for range snapshotAttempts {
		time.Sleep(settle)
		cur, err := read()
		if err != nil {
			return nil, err
		}
		if sameTrees(prev, cur) {
			return asFS(cur), nil
		}
		prev = cur
	}
	var named []string
	for _, d := range dirs {
		if d != "" {
			named = append(named, d)
		}
	}
	return nil, fmt.Errorf("the files of %s kept changing while being read (%d reads); waiting for the next change", strings.Join(named, ", "), snapshotAttempts+1)
}

// asFS turns read trees into fs.FS values, nil staying nil (the embedded
// defaults).
func asFS(trees []fstest.MapFS) []fs.FS {
	out := make([]fs.FS, len(trees))
	for i, m := range trees {
		if m != nil {
			out[i] = m
		}
	}
	return out
}

func readSnapshotTree(dir string) (fstest.MapFS, error) {
	m := fstest.MapFS{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		switch filepath.Ext(p) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			if os.IsNotExist(err) { // removed between the listing and the read
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data, Mode: 0o444}
		return nil
	})
	return m, err
}

func sameTrees(a, b []fstest.MapFS) bool {
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for k, f := range a[i] {
			g, ok := b[i][k]
			if !ok || !bytes.Equal(f.Data, g.Data) {
				return false
			}
		}
	}
	return true
}
