package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// WriteGitHub writes each diagnostic as a GitHub Actions workflow command,
// one a line, which the runner turns into an annotation on the file:
//
//	::error file=rules.d/x.yaml,line=3,col=43,title=unknown-field::unknown field "record.nme" ...
//
// Warnings use ::warning. The parts a diagnostic does not know (line,
// column, code) are left out. Values are escaped as the Actions toolkit
// does (%, CR, LF; also ':' and ',' in properties), so a message can never
// end the command early or inject another one.
func (l List) WriteGitHub(w io.Writer) error {
	for _, d := range l {
		props := []string{"file=" + escapeProperty(d.Pos.File)}
		if d.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
			if d.Pos.Col > 0 {
				props = append(props, fmt.Sprintf("col=%d", d.Pos.Col))
			}
		}
		if d.Code != "" {
			props = append(props, "title="+escapeProperty(d.Code))
		}
		if _, err := fmt.Fprintf(w, "::%s %s::%s\n", d.Severity, strings.Join(props, ","), escapeData(d.Message)); err != nil {
			return err
		}
	}
	return nil
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// SARIFTool names the program in a SARIF log.
type SARIFTool struct {
	Name           string // e.g. "ruleck"; required
	Version        string // optional
	InformationURI string // optional: where the tool is documented
}

// SARIFVersion and SARIFSchema identify the SARIF dialect WriteSARIF writes.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// The subset of SARIF 2.1.0 (OASIS) that WriteSARIF writes; field names are
// the standard's.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		ShortDescription sarifMessage `json:"shortDescription"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifMessage    `json:"message"`
		Locations []sarifLocation `json:"locations"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
)

// WriteSARIF writes l as one SARIF 2.1.0 log (a JSON document and a
// newline) with a single run of tool: one reporting rule per diagnostic
// code (its id is the code), one result per diagnostic with its level
// ("error" or "warning"), message and location (the file as a URI, relative
// ones against %SRCROOT%, and a region with startLine and startColumn when
// they are known). Code scanning services such as GitHub's read it.
func (l List) WriteSARIF(w io.Writer, tool SARIFTool) error {
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: tool.Name, Version: tool.Version, InformationURI: tool.InformationURI, Rules: []sarifRule{}}},
		Results: []sarifResult{},
	}
	index := map[string]int{}
	for _, d := range l {
		code := d.Code
		if code == "" {
			code = "diagnostic"
		}
		i, ok := index[code]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[code] = i
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: code, ShortDescription: sarifMessage{Text: code}})
		}
		loc := sarifPhysical{ArtifactLocation: fileURI(d.Pos.File)}
		if d.Pos.Line > 0 {
			loc.Region = &sarifRegion{StartLine: d.Pos.Line, StartColumn: d.Pos.Col}
		}
		run.Results = append(run.Results, sarifResult{
			RuleID:    code,
			RuleIndex: i,
			Level:     d.Severity.String(),
			Message:   sarifMessage{Text: d.Message},
			Locations: []sarifLocation{{PhysicalLocation: loc}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: SARIFSchema, Version: SARIFVersion, Runs: []sarifRun{run}})
}

// fileURI turns an OS path into a SARIF artifact location: a file:// URI
// when absolute, else a relative URI reference against %SRCROOT%.
func fileURI(p string) sarifArtifact {
	slash := filepath.ToSlash(p)
	if filepath.IsAbs(p) {
		if !strings.HasPrefix(slash, "/") {
			slash = "/" + slash // a Windows drive path
		}
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: slash}).String()}
	}
	return sarifArtifact{URI: (&url.URL{Path: slash}).String(), URIBaseID: "%SRCROOT%"}
}
