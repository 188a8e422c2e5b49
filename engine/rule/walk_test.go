package rule

import (
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"
)

func TestWalkVisible(t *testing.T) {
	fsys := fstest.MapFS{
		".git/config.yaml":   {Data: []byte("x")},
		".hidden.yaml":       {Data: []byte("x")},
		"a/.swp.yaml":        {Data: []byte("x")},
		"a/.cache/deep.yaml": {Data: []byte("x")},
		"a/b/c.yaml":         {Data: []byte("x")},
		"a/notes.txt":        {Data: []byte("x")},
		"top.yml":            {Data: []byte("x")},
	}
	var got []string
	err := WalkVisible(fsys, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/b/c.yaml", "a/notes.txt", "top.yml"}; !slices.Equal(got, want) {
		t.Fatalf("visited %q, want %q", got, want)
	}
}
