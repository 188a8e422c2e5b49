package diag

import (
	"regexp"
	"strconv"
	"strings"
)

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// YAMLSyntax turns a YAML decoder's syntax error into a diagnostic with code
// "yaml-syntax" positioned at the line the decoder names (column 1), or at
// line 1 when it names none (an error at the end of the stream), so the
// position is always inside the file.
func YAMLSyntax(file string, err error) Diagnostic {
	msg := err.Error()
	pos := Pos{File: file, Line: 1, Col: 1}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			pos.Line = n
		}
		msg = msg[len(m[0]):]
	}
	return Diagnostic{Pos: pos, Severity: Error, Code: "yaml-syntax", Message: strings.TrimPrefix(msg, "yaml: ")}
}
