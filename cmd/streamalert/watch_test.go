package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestWatchLifecycle edits the rules of a running session the ways an
// analyst does and checks, after each edit, what the next records trigger.
func TestWatchLifecycle(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--watch", "-")
	off := s.waitStderr(0, `watching .* \(1 rules, 1 log types\)`)

	var want []string
	expect := func(step string, names ...string) {
		t.Helper()
		want = append(want, names...)
		got := s.waitAlerts(len(want))
		if !slices.Equal(got, want) {
			t.Fatalf("%s: alerts %v, want %v\n%s", step, got, want, s.dump())
		}
	}
	// Each step sends records that must not alert, then one that must: the
	// last alert proves the earlier records were processed too.
	s.send(event("beta", 1), event("alpha", 2))
	expect("start", "kind_alpha")

	beta := filepath.Join(rules, "beta.yaml")
	writeFile(t, beta, testRule("kind_beta", "beta"))
	off = s.waitStderr(off, `ruleset live: 2 rules, 1 log types \(added: kind_beta\)`)
	s.send(event("beta", 3))
	expect("add", "kind_beta")

	writeFile(t, beta, "name: kind_beta\nlog_types: [test:event]\ncondition: record.kind ==\n")
	off = s.waitStderr(off, `reload failed \(\d+ errors\); still serving the last good ruleset: 2 rules`)
	if !regexp.MustCompile(regexp.QuoteMeta(beta) + `:3:\d+: `).MatchString(s.stderr.String()) {
		t.Fatalf("no positioned diagnostic for %s:3\n%s", beta, s.dump())
	}
	s.send(event("alpha", 4), event("beta", 5))
	expect("broken edit keeps the old rules", "kind_alpha", "kind_beta")

	writeFile(t, beta, testRule("kind_beta", "gamma"))
	off = s.waitStderr(off, `ruleset live: 2 rules, 1 log types \(changed: kind_beta\)`)
	s.send(event("beta", 6), event("gamma", 7))
	expect("fixed", "kind_beta")

	replaceFile(t, filepath.Join(rules, "alpha.yaml"), testRule("kind_alpha", "delta"))
	off = s.waitStderr(off, `ruleset live: 2 rules, 1 log types \(changed: kind_alpha\)`)
	s.send(event("alpha", 8), event("delta", 9))
	expect("rename over", "kind_alpha")

	writeFile(t, filepath.Join(rules, "sub", "deeper", "eps.yaml"), testRule("kind_eps", "eps"))
	off = s.waitStderr(off, `ruleset live: 3 rules, 1 log types \(added: kind_eps\)`)
	s.send(event("eps", 10))
	expect("new sub-folder", "kind_eps")
	writeFile(t, filepath.Join(rules, "sub", "deeper", "eps.yaml"), testRule("kind_eps", "epsilon"))
	off = s.waitStderr(off, `\(changed: kind_eps\)`)
	s.send(event("epsilon", 11))
	expect("edit in new sub-folder", "kind_eps")

	if err := os.Remove(beta); err != nil {
		t.Fatal(err)
	}
	off = s.waitStderr(off, `ruleset live: 2 rules, 1 log types \(removed: kind_beta\)`)
	s.send(event("gamma", 12), event("delta", 13))
	expect("delete", "kind_alpha")

	// Touching a file without changing any rule reloads and says so.
	writeFile(t, filepath.Join(rules, "alpha.yaml"), "# a comment\n"+testRule("kind_alpha", "delta"))
	s.waitStderr(off, `ruleset live: 2 rules, 1 log types \(no rule changed\)`)

	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	if !strings.Contains(s.stderr.String(), "13 raw records, 13 records classified, 0 unclassified, 9 alerts") {
		t.Fatalf("summary wrong\n%s", s.dump())
	}
}

// TestWatchSchemaChange reloads when a schema changes: a record of a new log
// type classifies after the schema lands, and a broken schema keeps the old
// bundle.
func TestWatchSchemaChange(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--watch", "-")
	off := s.waitStderr(0, `watching`)
	writeFile(t, filepath.Join(schemas, "bad.yaml"), "other:thing:\n  parser: nope\n  schema: {a: string}\n")
	off = s.waitStderr(off, `bad\.yaml:\d+:\d+: .*\n(.*\n)*.*reload failed`)
	writeFile(t, filepath.Join(schemas, "bad.yaml"), "other:thing:\n  parser: json\n  schema: {zzz: string}\n")
	s.waitStderr(off, `ruleset live: 1 rules, 2 log types \(no rule changed\)`)
	s.send(`{"zzz":"x"}`, event("alpha", 1))
	s.waitAlerts(1)
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(s.stderr.String(), "2 raw records, 2 records classified, 0 unclassified, 1 alerts") {
		t.Fatalf("summary wrong\n%s", s.dump())
	}
}

func TestUsageErrors(t *testing.T) {
	rules, schemas := testDirs(t, nil)
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"watch without folders", []string{"--watch", "-"}, "--watch needs --rules or --schemas"},
		{"no input", []string{"--rules", rules, "--schemas", schemas}, "no INPUT given"},
		{"token without listen", []string{"--token-file", "x", "-"}, "--token-file needs --listen"},
		{"follow a folder", []string{"--follow", dir}, "is a folder"},
		{"bad max body", []string{"--listen", "127.0.0.1:0", "--max-body", "0"}, "--max-body must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb syncBuffer
			code := run(t.Context(), append([]string{"run"}, tc.args...), strings.NewReader(""), &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), tc.msg) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.msg)
			}
		})
	}
}

// TestWatchLibraryChange: editing a shared list or matcher changes the
// rules that use it (and only those), and takes effect at once.
func TestWatchLibraryChange(t *testing.T) {
	lib := "lists:\n  bad_users: [u1]\nmatchers:\n  is_test: log_type == \"test:event\"\n"
	rules, schemas := testDirs(t, map[string]string{
		"lib.yaml":   lib,
		"users.yaml": "name: bad_user\nlog_types: [test:event]\ncondition: record.user in lists.bad_users\n",
		"kinds.yaml": "name: kind_alpha\nlog_types: [test:event]\nmatchers: [is_test]\ncondition: record.kind == \"alpha\"\n",
		"other.yaml": testRule("kind_other", "other"),
	})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--watch", "-")
	off := s.waitStderr(0, "watching")
	s.send(event("x", 2), event("x", 1))
	if got := s.waitAlerts(1); got[0] != "bad_user" {
		t.Fatalf("alerts %v", got)
	}
	writeFile(t, filepath.Join(rules, "lib.yaml"), strings.Replace(lib, "[u1]", "[u1, u2]", 1))
	off = s.waitStderr(off, `ruleset live: 3 rules, 1 log types \(changed: bad_user\)`)
	s.send(event("x", 2))
	s.waitAlerts(2)
	writeFile(t, filepath.Join(rules, "lib.yaml"), strings.Replace(lib, `log_type == "test:event"`, `log_type startsWith "test"`, 1))
	s.waitStderr(off, `ruleset live: 3 rules, 1 log types \(changed: bad_user, kind_alpha\)`)
}
