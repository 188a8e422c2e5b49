// Package sigma converts Sigma detection rules (github.com/SigmaHQ/sigma,
// the public rule format of the Sigma project) into StreamAlert rule files.
//
// A Sigma rule's logsource is turned into log types, and its field names into
// record paths, by a mapping (see Mappings; the shipped mappings are embedded
// and a user's mapping file extends or overrides them). Its detection
// (selections, the condition, wildcards and value modifiers) becomes one expr
// condition with Sigma's semantics: string matches are case-insensitive
// unless the cased modifier says otherwise, re is case-sensitive, a list of
// values is an OR (an AND with the all modifier), a list of maps is an OR of
// ANDs.
//
// A construct the converter cannot translate exactly (aggregations, near,
// correlations, an unknown modifier, an unmapped logsource or field, a
// regular expression RE2 does not accept) refuses the rule with its Sigma
// file position: a refused rule is never written weaker than its source. A
// converted rule is laid out by lint.Format and checked by lint.Check against
// the schemas before it is returned; one that does not lint clean is refused
// with the diagnostic.
package sigma
