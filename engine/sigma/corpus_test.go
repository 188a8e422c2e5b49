package sigma

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/engine/testenv"
	"github.com/streamalert-go/streamalert/schemas"
)

func shippedSchemas(t testing.TB) *schema.Set {
	t.Helper()
	set, ds := schema.Load(schemas.FS)
	if ds.HasErrors() {
		t.Fatalf("shipped schemas: %v", ds.Err())
	}
	return set
}

// sigmaFiles lists the Sigma rule files under dir.
func sigmaFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestCorpus converts every Sigma rule of ../shared/sigma/rules (SigmaHQ's
// CloudTrail and auditd rules) and of testdata/sigma (the other products,
// fetched from SigmaHQ): at least 80% of those whose logsource the shipped
// mappings cover convert, every converted rule lints clean together with
// the others (unique names), and every refusal has a position and a reason.
func TestCorpus(t *testing.T) {
	set := shippedSchemas(t)
	c := NewConverter(Options{Schemas: set})
	dirs := []string{testenv.Shared(t, "sigma/rules"), filepath.Join("..", "..", "testdata", "sigma")}
	type count struct{ converted, refused int }
	per := map[string]*count{}
	all := fstest.MapFS{}
	covered, converted := 0, 0
	var report strings.Builder
	for _, dir := range dirs {
		for _, file := range sigmaFiles(t, dir) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, file)
			for _, r := range c.Convert(rel, src) {
				if r.Source == nil {
					fmt.Fprintf(&report, "not covered: %s\n", r.Refusal)
					continue
				}
				covered++
				k := per[r.Source.Name]
				if k == nil {
					k = &count{}
					per[r.Source.Name] = k
				}
				if !r.Converted() {
					k.refused++
					if r.Refusal.Pos.Line == 0 || r.Refusal.Message == "" {
						t.Errorf("refusal without a position or reason: %+v", r.Refusal)
					}
					fmt.Fprintf(&report, "refused: %s\n", r.Refusal)
					continue
				}
				k.converted++
				converted++
				all[r.Name+".yaml"] = &fstest.MapFile{Data: r.YAML}
			}
		}
	}
	var names []string
	for n := range per {
		names = append(names, n)
	}
	sort.Strings(names)
	var table strings.Builder
	fmt.Fprintf(&table, "| mapping | log types | converted | refused |\n| --- | --- | --- | --- |\n")
	for _, n := range names {
		fmt.Fprintf(&table, "| `%s` | %s | %d | %d |\n", n, logTypesOf(n), per[n].converted, per[n].refused)
	}
	fmt.Fprintf(&table, "| **all covered rules** | | **%d (%.0f%%)** | **%d** |\n", converted, 100*float64(converted)/float64(max(covered, 1)), covered-converted)
	t.Log("\n" + report.String() + table.String())
	checkReadmeFigures(t, table.String())
	if covered == 0 {
		t.Fatal("no covered Sigma rule found")
	}
	if converted*100 < covered*80 {
		t.Errorf("%d of %d covered rules converted, want at least 80%%", converted, covered)
	}
	for _, d := range lint.Check(all, lint.Options{Schemas: set}) {
		if !allowed[d.Code] {
			t.Errorf("converted rules together: %s", d)
		}
	}
	lib, ds := rule.Parse(all)
	if ds.HasErrors() || len(lib.Rules) != converted {
		t.Errorf("parsed %d rules of %d converted: %v", len(lib.Rules), converted, ds.Err())
	}
}

func logTypesOf(source string) string {
	for _, s := range Shipped().Sources {
		if s.Name == source {
			return "`" + strings.Join(s.LogTypes, "`, `") + "`"
		}
	}
	return ""
}

// checkReadmeFigures fails when the conversion figures in the README's
// "Import Sigma rules" section differ from the corpus run's.
func checkReadmeFigures(t *testing.T, table string) {
	t.Helper()
	const begin, end = "<!-- sigma import figures: begin (checked by engine/sigma TestCorpus) -->\n", "<!-- sigma import figures: end -->"
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the figures markers %q ... %q", begin, end)
	}
	if got := s[i+len(begin) : j]; got != table {
		t.Errorf("README.md's Sigma import figures differ from the corpus; put this table between the markers:\n%s", table)
	}
}
