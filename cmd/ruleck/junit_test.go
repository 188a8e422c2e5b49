package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleResults() ([]string, map[string][]caseResult) {
	byFile := map[string][]caseResult{
		"rules/a.yaml": {
			{name: "a/fires", suite: "a", desc: "fires", file: "rules/a.yaml", pos: "rules/a.yaml:6:5", passed: true},
			{name: "a/quiet", suite: "a", desc: "quiet", file: "rules/a.yaml", pos: "rules/a.yaml:9:5",
				detail: []string{"record:   {\"x\":1}", "want:     trigger false", "got:      trigger true"}},
		},
		"events/e.json": {
			{name: "events/e.json[0]", suite: "events/e.json", desc: "event 0", file: "events/e.json", pos: "events/e.json event 0", skip: "override_record events are not run"},
			{name: "events/e.json[1]/x", suite: "events/e.json", desc: "x", file: "events/e.json", pos: "events/e.json event 1",
				detail: []string{"log:      host:event", "error:    does not classify as host:event: ]]> <oops>"}},
		},
	}
	return []string{"events/e.json", "rules/a.yaml"}, byFile
}

// TestJUnitReport writes a report and reads it back as a CI would: the
// counts add up, each case sits in its file's suite, failures and skips are
// elements with their detail, and hostile text stays inside its element.
func TestJUnitReport(t *testing.T) {
	files, byFile := sampleResults()
	path := filepath.Join(t.TempDir(), "report.xml")
	if err := writeJUnitFile(path, files, byFile); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML header:\n%s", data)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				ClassName string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("report does not parse: %v\n%s", err, data)
	}
	if doc.Tests != 4 || doc.Failures != 2 || doc.Skipped != 1 || len(doc.Suites) != 2 {
		t.Fatalf("totals: tests %d failures %d skipped %d suites %d", doc.Tests, doc.Failures, doc.Skipped, len(doc.Suites))
	}
	ev, ru := doc.Suites[0], doc.Suites[1]
	if ev.Name != "events/e.json" || ev.Tests != 2 || ev.Failures != 1 || ev.Skipped != 1 {
		t.Errorf("events suite: %+v", ev)
	}
	if ev.Cases[0].Skipped == nil || ev.Cases[0].Skipped.Message != "override_record events are not run" {
		t.Errorf("skipped case: %+v", ev.Cases[0])
	}
	if f := ev.Cases[1].Failure; f == nil || f.Type != "error" || !strings.Contains(f.Message, "]]> <oops>") || !strings.Contains(f.Text, "]]> <oops>") {
		t.Errorf("error case: %+v", ev.Cases[1].Failure)
	}
	if ru.Name != "rules/a.yaml" || ru.Tests != 2 || ru.Failures != 1 || ru.Cases[0].ClassName != "a" || ru.Cases[0].Failure != nil {
		t.Errorf("rule suite: %+v", ru)
	}
	if f := ru.Cases[1].Failure; f == nil || f.Type != "mismatch" || !strings.Contains(f.Text, "rules/a.yaml:9:5\nrecord:   {\"x\":1}\nwant:     trigger false\ngot:      trigger true") {
		t.Errorf("mismatch case: %+v", ru.Cases[1].Failure)
	}
}

// TestTestJSON checks the --format json document decodes with every case.
func TestTestJSON(t *testing.T) {
	files, byFile := sampleResults()
	var all []caseResult
	for _, f := range files {
		all = append(all, byFile[f]...)
	}
	var b bytes.Buffer
	if err := writeTestJSON(&b, all, 1, 2, 1); err != nil {
		t.Fatal(err)
	}
	var doc testJSON
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Results) != 4 || doc.Passed != 1 || doc.Failed != 2 || doc.Skipped != 1 {
		t.Fatalf("%+v", doc)
	}
	statuses := []string{}
	for _, r := range doc.Results {
		statuses = append(statuses, r.Status)
	}
	if got := strings.Join(statuses, " "); got != "skip fail pass fail" {
		t.Errorf("statuses %s", got)
	}
	if doc.Results[3].Rule != "a" || doc.Results[1].Rule != "" || len(doc.Results[3].Detail) != 3 {
		t.Errorf("rule names or detail: %+v", doc.Results)
	}
}
