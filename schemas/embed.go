// Package schemas holds the log schemas shipped with StreamAlert (Go): one
// YAML file per log family (osquery, cloudtrail, vpcflow, guardduty, syslog,
// auditd, github, okta, duo, gsuite, k8s, gcp, azure, slack, cloudflare,
// crowdstrike, zeek, suricata, windows, onepassword, m365, json), in
// StreamAlert's schema format (parser, schema, configuration), so they can be
// read, copied and extended by analysts the same way as StreamAlert's
// conf/schemas files.
//
// The package is data only. FS is what the binaries serve when no --schemas
// folder or rules bucket provides schemas; engine/schema.Load reads it.
// Sample logs for every log type live in the repository's examples/ folder
// and the package's tests classify each of them.
package schemas

import "embed"

// FS holds the default schemas, embedded: every *.yaml file of this folder at
// its root. It is read-only and safe for concurrent use.
//
//go:embed *.yaml
var FS embed.FS
