// Package schema loads StreamAlert-format log schemas and classifies raw log
// records against them.
//
// A schema file maps log type names ("osquery:differential") to a parser
// (json, csv, kv, syslog, spaced), a schema (the declared keys and their types) and
// an optional configuration (json_path, envelope_keys, log_patterns,
// normalization, ...), exactly as StreamAlert's conf/schemas/*.json do, so
// those files load unchanged. Load reports every problem at once as
// file:line:col diagnostics and compiles everything that can be compiled
// (JMESPath expressions, glob patterns, key sets) so that classification does
// no parsing of configuration.
//
// Classification rules, in short: a record fits a log type when its parser
// accepts it, its key set equals the declared one (optional keys may be
// absent and then stay absent), nested mappings are checked the same way,
// `{}` accepts any value as it is (as StreamAlert, which skips an empty
// nested schema) and `[]` any list, every value coerces to its
// declared type, and every log pattern matches. A log type configured with
// undeclared_keys: keep is open: keys it does not declare, at any depth, are
// kept untyped instead of stopping classification (LogType.KeepsUndeclared,
// LogType.Undeclared). A record must fit exactly one candidate; see
// Classifier.Classify for how ties are broken.
//
// The kv parser reads Linux audit records as auditd writes them (bare words,
// nested msg='...', the ENRICHED 0x1D separator); the syslog parser reads
// RFC 3164 tags with spaces and contexts; csv with header_line names columns
// from the record's first line (VPC flow log files, see package payload);
// spaced reads access logs (ALB, Classic ELB, S3 server access, the
// combined format of nginx and Apache): space-separated fields, "quoted"
// and [bracketed] ones kept whole, see spacedRecord.
package schema
