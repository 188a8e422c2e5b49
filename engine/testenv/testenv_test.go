package testenv

import (
	"testing"
)

func TestInCI(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "1": true, "false": false, "": false, "yes": false} {
		t.Setenv("CI", v)
		if got := InCI(); got != want {
			t.Errorf("CI=%q: InCI() = %v, want %v", v, got, want)
		}
	}
}

func TestRepoRoot(t *testing.T) {
	if root := RepoRoot(t); root == "" {
		t.Fatal("empty root")
	}
}
