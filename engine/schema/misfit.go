package schema

import (
	"bytes"
	"fmt"
	"slices"
)

// Misfit says why raw (one record, as Classify takes it) does not fit t on
// its own, with the checks and words Classify uses to describe its closest
// candidate: problems in the order found ("missing key \"a\"", "not valid
// JSON: ...", "a JSON document, not csv text"), at most a few, the last one
// maybe "and N more". rank orders candidates as Classify does when it picks
// the closest (lower is closer: a parser-level failure weighs more than any
// number of schema problems). problems is nil when raw fits t.
func (t *LogType) Misfit(raw []byte) (problems []string, rank int) {
	in := &input{raw: bytes.TrimRight(raw, "\r\n")}
	if len(bytes.TrimSpace(in.raw)) == 0 {
		return []string{"empty record"}, 1000
	}
	_, chk := t.parse(in, checkDescribe)
	if chk.ok() {
		return nil, 0
	}
	problems = slices.Clone(chk.problems)
	if chk.count > chk.described {
		problems = append(problems, fmt.Sprintf("and %d more", chk.count-chk.described))
	}
	return problems, chk.rank()
}
