// Package jsonschema generates the JSON Schemas (draft 2020-12) that give
// editors completion, enum values and errors while typing for the files
// analysts write: rule files and library files under rules.d, and
// streamalert.yaml. `ruleck schema [rule|library|config]` prints them; the
// generated files rule.schema.json, library.schema.json and
// config.schema.json are kept in this folder for editors to point at.
//
// The schemas are generated from the loaders' own tables (rule.RuleKeys,
// rule.TestKeys, rule.LibraryKeys, rule.Severities, config.Keys,
// config.LimitKeys) plus what Options adds (log types and normalized types
// of a schema set, output services, declared outputs), so they accept the
// keys the loaders accept and close the objects the loaders close. The
// schemas catch what is structural (an unknown key, a wrong type, a bad
// severity, a missing required key); expression, field and log-schema
// checks stay with `ruleck lint`.
package jsonschema
