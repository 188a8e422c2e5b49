package engine

import (
	"time"

	"github.com/google/uuid"
)

// Source says where a record came from. It is the `source` of the expression
// environment, so its JSON/expr field names are a contract.
type Source struct {
	// Service is file, stdin, http, kinesis, s3, sns or sqs.
	Service string `json:"service" expr:"service"`
	// Entity is the file path, stream, bucket or topic name.
	Entity string `json:"entity" expr:"entity"`
}

// Alert is what a triggered rule produces. Its JSON field names are
// StreamAlert's, so existing alert consumers keep working. An Alert is a
// value: once created, nothing in this repository mutates it.
type Alert struct {
	ID              string         `json:"id"`
	RuleName        string         `json:"rule_name"`
	RuleDescription string         `json:"rule_description"`
	Severity        string         `json:"severity"`
	Tags            []string       `json:"tags"`
	LogSource       string         `json:"log_source"` // the log type, e.g. osquery:differential
	LogType         string         `json:"log_type"`   // the parser, e.g. json
	SourceService   string         `json:"source_service"`
	SourceEntity    string         `json:"source_entity"`
	Record          map[string]any `json:"record"`
	Context         map[string]any `json:"context"`
	Outputs         []string       `json:"outputs"`
	Created         time.Time      `json:"created"`
	Staged          bool           `json:"staged"`
	// RuleDigest is the digest of the rule's definition (Bundle.RuleDigests)
	// when the alert was made. Threshold, dedup and merge groups are keyed
	// by it, so a reload that leaves a rule unchanged keeps its open windows
	// and counts while a changed rule starts afresh. Not part of the JSON.
	RuleDigest string `json:"-"`
	// RulesetVersion names the ruleset that produced the alert (in AWS, a
	// hash of the rule files' S3 keys and ETags), so an analyst can tell
	// which upload it came from. Empty in local mode.
	RulesetVersion string `json:"ruleset_version,omitempty"`

	// MergeByKeys and MergeWindowSeconds come from the rule: alerts of the
	// rule whose records hold equal values for these keys, within the
	// window, are sent as one (see Merger). Empty for rules that do not merge
	// and for merged alerts.
	MergeByKeys        []string `json:"merge_by_keys,omitempty"`
	MergeWindowSeconds int64    `json:"merge_window_seconds,omitempty"`

	// Threshold, DedupKeys and DedupPeriodSeconds come from the rule (see
	// Deduper): the alert is sent only for the Threshold-th matching record
	// of its group within the period, and once per group and period.
	Threshold          int      `json:"threshold,omitempty"`
	DedupKeys          []string `json:"dedup_keys,omitempty"`
	DedupPeriodSeconds int64    `json:"dedup_period_seconds,omitempty"`
}

// NewAlertID returns a random, unique alert id (a UUIDv4 string).
func NewAlertID() string { return uuid.NewString() }
