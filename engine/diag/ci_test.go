package diag

import (
	"encoding/json"
	"strings"
	"testing"
)

func ciList() List {
	var l List
	l.Errorf(Pos{File: "rules.d/a b.yaml", Line: 3, Col: 43}, "unknown-field", "unknown field %q: did you mean, maybe\nthis?", "record.nme")
	l.Warnf(Pos{File: "rules.d/w.yaml", Line: 1, Col: 1}, "no-tests", "rule w has no tests: 100%% untested")
	l.Errorf(Pos{File: "/abs/r.yaml"}, "yaml-syntax", "bad")
	l.Errorf(Pos{File: "rules.d/b.yaml", Line: 9, Col: 2}, "unknown-field", "another")
	return l
}

func TestWriteGitHub(t *testing.T) {
	var b strings.Builder
	if err := ciList().WriteGitHub(&b); err != nil {
		t.Fatal(err)
	}
	want := `::error file=rules.d/a b.yaml,line=3,col=43,title=unknown-field::unknown field "record.nme": did you mean, maybe%0Athis?
::warning file=rules.d/w.yaml,line=1,col=1,title=no-tests::rule w has no tests: 100%25 untested
::error file=/abs/r.yaml,title=yaml-syntax::bad
::error file=rules.d/b.yaml,line=9,col=2,title=unknown-field::another
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	var p strings.Builder
	var l List
	l.Errorf(Pos{File: "x,y:z.yaml", Line: 1}, "c", "m")
	l.WriteGitHub(&p)
	if got := p.String(); got != "::error file=x%2Cy%3Az.yaml,line=1,title=c::m\n" {
		t.Errorf("property escaping: %q", got)
	}
}

// TestWriteSARIF decodes the log generically and checks the structure SARIF
// 2.1.0 requires and code scanning reads.
func TestWriteSARIF(t *testing.T) {
	var b strings.Builder
	if err := ciList().WriteSARIF(&b, SARIFTool{Name: "ruleck", Version: "v1"}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	dec := json.NewDecoder(strings.NewReader(b.String()))
	if err := dec.Decode(&log); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("header: version %q schema %q runs %d", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "ruleck" {
		t.Errorf("driver name %q", run.Tool.Driver.Name)
	}
	var ids []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, " ") != "unknown-field no-tests yaml-syntax" {
		t.Errorf("rule ids %v, want one per code in order of first use", ids)
	}
	if len(run.Results) != 4 {
		t.Fatalf("%d results, want 4", len(run.Results))
	}
	for i, r := range run.Results {
		if r.RuleIndex < 0 || r.RuleIndex >= len(ids) || ids[r.RuleIndex] != r.RuleID {
			t.Errorf("result %d: ruleIndex %d does not point at ruleId %q", i, r.RuleIndex, r.RuleID)
		}
		if len(r.Locations) != 1 || r.Message.Text == "" {
			t.Errorf("result %d: %d locations, message %q", i, len(r.Locations), r.Message.Text)
		}
	}
	r0 := run.Results[0]
	loc := r0.Locations[0].PhysicalLocation
	if r0.Level != "error" || loc.ArtifactLocation.URI != "rules.d/a%20b.yaml" || loc.ArtifactLocation.URIBaseID != "%SRCROOT%" ||
		loc.Region == nil || loc.Region.StartLine != 3 || loc.Region.StartColumn != 43 {
		t.Errorf("result 0: level %q location %+v region %+v", r0.Level, loc.ArtifactLocation, loc.Region)
	}
	if run.Results[1].Level != "warning" {
		t.Errorf("result 1 level %q, want warning", run.Results[1].Level)
	}
	abs := run.Results[2].Locations[0].PhysicalLocation
	if abs.ArtifactLocation.URI != "file:///abs/r.yaml" || abs.ArtifactLocation.URIBaseID != "" || abs.Region != nil {
		t.Errorf("absolute path: %+v region %+v", abs.ArtifactLocation, abs.Region)
	}

	var empty strings.Builder
	if err := (List{}).WriteSARIF(&empty, SARIFTool{Name: "ruleck"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(empty.String(), `"results": []`) {
		t.Errorf("a clean run must still have a results array:\n%s", empty.String())
	}
}
