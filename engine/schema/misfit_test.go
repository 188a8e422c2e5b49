package schema

import (
	"strings"
	"testing"
)

func TestMisfit(t *testing.T) {
	set := testSet(t)
	lt := set.Get("osquery:differential")
	if lt == nil {
		t.Fatal("no osquery:differential in testdata")
	}
	if p, rank := lt.Misfit([]byte(osqueryDiff)); p != nil || rank != 0 {
		t.Errorf("a fitting record: %v, %d", p, rank)
	}
	bad := strings.Replace(osqueryDiff, `"name":"shell_history"`, `"nmae":"shell_history"`, 1)
	p, schemaRank := lt.Misfit([]byte(bad))
	if len(p) < 2 || !strings.Contains(strings.Join(p, ", "), `missing key "name"`) || !strings.Contains(strings.Join(p, ", "), `extra key "nmae"`) {
		t.Errorf("problems: %v", p)
	}
	p, fatalRank := lt.Misfit([]byte("not json"))
	if len(p) != 1 || !strings.HasPrefix(p[0], "not valid JSON") || fatalRank <= schemaRank {
		t.Errorf("not JSON: %v rank %d (schema problems rank %d)", p, fatalRank, schemaRank)
	}
	if p, _ := lt.Misfit([]byte("  \n")); len(p) != 1 || p[0] != "empty record" {
		t.Errorf("empty: %v", p)
	}
	// The classifier's own description of its closest candidate agrees.
	_, err := NewClassifier(set).Classify([]byte(bad), []*LogType{lt})
	want, _ := lt.Misfit([]byte(bad))
	if err == nil || !strings.HasSuffix(err.Error(), strings.Join(want, ", ")) {
		t.Errorf("Classify says %v; Misfit %v", err, want)
	}
}
