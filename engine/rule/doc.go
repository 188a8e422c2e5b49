// Package rule reads detection rules and library files (shared matchers and
// lists) from a folder tree, validates them with file:line:col positions, and
// compiles their expr-lang conditions against the expression environment the
// design fixes: record, log_type, source, lists, normalized, and the helpers
// in_cidr, glob, find_keys, values and try_json.
//
// Parse gives the parsed form (Library, Rule, Matcher, List, Test), keeping
// the position of every key, list item and test case so that tools can add
// checks without re-parsing. A Compiler turns expressions into programs once
// per ruleset: constant CIDRs, globs, regexps and list sets are prepared at
// compile time, so evaluating a rule costs lookups, not parsing.
//
// Evaluating programs, indexing rules by log type and producing alerts is the
// job of the parent package engine.
package rule
