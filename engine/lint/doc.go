// Package lint holds the rule checks that go beyond loading and compiling:
// record and normalized field paths checked against the schemas of every log
// type a rule applies to, field types against the operators and literals
// they meet, conditions and matchers whose value is a field the schemas type
// as certainly not boolean (expr-type), merge_by_keys / dedup_keys /
// req_subkeys against the schemas, and warnings (a rule without tests or
// outputs, tests without both a firing and a quiet case, a constant
// condition, an unused matcher or list, a test record that does not
// classify).
//
// Check is what `ruleck lint` runs: it calls engine.Build (the engine's own
// loader and compiler, so load and compile errors are exactly the engine's)
// and adds these checks. Expressions are parsed again with expr's parser to
// walk their syntax trees; that is parsing only, validation stays in the
// engine.
//
// Format gives the canonical layout of a rule or library file (`ruleck fmt`).
package lint
