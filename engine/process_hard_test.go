package engine

import (
	"fmt"
	"strings"
	"testing"
)

// Issue 12 item 5: every distinct X-Log-Type header added a permanent cache
// entry, so a client could grow the process without end.
func TestCandidateCacheDoesNotGrowWithClientSuppliedNames(t *testing.T) {
	b := NewBundle(testSet(t), nil)
	for i := range 5000 {
		if _, err := b.candidates([]string{fmt.Sprintf("nosuch%d", i)}); err == nil {
			t.Fatalf("unknown name %d resolved", i)
		}
	}
	if n := len(b.cands); n != 0 {
		t.Fatalf("%d unresolvable name lists cached, want 0", n)
	}
	// Valid but ever-different lists (repetitions of a real family) are
	// cached only up to the bound, and still resolve past it.
	for i := range 2000 {
		names := strings.Split(strings.Repeat("osquery,", i%50+1)+fmt.Sprintf("cloudtrail:events%s", strings.Repeat(",cloudtrail", i/50)), ",")
		types, err := b.candidates(names)
		if err != nil || len(types) != 3 {
			t.Fatalf("list %d: %d types, %v", i, len(types), err)
		}
	}
	if n := len(b.cands); n > maxCandidateEntries {
		t.Fatalf("%d entries cached, bound is %d", n, maxCandidateEntries)
	}
	for k := range b.cands {
		if len(k) > maxCandidateKey {
			t.Fatalf("cached a %d-byte key, bound is %d", len(k), maxCandidateKey)
		}
	}
	// A cached list is served from the cache.
	if _, err := b.candidates([]string{"osquery"}); err != nil {
		t.Fatal(err)
	}
}
