package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
)

// The JUnit XML that CI systems (Jenkins, GitLab, GitHub test reporters,
// Azure) read: <testsuites> of <testsuite> of <testcase>, a <failure> or
// <skipped> child when the case did not pass.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Time     string      `xml:"time,attr"`
		File     string      `xml:"file,attr,omitempty"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		ClassName string        `xml:"classname,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Time      string        `xml:"time,attr"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",cdata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// junitReport builds the report: one testsuite per rule or test-event file,
// one testcase per test case (classname the rule's name, or the event file),
// a failure element holding the same detail the text output prints.
func junitReport(files []string, byFile map[string][]caseResult) junitSuites {
	doc := junitSuites{Name: "ruleck test"}
	for _, f := range files {
		s := junitSuite{Name: f, File: f, Time: "0"}
		for _, cr := range byFile[f] {
			c := junitCase{Name: cr.desc, ClassName: cr.suite, File: cr.file, Time: "0"}
			switch cr.status() {
			case "skip":
				c.Skipped = &junitSkipped{Message: cr.skip}
				s.Skipped++
			case "fail":
				msg := "want and got differ"
				kind := "mismatch"
				for _, d := range cr.detail {
					if strings.HasPrefix(d, "error:") {
						msg, kind = strings.TrimSpace(strings.TrimPrefix(d, "error:")), "error"
						break
					}
				}
				c.Failure = &junitFailure{Message: msg, Type: kind, Text: cr.pos + "\n" + strings.Join(detailLines(cr.detail), "\n")}
				s.Failures++
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	return doc
}

// writeJUnitFile writes the JUnit XML report to file.
func writeJUnitFile(file string, files []string, byFile map[string][]caseResult) error {
	out, err := xml.MarshalIndent(junitReport(files, byFile), "", "  ")
	if err != nil {
		return err
	}
	data := append([]byte(xml.Header), out...)
	data = append(data, '\n')
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

// detailLines splits detail entries that hold several lines.
func detailLines(detail []string) []string {
	var out []string
	for _, d := range detail {
		out = append(out, strings.Split(d, "\n    ")...)
	}
	return out
}
