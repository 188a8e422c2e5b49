// Package schema loads StreamAlert-format log schemas and classifies raw log
// records against them.
//
// A schema file maps log type names ("osquery:differential") to a parser
// (json, csv, kv, syslog), a schema (the declared keys and their types) and
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
// declared type, and every log pattern matches. A record must fit exactly one
// candidate; see Classifier.Classify for how ties are broken.
package schema
