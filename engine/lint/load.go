package lint

import (
	"io/fs"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
)

// Load is how a ruleset goes live anywhere: `streamalert run`, each --watch
// reload, the Lambda functions and `streamalert rules push`. It builds the
// rules with engine.Build and runs every check of this package, exactly as
// Check (`ruleck lint`) does, and returns the ruleset only when no
// diagnostic is an error: a ruleset that lint rejects never goes live.
// Warnings come back with the ruleset and never block it. The diagnostics are
// sorted; Load never panics on bad input.
//
// opts.Build carries the engine options (OnRuleError, ErrorInterval);
// opts.Schemas and opts.Config override its Schemas and Config.
func Load(rules fs.FS, opts Options) (rs *engine.Ruleset, diags diag.List) {
	defer func() {
		// A panic below is a bug in the engine or here; refuse the set and
		// say so rather than crash a running server.
		if r := recover(); r != nil {
			rs = nil
			diags.Errorf(diag.Pos{File: "."}, "internal-error", "bug: panic while checking rules: %v", r)
			diags.Sort()
		}
	}()
	bo := opts.Build
	bo.Schemas, bo.Config = opts.Schemas, opts.Config
	lib, parseDiags := rule.Parse(rules)
	rs, diags = engine.BuildLibrary(lib, parseDiags, bo)
	if opts.Schemas != nil {
		diags.Add(Library(lib, opts.Schemas)...)
	}
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	return rs, diags
}
