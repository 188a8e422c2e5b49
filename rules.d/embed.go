// Package rulesd holds the detection rules shipped with StreamAlert (Go): one
// YAML file per rule, grouped by folder (aws/cloudtrail, aws/guardduty,
// osquery, linux, saas, k8s, network), plus the shared matchers and lists of
// lib/. Analysts copy these files as examples of the rule format described in
// DESIGN.md; each rule carries its own tests, which rules_test.go runs against
// the embedded schemas.
package rulesd

import "embed"

// FS holds the default rules, embedded: every rule and library YAML file of
// this folder, at the paths they have here (for example
// "aws/cloudtrail/cloudtrail_root_account_usage.yaml", "lib/networks.yaml").
// It is what the binaries serve when no --rules folder or rules bucket
// provides rules. It is read-only and safe for concurrent use.
//
//go:embed */*.yaml aws/*/*.yaml
var FS embed.FS
