package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestSnapshotNeverTearsAnEdit: an editor saves two files as one edit (each
// by write-and-rename, a few milliseconds apart) over and over; every
// snapshot taken meanwhile holds both files of one edit, never the first of
// one and the second of another (a reload read half an edit before).
func TestSnapshotNeverTearsAnEdit(t *testing.T) {
	dir := t.TempDir()
	save := func(name string, n int) {
		tmp := filepath.Join(dir, "."+name+".tmp")
		os.WriteFile(tmp, []byte(fmt.Sprintf("edit: %d\n", n)), 0o644)
		os.Rename(tmp, filepath.Join(dir, name))
	}
	save("a.yaml", 0)
	save("b.yaml", 0)
	var done atomic.Bool
	go func() {
		defer done.Store(true)
		for n := 1; n <= 150; n++ {
			save("a.yaml", n)
			time.Sleep(2 * time.Millisecond)
			save("b.yaml", n)
			time.Sleep(3 * time.Millisecond)
		}
	}()
	snaps, refused := 0, 0
	for !done.Load() {
		trees, err := snapshot(reloadSettle, dir)
		if err != nil {
			refused++
			continue
		}
		snaps++
		a, _ := fs.ReadFile(trees[0], "a.yaml")
		b, _ := fs.ReadFile(trees[0], "b.yaml")
		if string(a) != string(b) {
			t.Fatalf("a torn snapshot: a.yaml %q, b.yaml %q", a, b)
		}
	}
	trees, err := snapshot(reloadSettle, dir)
	if err != nil {
		t.Fatalf("quiet folder: %v", err)
	}
	if a, _ := fs.ReadFile(trees[0], "a.yaml"); string(a) != "edit: 150\n" {
		t.Fatalf("final snapshot %q", a)
	}
	t.Logf("%d snapshots while saving, %d refused as still changing", snaps, refused)
}
