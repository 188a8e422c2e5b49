package jsonschema

// The descriptions editors show on hover and in completion lists. They are
// taken from DESIGN.md and README.md ("Writing and checking rules",
// "Thresholds, dedup and merging", "Configuration: streamalert.yaml");
// TestKeysMatchLoaderTables fails when a key of the loaders' tables has none.

// ruleDocs describes each key of rule.RuleKeys.
var ruleDocs = map[string]string{
	"name":          "Unique rule name, [a-z0-9_]+. Alerts carry it as rule_name.",
	"description":   "What the rule detects; alerts carry it as rule_description.",
	"log_types":     "Log types the rule applies to: an exact type (\"osquery:differential\") or a family (\"osquery\" for every osquery:* type). At least one of log_types and datatypes is required.",
	"datatypes":     "Normalized types (StreamAlert's normalization): the rule applies to every log type whose schema provides at least one of them. A datatype no schema provides is a warning; none provided at all is an error.",
	"matchers":      "Named conditions that must all hold before `condition`: names of library matchers (from a file holding only matchers and lists), or rule-local `name: expression` entries.",
	"condition":     "An expr-lang expression over the classified record that must be true for the rule to fire, e.g. record.eventName == \"ConsoleLogin\". Environment: record, log_type, source, lists, normalized, in_cidr, glob, find_keys, values, try_json and every expr-lang builtin.",
	"outputs":       "Where alerts go: service:descriptor pairs the configuration (streamalert.yaml) declares, e.g. slack:security.",
	"severity":      "Alert severity: info, low, medium, high or critical.",
	"tags":          "Free-form tags carried by alerts, e.g. MITRE ATT&CK ids (attack.t1078).",
	"req_subkeys":   "Presence of sub-keys under a mapping: {columns: [user, host]} skips the rule for records whose columns lack user or host.",
	"context":       "Free-form mapping carried by alerts (runbook links, output-specific keys such as slack.channel).",
	"merge_by_keys": "Record keys (top-level, dotted paths, or a name found at any depth) whose equal values make alerts one: the first alert of a group is sent at once, the later ones of its merge_window are folded into one summary. Needs merge_window.",
	"merge_window":  "How long to gather alerts of a merge_by_keys group before sending the summary, a duration such as 10m or 1h30m. Needs merge_by_keys.",
	"dedup_period":  "Period of dedup and threshold counting, a duration such as 1h: alone, at most one alert per dedup_keys group and period.",
	"dedup_keys":    "Record keys grouping the alerts that dedup_period and threshold count (all of the rule's records form one group without them). Needs dedup_period or a threshold above 1.",
	"threshold":     "Alert only on the Nth match of a group within dedup_period (within an hour without one), and not again in that period.",
	"staged":        "A rule on trial: its alerts (marked staged) go to the configuration's staging_outputs instead of the rule's outputs, so it never pages.",
	"enabled":       "false turns the rule off (default true).",
	"tests":         "Test cases `ruleck test` runs: each a record (or raw log line) and whether the rule fires on it. Give every rule a case that fires and one that stays quiet.",
}

// testDocs describes each key of rule.TestKeys.
var testDocs = map[string]string{
	"description": "What the case checks; named in ruleck test's ok/FAIL lines.",
	"log_type":    "The log type of record, when the rule applies to several.",
	"record":      "A parsed record of one of the rule's log types, as classification produces it: every required key of the schema, no key it lacks. Exactly one of record and raw.",
	"raw":         "A raw log line or document, classified first. Exactly one of record and raw.",
	"trigger":     "Whether the rule must fire on this case (true) or stay quiet (false).",
}

// libraryDocs describes each key of rule.LibraryKeys.
var libraryDocs = map[string]string{
	"matchers": "Named conditions shared by rules: name (an identifier) → expr-lang expression. A rule lists the names it needs under its own matchers.",
	"lists":    "Named lists of scalars (strings, numbers, booleans) read by expressions as lists.NAME: `x in lists.NAME` is a constant-time lookup; in_cidr and glob take a list too.",
}

// configDocs describes each key of config.Keys.
var configDocs = map[string]string{
	"sources":         "Which log families or types to try for each source (StreamAlert's data_sources): service (kinesis, s3, sns, sqs, file, stdin, http) → entity (exact name, or a glob) → log families or exact types. Sources not listed try every log type.",
	"outputs":         "The outputs rules may name: service → descriptor → settings. Secret settings are references (env:NAME, file:PATH, ssm:/path, secretsmanager:name), never inline values; outputs/README.md lists every service's settings.",
	"staging_outputs": "Declared outputs (service:descriptor) that receive the alerts of rules marked staged: true instead of the rule's own outputs. Without it, a staged rule's alerts go to no output.",
	"limits":          "Size limits of the input.",
}

// limitDocs describes each key of config.LimitKeys.
var limitDocs = map[string]string{
	"max_record_size":       "The largest raw record accepted, in bytes; larger records are rejected with a reason.",
	"max_decompressed_size": "The most a gzip or zlib payload may expand to, in bytes (plain input has no limit).",
}
