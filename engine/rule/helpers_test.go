package rule

import (
	"reflect"
	"testing"

	"github.com/streamalert-go/streamalert/engine/diag"
)

func mustPrefixes(t *testing.T, vals ...any) *PrefixSet {
	t.Helper()
	s, err := ParsePrefixes(vals...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestInCIDR(t *testing.T) {
	tests := []struct {
		name  string
		ip    any
		cidrs any
		want  bool
		err   bool
	}{
		{"ipv4 inside", "10.1.2.3", "10.0.0.0/8", true, false},
		{"ipv4 outside", "11.1.2.3", "10.0.0.0/8", false, false},
		{"ipv4 edge low", "192.168.0.0", "192.168.0.0/16", true, false},
		{"ipv4 edge high", "192.168.255.255", "192.168.0.0/16", true, false},
		{"host bits in cidr", "10.9.9.9", "10.1.2.3/8", true, false},
		{"bare ip as /32", "8.8.8.8", "8.8.8.8", true, false},
		{"bare ip other", "8.8.8.9", "8.8.8.8", false, false},
		{"ipv6 inside", "2001:db8::1", "2001:db8::/32", true, false},
		{"ipv6 outside", "2001:db9::1", "2001:db8::/32", false, false},
		{"ipv6 vs ipv4 cidr", "::1", "0.0.0.0/0", false, false},
		{"ipv4-mapped ipv6 vs ipv4 cidr", "::ffff:10.1.2.3", "10.0.0.0/8", true, false},
		{"ipv4 vs ipv4-mapped cidr", "10.1.2.3", "::ffff:10.0.0.0/104", true, false},
		{"zone ignored", "fe80::1%eth0", "fe80::/10", true, false},
		{"spaces trimmed", " 10.0.0.1 ", "10.0.0.0/8", true, false},
		{"bad ip", "10.0.0.300", "10.0.0.0/8", false, false},
		{"hostname", "example.com", "0.0.0.0/0", false, false},
		{"empty", "", "0.0.0.0/0", false, false},
		{"nil ip", nil, "0.0.0.0/0", false, false},
		{"number ip", int64(167772161), "10.0.0.0/8", false, false},
		{"list of cidrs", "192.168.1.1", []any{"10.0.0.0/8", "192.168.0.0/16"}, true, false},
		{"nested lists", "172.16.0.1", []any{[]any{"10.0.0.0/8"}, []any{[]any{"172.16.0.0/12"}}}, true, false},
		{"empty list", "10.0.0.1", []any{}, false, false},
		{"nil cidrs", "10.0.0.1", nil, false, false},
		{"prebuilt", "10.0.0.1", mustPrefixes(t, "10.0.0.0/8"), true, false},
		{"bad cidr at run time", "10.0.0.1", "10.0.0.0/33", false, true},
		{"non-string cidr", "10.0.0.1", []any{int64(1)}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := InCIDR(tc.ip, tc.cidrs)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if err == nil && got != tc.want {
				t.Errorf("in_cidr(%v, %v) = %v, want %v", tc.ip, tc.cidrs, got, tc.want)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*.exe", "cmd.exe", true},
		{"*.exe", "cmd.exe.txt", false},
		{"*", "", true},
		{"*", "a/b/c", true}, // fnmatch: * crosses /
		{"/usr/*/bin", "/usr/local/sbin/x/bin", true},
		{"?", "a", true},
		{"?", "", false},
		{"?", "é", true}, // one rune
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"[abc]x", "bx", true},
		{"[abc]x", "dx", false},
		{"[a-c]", "b", true},
		{"[!a-c]", "b", false},
		{"[!a-c]", "d", true},
		{"[^a-c]", "d", true},
		{"[]]", "]", true},
		{"[a-]", "-", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"Cmd.EXE", "cmd.exe", false}, // case-sensitive
		{"", "", true},
		{"", "a", false},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"~"+tc.s, func(t *testing.T) {
			g, err := CompileGlob(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.Match(tc.s); got != tc.want {
				t.Errorf("glob(%q, %q) = %v, want %v", tc.s, tc.pattern, got, tc.want)
			}
		})
	}
	for _, bad := range []string{"[abc", "[!", "a[", "[z-a]"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if _, err := CompileGlob(bad); err == nil {
				t.Errorf("CompileGlob(%q) succeeded, want error", bad)
			}
		})
	}
}

func TestGlobMatchArgs(t *testing.T) {
	tests := []struct {
		name string
		s    any
		pats any
		want bool
		err  bool
	}{
		{"string pattern", "a.sh", "*.sh", true, false},
		{"list", "a.py", []any{"*.sh", "*.py"}, true, false},
		{"nested list", "a.py", []any{[]any{"*.sh"}, []any{"*.py"}}, true, false},
		{"no match", "a.rb", []any{"*.sh", "*.py"}, false, false},
		{"non-string input", int64(3), "*", false, false},
		{"nil input", nil, "*", false, false},
		{"nil patterns", "x", nil, false, false},
		{"bad pattern", "x", "[x", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := GlobMatch(tc.s, tc.pats)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if err == nil && got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSet(t *testing.T) {
	s := NewSet([]any{"alice", int64(3), 2.5, true})
	tests := []struct {
		v    any
		want bool
	}{
		{"alice", true}, {"bob", false}, {int64(3), true}, {3, true}, {3.0, true},
		{2.5, true}, {int64(2), false}, {true, true}, {false, false}, {nil, false},
		{[]any{"alice"}, false}, {"3", false},
	}
	for _, tc := range tests {
		if got := s.Has(tc.v); got != tc.want {
			t.Errorf("Has(%#v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestFindKeys(t *testing.T) {
	doc := map[string]any{
		"b":  map[string]any{"id": "b.id", "deep": map[string]any{"id": "b.deep.id"}},
		"a":  []any{map[string]any{"id": "a0.id"}, []any{map[string]any{"id": "a10.id"}}},
		"id": "root.id",
	}
	tests := []struct {
		name string
		x    any
		key  any
		want []any
		err  bool
	}{
		{"breadth first, lists transparent, sorted keys", doc, "id", []any{"root.id", "a0.id", "a10.id", "b.id", "b.deep.id"}, false},
		{"absent", doc, "nope", []any{}, false},
		{"value is a container", map[string]any{"x": map[string]any{"x": 1}}, "x", []any{map[string]any{"x": 1}, 1}, false},
		{"top-level list", []any{map[string]any{"k": 1}, map[string]any{"k": 2}}, "k", []any{1, 2}, false},
		{"nil", nil, "k", []any{}, false},
		{"scalar", "s", "k", []any{}, false},
		{"non-string key", doc, 1, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindKeys(tc.x, tc.key)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v", err)
			}
			if err == nil && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		name string
		x    any
		want []any
	}{
		{"depth first, sorted keys", map[string]any{
			"b": []any{int64(1), map[string]any{"z": "z", "y": "y"}},
			"a": "a",
			"c": nil,
		}, []any{"a", int64(1), "y", "z"}},
		{"nested lists", []any{[]any{[]any{"x"}}, "y"}, []any{"x", "y"}},
		{"scalar", "s", []any{"s"}},
		{"nil", nil, []any{}},
		{"bool and float", map[string]any{"t": true, "f": 1.5}, []any{1.5, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Values(tc.x)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestTryJSON(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"object", `{"a": [1, "x"]}`, map[string]any{"a": []any{1.0, "x"}}},
		{"bytes", []byte(`[true]`), []any{true}},
		{"number", "3", 3.0},
		{"not json", "{oops", nil},
		{"empty", "", nil},
		{"trailing garbage", `{} x`, nil},
		{"non-string", int64(3), nil},
		{"nil", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TryJSON(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"conditon", "condition"},
		{"log_type", "log_types"},
		{"severty", "severity"},
		{"outptus", "outputs"},
		{"zzzzzzzz", ""},
		{"x", ""},
	}
	for _, tc := range tests {
		if got := diag.Suggest(tc.in, RuleKeys); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
