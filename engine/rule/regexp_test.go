package rule

import (
	"regexp"
	"testing"
)

func TestRegexpLiteral(t *testing.T) {
	for pattern, want := range map[string]string{
		`^curl .*evil12`:         "evil12", // the longest required literal
		`(?i)^powershell`:        "",       // case-folded: not usable
		`foo|bar`:                "",       // neither is required
		`^(cmd|powershell)\.exe`: ".exe",
		`(abc)+x`:                "abc",
		`\d+\.\d+`:               ".",
		`nc\s+-e`:                "nc",
		`x*`:                     "",
		`(a)?b`:                  "b",
	} {
		r, err := CompileRegexp(pattern)
		if err != nil {
			t.Fatalf("%s: %v", pattern, err)
		}
		if r.literal != want {
			t.Errorf("CompileRegexp(%q).literal = %q, want %q", pattern, r.literal, want)
		}
	}
	if _, err := CompileRegexp(`(`); err == nil {
		t.Error("a bad pattern compiled")
	}
}

// TestRegexpSameAsRegexp: the prefilter never changes a result.
func TestRegexpSameAsRegexp(t *testing.T) {
	patterns := []string{`^curl .*evil12`, `(?i)EVIL`, `^(cmd|powershell)\.exe$`, `(ab)+c`, `a{2,3}b`,
		`nc\s+-e\s+/bin/(ba)?sh`, `^$`, `x*`, `\x{202e}`, `[^a-z]z`, `(?s)a.b`, `foo|bar`}
	inputs := []string{"", "curl http://evil12.example", "curl evil1", "EVIL", "evil", "cmd.exe", "powershell.exe",
		"xcmd.exe", "ababc", "abc", "aab", "aaab", "nc -e /bin/sh", "nc -e /bin/bash", "nc  -e  /bin/zsh",
		"\u202e", "0z", "a\nb", "foo", "bar", "a b"}
	for _, p := range patterns {
		r, err := CompileRegexp(p)
		if err != nil {
			t.Fatal(err)
		}
		plain := regexp.MustCompile(p)
		for _, s := range inputs {
			if got, want := r.MatchString(s), plain.MatchString(s); got != want {
				t.Errorf("%q matches %q: %v, regexp says %v", s, p, got, want)
			}
		}
	}
}

func FuzzRegexpPrefilter(f *testing.F) {
	f.Add(`^curl .*evil`, "curl x evil")
	f.Add(`(ab)+c`, "abababc")
	f.Add(`a{2}b|c`, "aab")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		r, err := CompileRegexp(pattern)
		if err != nil {
			return
		}
		if got, want := r.MatchString(s), regexp.MustCompile(pattern).MatchString(s); got != want {
			t.Fatalf("%q matches %q: %v, regexp says %v", s, pattern, got, want)
		}
	})
}
