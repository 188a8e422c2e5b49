package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestChromium(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "chromium")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Run("env", func(t *testing.T) {
		t.Setenv("STREAMALERT_TEST_CHROMIUM", fake)
		if got := Chromium(t); got != fake {
			t.Errorf("Chromium() = %q, want %q", got, fake)
		}
	})
	t.Run("path", func(t *testing.T) {
		t.Setenv("STREAMALERT_TEST_CHROMIUM", "")
		t.Setenv("PATH", dir)
		if got := Chromium(t); got != fake {
			t.Errorf("Chromium() = %q, want %q", got, fake)
		}
	})
}
