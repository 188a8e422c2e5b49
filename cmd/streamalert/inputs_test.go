package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Issue 12 item 11: symlinks and FIFOs inside a folder input were skipped
// silently. They are still skipped (a FIFO would block, a symlink may leave
// the folder), but counted and named.
func TestFolderInputNamesTheEntriesItSkips(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.log"), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a.log"), filepath.Join(dir, "link.log")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.log"), 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	var stderr strings.Builder
	files, err := expandInputs([]string{dir}, &stderr)
	if err != nil || len(files) != 1 || files[0].path != filepath.Join(dir, "a.log") {
		t.Fatalf("files %v, %v", files, err)
	}
	msg := stderr.String()
	for _, want := range []string{"skipped 2 entries that are not regular files", "link.log (symlink)", "pipe.log (named pipe)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr %q lacks %q", msg, want)
		}
	}
}
