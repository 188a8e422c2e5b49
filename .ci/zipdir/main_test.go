package main

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tree writes files (name → content; a name ending in "*" is executable)
// under a new folder, with the given modification time.
func tree(t *testing.T, files map[string]string, mtime time.Time) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		mode := fs.FileMode(0o600)
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), 0o700
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSameBytesFromDifferentTimesAndModes(t *testing.T) {
	files := map[string]string{"bootstrap*": "\x7fELF binary", "conf/b.txt": "b", "a.txt": strings.Repeat("a", 5000)}
	one := filepath.Join(t.TempDir(), "one.zip")
	two := filepath.Join(t.TempDir(), "two.zip")
	if err := write(one, tree(t, files, time.Now())); err != nil {
		t.Fatal(err)
	}
	dir := tree(t, files, time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC))
	// Other permission bits than the owner's execute bit are not recorded.
	if err := os.Chmod(filepath.Join(dir, "a.txt"), 0o664); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "bootstrap"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := write(two, dir); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(one)
	b, _ := os.ReadFile(two)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("archives differ (%d and %d bytes)", len(a), len(b))
	}
}

func TestEntries(t *testing.T) {
	out := filepath.Join(t.TempDir(), "f.zip")
	files := map[string]string{"bootstrap*": "run me", "z/data.json": "{}", "b.txt": "plain"}
	if err := write(out, tree(t, files, time.Now())); err != nil {
		t.Fatal(err)
	}
	r, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := []struct {
		name, content string
		mode          fs.FileMode
	}{
		{"b.txt", "plain", 0o644},
		{"bootstrap", "run me", 0o755},
		{"z/data.json", "{}", 0o644},
	}
	if len(r.File) != len(want) {
		t.Fatalf("%d entries, want %d", len(r.File), len(want))
	}
	for i, f := range r.File {
		w := want[i]
		if f.Name != w.name || f.Mode() != w.mode || f.Method != zip.Deflate || !f.Modified.Equal(modTime) {
			t.Errorf("entry %d: %s %v method %d %v, want %s %v deflate %v", i, f.Name, f.Mode(), f.Method, f.Modified, w.name, w.mode, modTime)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != w.content {
			t.Errorf("%s: content %q (%v), want %q", f.Name, got, err, w.content)
		}
	}
}

func TestRefusesWhatItCannotArchive(t *testing.T) {
	withLink := tree(t, map[string]string{"bootstrap*": "x"}, time.Now())
	if err := os.Symlink("bootstrap", filepath.Join(withLink, "link")); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{
		"empty folder":  t.TempDir(),
		"missing":       filepath.Join(t.TempDir(), "nosuch"),
		"symbolic link": withLink,
	} {
		t.Run(name, func(t *testing.T) {
			outDir := t.TempDir()
			if err := write(filepath.Join(outDir, "f.zip"), dir); err == nil {
				t.Fatal("no error")
			}
			if left, _ := os.ReadDir(outDir); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

func TestList(t *testing.T) {
	out := filepath.Join(t.TempDir(), "f.zip")
	if err := write(out, tree(t, map[string]string{"bootstrap*": "run me", "a.txt": "ab"}, time.Now())); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := list(&b, out); err != nil {
		t.Fatal(err)
	}
	if want := "-rw-r--r-- 2 a.txt\n-rwxr-xr-x 6 bootstrap\n"; b.String() != want {
		t.Errorf("list = %q, want %q", b.String(), want)
	}
	if err := list(&b, filepath.Join(t.TempDir(), "nosuch.zip")); err == nil {
		t.Error("listing a missing archive: no error")
	}
}
