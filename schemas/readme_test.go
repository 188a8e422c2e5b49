package schemas_test

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// Markers around the table of shipped log types in ../README.md.
const (
	readmeTableBegin = "<!-- shipped log types: begin"
	readmeTableEnd   = "<!-- shipped log types: end -->"
)

// readmeLogTypes reads the log type column of the README's table of shipped
// log types, with the line of each row and its description.
func readmeLogTypes(t *testing.T) (names []string, lines []int, descs []string) {
	t.Helper()
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, begun, ended := false, false, false
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, readmeTableBegin):
			in, begun = true, true
			continue
		case strings.HasPrefix(line, readmeTableEnd):
			in, ended = false, true
			continue
		case !in || !strings.HasPrefix(line, "| `"):
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 2 {
			t.Errorf("README.md:%d: want 2 cells (type, what it is), got %d: %s", n, len(cells), line)
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[0]), "`")
		names, lines, descs = append(names, name), append(lines, n), append(descs, strings.TrimSpace(cells[1]))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !begun || !ended {
		t.Fatalf("README.md: the table of shipped log types must sit between %q and %q", readmeTableBegin+" ...", readmeTableEnd)
	}
	return names, lines, descs
}

// TestReadmeLogTypes: README.md's table of shipped log types lists exactly
// the log types the embedded schemas define, each once, in name order, each
// with a description, so the list cannot drift from schemas/.
func TestReadmeLogTypes(t *testing.T) {
	names, lines, descs := readmeLogTypes(t)
	shipped := load(t).Names()
	seen := map[string]int{}
	for i, name := range names {
		if prev, ok := seen[name]; ok {
			t.Errorf("README.md:%d: %s listed twice (also line %d)", lines[i], name, prev)
		}
		seen[name] = lines[i]
		if !slices.Contains(shipped, name) {
			t.Errorf("README.md:%d: %s is not a log type of schemas/", lines[i], name)
		}
		if descs[i] == "" {
			t.Errorf("README.md:%d: %s has no description", lines[i], name)
		}
		if i > 0 && names[i-1] > name {
			t.Errorf("README.md:%d: %s is out of order (after %s): keep the table sorted by type", lines[i], name, names[i-1])
		}
	}
	for _, name := range shipped {
		if _, ok := seen[name]; !ok {
			t.Errorf("README.md: log type %s of schemas/ is missing from the table of shipped log types", name)
		}
	}
}
