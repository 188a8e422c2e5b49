package testenv

import (
	"os"
	"os/exec"
	"testing"
)

const chromiumHint = "install it (Debian: apt-get install chromium; .ci/run does) or set STREAMALERT_TEST_CHROMIUM to the browser's path"

// Chromium returns the path of a Chromium (or Chrome) browser for headless
// end-to-end tests: STREAMALERT_TEST_CHROMIUM when set (it must name an
// executable file), else the first of chromium, chromium-browser,
// google-chrome on PATH. When there is none it calls Missing: the test is
// skipped locally and fails under CI.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("STREAMALERT_TEST_CHROMIUM"); p != "" {
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			Missing(t, "STREAMALERT_TEST_CHROMIUM=%s is not an executable file (%v): %s", p, err, chromiumHint)
			return ""
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, "no Chromium on PATH: %s", chromiumHint)
	return ""
}
