package explain

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Widths of the text rendering.
const (
	maxExprText  = 100 // runes of a clause's source
	maxValueText = 70  // runes of a clause's value
)

// WriteText renders the report for people: where the record came from and
// its log type (or each candidate and why it did not fit), then each rule,
// whether it fired and why not, its req_subkeys, and its matchers and
// condition as trees, one clause a line with its position in the rule
// file (LINE:COL) and its value. It returns the first write error.
func (r RecordReport) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	where := r.Source
	if where == "" {
		where = "record"
	}
	if r.Index > 0 {
		where += fmt.Sprintf(" (record %d)", r.Index)
	}
	if r.LogType == "" {
		fmt.Fprintf(bw, "%s: fits no log type: %s\n", where, r.Error)
		if len(r.Rejected) > 0 {
			writeCandidates(bw, r.Rejected)
		}
		return bw.Flush()
	}
	fmt.Fprintf(bw, "%s: %s\n", where, r.LogType)
	if len(r.Rules) == 0 {
		fmt.Fprintf(bw, "  no rule applies to %s\n", r.LogType)
	}
	for _, rr := range r.Rules {
		bw.WriteString("\n")
		rr.writeText(bw)
	}
	return bw.Flush()
}

func (rr RuleReport) writeText(w *bufio.Writer) {
	verdict := "FIRED"
	if !rr.Fired {
		verdict = "did not fire: " + rr.Why
	}
	fmt.Fprintf(w, "  rule %s (%s): %s\n", rr.Name, rr.File, verdict)
	for _, h := range rr.Holds {
		fmt.Fprintf(w, "    note: %s\n", h)
	}
	if len(rr.ReqSubkeys) > 0 {
		fmt.Fprintf(w, "    req_subkeys:\n")
		for _, s := range rr.ReqSubkeys {
			state := "present"
			if !s.Present {
				state = "MISSING"
			}
			fmt.Fprintf(w, "      %-8s %s.%s\n", state, s.Key, s.Subkey)
		}
	}
	if len(rr.Matchers) > 0 {
		fmt.Fprintf(w, "    matchers:\n")
		for _, m := range rr.Matchers {
			writeNode(w, m, 0)
		}
	}
	if rr.Condition != nil {
		fmt.Fprintf(w, "    condition:\n")
		writeNode(w, *rr.Condition, 0)
	}
	if rr.Fired && len(rr.Alert) > 0 {
		var a struct {
			Severity string   `json:"severity"`
			Outputs  []string `json:"outputs"`
		}
		if json.Unmarshal(rr.Alert, &a) == nil {
			fmt.Fprintf(w, "    alert: severity %s, outputs [%s] (--format json shows it whole)\n", a.Severity, strings.Join(a.Outputs, ", "))
		}
	}
}

// writeNode prints one clause and its children, indented two spaces a level
// after a column of positions.
func writeNode(w *bufio.Writer, n Node, depth int) {
	pos := ""
	if n.Line > 0 {
		pos = fmt.Sprintf("%d:%d", n.Line, n.Col)
	}
	label := clip(oneLine(n.Expr), maxExprText)
	if n.Op != "" && len(n.Children) > 0 { // the children carry the text
		label = n.Op
	}
	if n.Name != "" {
		label = n.Name + ": " + label
	}
	fmt.Fprintf(w, "      %7s  %s%s  => %s\n", pos, strings.Repeat("  ", depth), label, valueText(n))
	for _, c := range n.Children {
		writeNode(w, c, depth+1)
	}
}

func valueText(n Node) string {
	switch {
	case !n.Evaluated:
		return "not evaluated"
	case n.Error != "":
		return "error: " + firstLine(n.Error)
	}
	return clip(string(n.Value), maxValueText)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// clip shortens s to n runes, marking the cut with "...".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}

// oneLine joins a multi-line clause into one line.
func oneLine(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " ")
}

// writeCandidates prints each candidate and its first reason, closest
// first; candidates sharing a reason ("not valid JSON: ...") are printed
// once, as a group, so that a text line against many JSON types fits a
// screen.
func writeCandidates(w *bufio.Writer, cands []Candidate) {
	type group struct {
		reason string
		names  []string
		more   int
	}
	var groups []*group
	byReason := map[string]*group{}
	for _, c := range cands {
		g := byReason[c.Reason]
		if g == nil {
			g = &group{reason: c.Reason, more: len(c.Problems) - 1}
			byReason[c.Reason] = g
			groups = append(groups, g)
		}
		g.names = append(g.names, c.LogType)
	}
	width := 0
	for _, g := range groups {
		if len(g.names) == 1 {
			width = max(width, len(g.names[0]))
		}
	}
	fmt.Fprintf(w, "  candidates, closest first:\n")
	for _, g := range groups {
		if len(g.names) > 1 {
			fmt.Fprintf(w, "    %d log types: %s\n", len(g.names), g.reason)
			line := "     "
			for i, n := range g.names {
				sep := " "
				if i < len(g.names)-1 {
					n += ","
				}
				if len(line)+len(sep)+len(n) > 96 {
					fmt.Fprintln(w, line)
					line = "     "
				}
				line += sep + n
			}
			fmt.Fprintln(w, line)
			continue
		}
		more := ""
		if g.more > 0 {
			more = fmt.Sprintf(" (+%d more)", g.more)
		}
		fmt.Fprintf(w, "    %-*s  %s%s\n", width, g.names[0], g.reason, more)
	}
}
