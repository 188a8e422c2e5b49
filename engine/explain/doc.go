// Package explain says why a rule did or did not fire on a record: the log
// type the record classified as (or, for each candidate, why it did not
// fit), then for every rule of that type its matchers, its req_subkeys and
// every clause of its condition with the value it evaluated to.
//
// It runs the engine's own code: records are classified by the bundle's
// Classifier, the verdict and the alert come from Ruleset.EvaluateAll, and
// each clause is compiled from the rule's parsed expression tree with the
// same compiler options, environment and helper functions as the engine
// (rule.Compiler.CompileValue), so no operator is re-implemented here.
//
// The reports are plain data, JSON-serialisable with a stable shape
// (ruleck explain --format json, the playground), and WriteText renders them
// for people.
package explain
