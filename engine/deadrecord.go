package engine

import (
	"time"
	"unicode/utf8"
)

// DeadRecord is a raw record no rule could judge, kept so it is never lost:
// it did not classify, or a rule failed on it at run time. It is one line of
// the local dead-letter file and one message or object of the Lambda's dead
// letter; its JSON field names are a contract (replay tools read them).
type DeadRecord struct {
	Time   time.Time `json:"time"`
	Reason string    `json:"reason"`
	Source Source    `json:"source"`
	// Line is the record's 1-based line in its payload (0: the whole
	// payload was the record).
	Line int `json:"line,omitempty"`
	// Rule names the rule that failed on the record (a rule error: the
	// record classified, but this rule could not judge it).
	Rule string `json:"rule,omitempty"`
	// Raw is the record when it is valid UTF-8; otherwise RawBase64 holds
	// the exact bytes.
	Raw       string `json:"raw,omitempty"`
	RawBase64 []byte `json:"raw_base64,omitempty"`
	// RulesetVersion names the ruleset that was in service (Lambda).
	RulesetVersion string `json:"ruleset_version,omitempty"`
}

// NewDeadRecord describes raw (copied) from src that was kept for why, at
// time now. A RuleError as why names its rule.
func NewDeadRecord(now time.Time, src Source, raw []byte, line int, why error) DeadRecord {
	d := DeadRecord{Time: now.UTC(), Reason: why.Error(), Source: src, Line: line}
	if re, ok := why.(RuleError); ok {
		d.Rule = re.Rule
	}
	if utf8.Valid(raw) {
		d.Raw = string(raw)
	} else {
		d.RawBase64 = append([]byte(nil), raw...)
	}
	return d
}
