package schemas_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/engine/testenv"
)

// minRealSamples is issue 14's bar: every new type has at least this many
// real events in the corpus, each classifying as exactly that type.
const minRealSamples = 10

// issue14Families are the families issue 14 added; every shipped type of
// one of them ("alb" means alb:*, a full name means that type only) is
// counted by TestRealSampleCounts.
var issue14Families = []string{
	"alb", "elb", "cloudfront", "s3", "waf", "route53", "securityhub", "config",
	"zeek", "suricata", "windows", "journald", "gcp", "azure", "m365",
	"okta:eventbridge", "onepassword", "cloudflare", "slack", "crowdstrike", "webserver",
}

// thinTypes are the issue-14 types with fewer than minRealSamples real
// events, each with why: what exists publicly and what was searched. A type
// listed here that reaches the bar fails the test, so the table cannot go
// stale.
var thinTypes = map[string]string{}

// TestRealSampleCounts counts, per issue-14 type, the real events of
// ../testdata/real (realCorpus) and ../shared/realsamples (realSamples) that
// classify as exactly that type, with the file's family as candidates and
// with every shipped type. A type under minRealSamples fails unless
// thinTypes says why. `go test -v` prints the table.
func TestRealSampleCounts(t *testing.T) {
	shared := testenv.Shared(t, "realsamples/reallogs")
	set := load(t)
	c := schema.NewClassifier(set)

	var types []string
	for _, name := range set.Names() {
		if slices.ContainsFunc(issue14Families, func(f string) bool { return name == f || strings.HasPrefix(name, f+":") }) {
			types = append(types, name)
		}
	}
	count := map[string]int{}
	files := map[string]int{}
	add := func(file, family string) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Error(err)
			return
		}
		fam, err := set.Resolve(strings.Split(family, ","))
		if err != nil {
			t.Error(err)
			return
		}
		seen := map[string]bool{}
		for _, name := range exactTypes(c, data, fam) {
			count[name]++
			if !seen[name] {
				seen[name] = true
				files[name]++
			}
		}
	}
	for _, s := range realCorpus {
		add(filepath.Join("..", "testdata", "real", filepath.FromSlash(s.file)), s.family)
	}
	for _, s := range realSamples {
		add(filepath.Join(shared, filepath.FromSlash(s.file)), s.family)
	}

	var table strings.Builder
	fmt.Fprintf(&table, "%-28s %6s %5s\n", "log type", "events", "files")
	for _, name := range types {
		fmt.Fprintf(&table, "%-28s %6d %5d", name, count[name], files[name])
		if count[name] < minRealSamples {
			table.WriteString("  (under " + fmt.Sprint(minRealSamples) + ")")
		}
		table.WriteByte('\n')
	}
	t.Logf("real events per issue-14 log type:\n%s", table.String())

	for _, name := range types {
		why, listed := thinTypes[name]
		switch n := count[name]; {
		case n < minRealSamples && !listed:
			t.Errorf("%s: %d real events, want at least %d (or a thinTypes entry saying what exists publicly)", name, n, minRealSamples)
		case n >= minRealSamples && listed:
			t.Errorf("%s: %d real events, but thinTypes still says %q: remove the entry", name, n, why)
		case listed && !strings.Contains(why, "searched"):
			t.Errorf("%s: thinTypes reason %q does not say what was searched", name, why)
		}
	}
	for name := range thinTypes {
		if !slices.Contains(types, name) {
			t.Errorf("thinTypes names %s, which is not a shipped issue-14 type", name)
		}
	}
}

// exactTypes reads data as a source would and returns, for every record, the
// log type it classifies as, counting only records that get the same type
// with fam as candidates and with every shipped type (records that miss or
// differ are the corpus tests' failures, not counted here).
func exactTypes(c *schema.Classifier, data []byte, fam []*schema.LogType) []string {
	var out []string
	_ = payload.Read(bytes.NewReader(data), payload.Options{}, func(raw payload.Raw) error {
		if raw.Err != nil {
			return nil
		}
		byFam, err := c.Classify(raw.Data, fam)
		if err != nil {
			return nil
		}
		byAll, err := c.Classify(raw.Data, nil)
		if err != nil || len(byAll) != len(byFam) {
			return nil
		}
		for i, r := range byFam {
			if byAll[i].Type.Name == r.Type.Name {
				out = append(out, r.Type.Name)
			}
		}
		return nil
	})
	return out
}
