package rulesd_test

import (
	"bufio"
	"bytes"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// The sample logs `streamalert run examples/logs/` reads, and the golden set
// of (rule, file) pairs that run fires (cmd/streamalert's TestExamples keeps
// the golden file equal to what the run prints).
const (
	examplesDir    = "../examples/logs"
	examplesGolden = "../cmd/streamalert/testdata/examples.golden"
)

// TestExamplesFireTheirFamilies: every file of examples/logs fires at least
// one rule that applies to a log type the file's records classify as, and
// every log type family that has enabled rules has such a file. A family
// whose sample goes benign (or whose sample is removed) fails here, naming
// the family and the rules that could fire.
func TestExamplesFireTheirFamilies(t *testing.T) {
	rs, set := build(t)
	c := schema.NewClassifier(set)

	golden := map[string][]string{} // file -> rules fired on it
	f, err := os.Open(examplesGolden)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		rule, file, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("%s:%d: want RULE<TAB>FILE, got %q", examplesGolden, n, sc.Text())
		}
		golden[path.Base(file)] = append(golden[path.Base(file)], rule)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(golden) == 0 {
		t.Fatalf("%s holds no alerts", examplesGolden)
	}

	files, err := filepath.Glob(filepath.Join(examplesDir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example files in %s (%v)", examplesDir, err)
	}
	covered := map[string]string{} // family -> a file firing one of its rules
	for _, file := range files {
		name := filepath.Base(file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]bool{}
		err = payload.Read(bytes.NewReader(data), payload.Options{}, func(raw payload.Raw) error {
			if raw.Err != nil {
				return nil // TestExamples reports unreadable input
			}
			recs, err := c.Classify(raw.Data, nil)
			if err != nil {
				return nil // and unclassified records
			}
			for _, r := range recs {
				types[r.Type.Name] = true
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var applicable []string
		fired := false
		for lt := range types {
			for _, r := range rs.RulesFor(lt) {
				applicable = append(applicable, r)
				if slices.Contains(golden[name], r) {
					fired = true
					covered[family(lt)] = name
				}
			}
		}
		slices.Sort(applicable)
		applicable = slices.Compact(applicable)
		switch {
		case len(types) == 0:
			t.Errorf("examples/logs/%s: no record classifies", name)
		case len(applicable) == 0:
			t.Errorf("examples/logs/%s: no enabled rule applies to its log types %v", name, sortedSet(types))
		case !fired:
			t.Errorf("examples/logs/%s: fires none of the rules of its log types %v (want one of %v in %s)",
				name, sortedSet(types), applicable, examplesGolden)
		}
	}

	for _, lt := range rs.LogTypes() {
		if len(rs.RulesFor(lt)) == 0 {
			continue
		}
		if _, ok := covered[family(lt)]; !ok {
			t.Errorf("family %s (log type %s, rules %v): no file of examples/logs fires one of its rules",
				family(lt), lt, rs.RulesFor(lt))
		}
	}
}

// family is the part of a log type name before the colon ("zeek" for
// "zeek:conn").
func family(logType string) string {
	f, _, _ := strings.Cut(logType, ":")
	return f
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
