package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"
)

// AliasBomb returns a "billion laughs" YAML document under key: levels of
// anchors, each a list of ten aliases to the one before, so that it expands
// to 10^levels values from about 100 bytes a level.
func aliasBomb(key string, levels int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	fmt.Fprintf(&b, "%s: *a%d\n", key, levels)
	return b.String()
}

// Issue 12 item 1: a 988-byte schema of nested anchors expanded to 10⁹
// fields and the process died of out-of-memory, also on a --watch reload.
func TestLoadRejectsAliasBombInsteadOfRunningOutOfMemory(t *testing.T) {
	// As a schema: the anchors are where field types go.
	var b strings.Builder
	b.WriteString("bomb:log:\n  parser: json\n  schema:\n")
	b.WriteString("    f0: &f0 {a: string, b: string, c: string, d: string, e: string, f: string, g: string, h: string, i: string, j: string}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "    f%d: &f%d {", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "k%d: *f%d", j, i-1)
		}
		b.WriteString("}\n")
	}
	src := b.String()
	if len(src) > 1500 {
		t.Fatalf("the bomb is %d bytes, meant to be about 1 KB", len(src))
	}
	set, diags := Load(fstest.MapFS{"bomb.yaml": {Data: []byte(src)}})
	if set != nil {
		t.Fatal("a schema file with an alias bomb loaded")
	}
	var found bool
	for _, d := range diags {
		if d.Code == CodeAliasBomb {
			found = true
			if d.Pos.File != "bomb.yaml" || d.Pos.Line < 1 || d.Pos.Col < 1 {
				t.Errorf("position %v, want a line and column in bomb.yaml", d.Pos)
			}
			if !strings.Contains(d.Message, "excessive aliasing") {
				t.Errorf("message %q", d.Message)
			}
		}
	}
	if !found {
		t.Fatalf("no %s diagnostic in %v", CodeAliasBomb, diags)
	}

	// Modest reuse of anchors still loads.
	ok := "a:t:\n  parser: json\n  schema:\n    x: &s {u: string, v: integer}\n    y: *s\n    z: *s\n"
	if set, diags := Load(fstest.MapFS{"ok.yaml": {Data: []byte(ok)}}); set == nil {
		t.Fatalf("anchors reused twice: %v", diags)
	}
}

func TestCheckAliasesBoundary(t *testing.T) {
	for _, tc := range []struct {
		levels int
		bomb   bool
	}{{2, false}, {3, false}, {4, true}, {30, true}} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(aliasBomb("k", tc.levels)), &doc); err != nil {
			t.Fatal(err)
		}
		d := CheckAliases("f.yaml", &doc)
		if (d != nil) != tc.bomb {
			t.Errorf("%d levels (about 11^%d values): diagnostic %v, want bomb=%v", tc.levels, tc.levels+2, d, tc.bomb)
		}
	}
}

// FuzzLoad loads arbitrary bytes as a schema file: diagnostics, never a
// panic, and never unbounded work (the seeds include alias bombs).
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/schemas/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(aliasBomb("bomb:log", 9)))
	f.Add([]byte("t:x:\n  parser: json\n  schema: &s {a: *s}\n"))
	f.Add([]byte("t:x:\n  parser: json\n  schema: {a: string}\n  configuration: &c {log_patterns: {a: [x]}, priority: 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, diags := Load(fstest.MapFS{"f.yaml": {Data: data}})
		if set == nil && !diags.HasErrors() {
			t.Fatal("no set and no error")
		}
	})
}
