package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/rules.d"
	"github.com/streamalert-go/streamalert/schemas"
)

// fixtures is the repository's testdata/ruleck folder.
const fixtures = "../../testdata/ruleck"

// want is one expected diagnostic, read from a fixture's "# want:" comment.
type want struct {
	line    int
	code    string
	pattern []string // substrings the message holds, in order
}

var wantRE = regexp.MustCompile(`want(@\d+)?:`)

// parseWants reads the expectations of a fixture: "# want: CODE TEXT" at the
// end of the offending line, or "# want@LINE: CODE TEXT" anywhere (for lines
// inside block scalars, where a comment would be part of the value). TEXT may
// hold "..." between pieces the message must hold in order; "; want:" starts
// another expectation on the same line.
func parseWants(t *testing.T, src string) []want {
	t.Helper()
	var out []want
	for i, line := range strings.Split(src, "\n") {
		hash := strings.Index(line, "# want")
		if hash < 0 {
			continue
		}
		comment := line[hash+2:]
		locs := wantRE.FindAllStringSubmatchIndex(comment, -1)
		for j, loc := range locs {
			end := len(comment)
			if j+1 < len(locs) {
				end = locs[j+1][0]
			}
			text := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(comment[loc[1]:end]), ";"))
			code, rest, _ := strings.Cut(text, " ")
			w := want{line: i + 1, code: code}
			if loc[2] >= 0 {
				n, err := strconv.Atoi(comment[loc[2]+1 : loc[3]])
				if err != nil {
					t.Fatalf("line %d: bad want line: %v", i+1, err)
				}
				w.line = n
			}
			for _, p := range strings.Split(rest, "...") {
				if p = strings.TrimSpace(p); p != "" {
					w.pattern = append(w.pattern, p)
				}
			}
			out = append(out, w)
		}
	}
	return out
}

func (w want) matches(d diag.Diagnostic) bool {
	if d.Pos.Line != w.line || d.Code != w.code {
		return false
	}
	msg := d.Message
	for _, p := range w.pattern {
		i := strings.Index(msg, p)
		if i < 0 {
			return false
		}
		msg = msg[i+len(p):]
	}
	return true
}

func (w want) String() string {
	return fmt.Sprintf("line %d: %s %q", w.line, w.code, strings.Join(w.pattern, " ... "))
}

func loadFixtureSchemas(t *testing.T) (*schema.Set, *config.Config) {
	t.Helper()
	set, diags := schema.Load(os.DirFS(filepath.Join(fixtures, "schemas")))
	if len(diags) > 0 {
		t.Fatalf("fixture schemas: %v", diags)
	}
	data, err := os.ReadFile(filepath.Join(fixtures, "streamalert.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(data, "streamalert.yaml")
	if len(diags) > 0 {
		t.Fatalf("fixture config: %v", diags)
	}
	return set, cfg
}

// TestBadFixtures lints each testdata/ruleck/*.bad.yaml, next to the shared
// fixture library, and compares the diagnostics positioned in it with its
// "# want:" comments: same lines, codes and message pieces, nothing more.
func TestBadFixtures(t *testing.T) {
	set, cfg := loadFixtureSchemas(t)
	libFiles, err := filepath.Glob(filepath.Join(fixtures, "lib", "*.yaml"))
	if err != nil || len(libFiles) == 0 {
		t.Fatalf("no fixture library: %v", err)
	}
	base := fstest.MapFS{}
	for _, f := range libFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base["lib/"+filepath.Base(f)] = &fstest.MapFile{Data: data}
	}
	bad, err := filepath.Glob(filepath.Join(fixtures, "*.bad.yaml"))
	if err != nil || len(bad) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	codes := map[string]bool{}
	for _, f := range bad {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".bad.yaml"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			wants := parseWants(t, string(data))
			if len(wants) == 0 {
				t.Fatal("fixture has no # want: comment")
			}
			fsys := fstest.MapFS{}
			for k, v := range base {
				fsys[k] = v
			}
			file := "rules/" + name
			fsys[file] = &fstest.MapFile{Data: data}
			var got diag.List
			for _, d := range lint.Check(fsys, lint.Options{Schemas: set, Config: cfg}) {
				// Most fixtures show one problem with one test case; only
				// weak-tests' own fixture is about a missing negative case.
				if d.Code == "weak-tests" && name != "weak-tests.bad.yaml" {
					continue
				}
				if d.Pos.File == file {
					got = append(got, d)
					codes[d.Code] = true
				}
			}
			used := make([]bool, len(got))
			for _, w := range wants {
				i := slices.IndexFunc(got, func(d diag.Diagnostic) bool { return w.matches(d) })
				for i >= 0 && used[i] {
					j := slices.IndexFunc(got[i+1:], func(d diag.Diagnostic) bool { return w.matches(d) })
					if j < 0 {
						i = -1
					} else {
						i += 1 + j
					}
				}
				if i < 0 {
					t.Errorf("missing %v", w)
					continue
				}
				used[i] = true
			}
			for i, d := range got {
				if !used[i] {
					t.Errorf("unexpected %v", d)
				}
			}
			if t.Failed() {
				t.Logf("all diagnostics:\n%v", got)
			}
		})
	}
	// Every fixture is named after the code it demonstrates.
	for _, f := range bad {
		code := strings.TrimSuffix(filepath.Base(f), ".bad.yaml")
		if !codes[code] {
			t.Errorf("%s: no diagnostic with code %q", filepath.Base(f), code)
		}
	}
}

// TestShippedRules checks that the embedded rule pack is free of errors
// against the embedded schemas (warnings are listed, not failed).
func TestShippedRules(t *testing.T) {
	set, diags := schema.Load(schemas.FS)
	if diags.HasErrors() {
		t.Fatalf("embedded schemas: %v", diags)
	}
	got := lint.Check(rulesd.FS, lint.Options{Schemas: set})
	for _, d := range got {
		if d.Severity == diag.Error {
			t.Errorf("%v", d)
		} else {
			t.Logf("%v", d)
		}
	}
}

// TestReadmeListsEveryCode checks that the README's table of diagnostic
// codes documents every code a fixture demonstrates.
func TestReadmeListsEveryCode(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "### Diagnostic codes")
	if !ok {
		t.Fatal("README.md has no Diagnostic codes section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| (`[a-z-]+`(?: / `[a-z-]+`)*) \\|").FindAllStringSubmatch(table, -1) {
		for _, c := range strings.Split(m[1], " / ") {
			documented[strings.Trim(c, "`")] = true
		}
	}
	bad, err := filepath.Glob(filepath.Join(fixtures, "*.bad.yaml"))
	if err != nil || len(bad) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range bad {
		if code := strings.TrimSuffix(filepath.Base(f), ".bad.yaml"); !documented[code] {
			t.Errorf("code %s (testdata/ruleck/%s) is not in README.md's Diagnostic codes table", code, filepath.Base(f))
		}
	}
}
