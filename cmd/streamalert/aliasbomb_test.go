package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Issue 12 item 1: a schema file of nested YAML anchors (about 1 KB,
// expanding to 10⁹ fields) killed a --watch server with out-of-memory,
// taking its held alerts and queued deliveries along. The reload must fail
// with the file's position and leave the server on its last good bundle.
func TestWatchSurvivesAliasBombInSchemas(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--watch", "-")
	off := s.waitStderr(0, `watching .* \(1 rules, 1 log types\)`)
	s.send(event("alpha", 1))
	if got := s.waitAlerts(1); !slices.Equal(got, []string{"kind_alpha"}) {
		t.Fatalf("alerts %v\n%s", got, s.dump())
	}

	var b strings.Builder
	b.WriteString("bomb:log:\n  parser: json\n  schema:\n    f0: &f0 {a: string, b: string, c: string, d: string, e: string, f: string, g: string, h: string, i: string, j: string}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "    f%d: &f%d {k0: *f%d, k1: *f%d, k2: *f%d, k3: *f%d, k4: *f%d, k5: *f%d, k6: *f%d, k7: *f%d, k8: *f%d, k9: *f%d}\n",
			i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	bomb := filepath.Join(schemas, "bomb.yaml")
	writeFile(t, bomb, b.String())
	s.waitStderr(off, `reload failed`)
	if !strings.Contains(s.stderr.String(), bomb+":") || !strings.Contains(s.stderr.String(), "excessive aliasing") {
		t.Fatalf("no positioned excessive-aliasing diagnostic for %s\n%s", bomb, s.dump())
	}
	s.send(event("alpha", 2))
	if got := s.waitAlerts(2); !slices.Equal(got, []string{"kind_alpha", "kind_alpha"}) {
		t.Fatalf("after the bomb: alerts %v\n%s", got, s.dump())
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
}
