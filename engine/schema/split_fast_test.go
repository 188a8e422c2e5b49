package schema

import (
	"reflect"
	"testing"
)

// FuzzSplitFastPaths: the copy-free paths of splitCSV and splitSpaced give
// what the general, rune-by-rune paths give.
func FuzzSplitFastPaths(f *testing.F) {
	for _, s := range []string{"a,b,,c", "2 123 eni-1 10.0.0.1 - 6 ACCEPT OK", "  x  y ", ",", "a\tb", "é,ü", "\xff,a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		line = trimLineEnd(line)
		if line == "" || trimLineEnd(line) != line {
			return // the functions trim one line end; compare on what they split
		}
		for _, d := range []rune{',', ' ', '\t', '|'} {
			got, gotErr := splitCSV(line, d, '"', '\\')
			want, wantErr := splitCSVQuoted(line, d, '"', 0)
			if hasAny(line, `"\`) {
				continue // the general path: nothing to compare
			}
			if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("splitCSV(%q, %q) = %q, %v; general path %q, %v", line, d, got, gotErr, want, wantErr)
			}
		}
		got, gotErr := splitSpaced(line)
		want, wantErr := splitSpacedQuoted(line)
		if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("splitSpaced(%q) = %q, %v; general path %q, %v", line, got, gotErr, want, wantErr)
		}
	})
}

func hasAny(s, chars string) bool {
	for _, c := range s {
		for _, d := range chars {
			if c == d {
				return true
			}
		}
	}
	return false
}
