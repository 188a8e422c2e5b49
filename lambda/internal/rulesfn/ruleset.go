package rulesfn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/bundle"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/lambda/rulestore"
)

// EmbeddedVersion is the ruleset version of the embedded rules and schemas,
// served when the bucket holds no rules or cannot be read at cold start.
const EmbeddedVersion = "embedded"

// served is what one ruleset version puts in service: the bundle and the
// configuration (sources) loaded with it.
type served struct {
	bundle  *engine.Bundle
	cfg     *config.Config
	version string
}

// load builds the bundle of a snapshot with the one loading path
// (bundle.Load, which lints as `ruleck lint` does). It returns the
// diagnostics, with S3 URLs as file names; served is nil on any error.
func (f *Function) load(snap rulestore.Snapshot) (*served, diag.List) {
	var diags diag.List
	var cfg *config.Config
	if snap.Config != nil {
		c, cdiags := config.Load(snap.Config, snap.Location+rulestore.ConfigFile)
		diags.Add(cdiags...)
		if cdiags.HasErrors() {
			return nil, diags
		}
		cfg = c
	}
	opts := bundle.Options{
		Rules:       bundle.Tree{FS: snap.Rules, Prefix: snap.Location + rulestore.RulesDir + "/"},
		Config:      cfg,
		OnRuleError: f.onRuleError,
	}
	if snap.Schemas != nil {
		opts.Schemas = bundle.Tree{FS: snap.Schemas, Prefix: snap.Location + rulestore.SchemasDir + "/"}
	}
	b, bdiags := bundle.Load(opts)
	diags.Add(bdiags...)
	diags.Sort()
	if b == nil {
		return nil, diags
	}
	return &served{bundle: b, cfg: cfg, version: snap.Version}, diags
}

// embedded loads the embedded defaults; they are checked by the tests, so a
// failure here is a build defect.
func (f *Function) embedded() (*served, error) {
	b, diags := bundle.Load(bundle.Options{OnRuleError: f.onRuleError})
	if b == nil {
		return nil, diags.Err()
	}
	return &served{bundle: b, version: EmbeddedVersion}, nil
}

// coldStart fetches and loads the rules; if the bucket is empty,
// unreachable, or its rules do not load, the embedded ruleset serves, and
// the log says so loudly.
func (f *Function) coldStart(ctx context.Context) error {
	start := f.now()
	snap, err := f.store.Fetch(ctx, "")
	f.lastCheck = f.now()
	if err == nil {
		f.warn(snap)
		s, diags := f.load(snap)
		f.logDiagnostics(snap.Version, diags)
		if s != nil {
			f.cur = s
			f.log.Info("ruleset live", "version", s.version, "location", snap.Location, "objects", snap.Objects,
				"rules", len(s.bundle.Rules.Rules()), "warnings", len(diags), "load_ms", time.Since(start).Milliseconds())
			return nil
		}
		f.failedVersion = snap.Version
		f.metrics.Add("RulesetReloadFailures", 1)
		err = errors.New("the rules in the bucket do not load (diagnostics above)")
	}
	s, eerr := f.embedded()
	if eerr != nil {
		return eerr
	}
	f.cur = s
	f.metrics.Add("RulesetEmbeddedFallback", 1)
	f.log.Error("SERVING THE EMBEDDED RULESET: the rules bucket could not be used at cold start", "error", err.Error(),
		"location", f.location, "rules", len(s.bundle.Rules.Rules()))
	return nil
}

// refresh re-lists the bucket at most every Refresh and swaps in a changed
// ruleset that loads; anything else keeps the running one.
func (f *Function) refresh(ctx context.Context) {
	if f.now().Sub(f.lastCheck) < f.refreshEvery {
		return
	}
	f.lastCheck = f.now()
	prev := f.cur.version
	if prev == EmbeddedVersion {
		prev = ""
	}
	snap, err := f.store.Fetch(ctx, prev)
	switch {
	case errors.Is(err, rulestore.ErrNotModified):
		return
	case errors.Is(err, rulestore.ErrPushInProgress):
		f.log.Info("rules push in progress; keeping the running ruleset", "version", f.cur.version, "detail", err.Error())
		return
	case err != nil:
		f.metrics.Add("RulesetFetchFailures", 1)
		f.log.Error("could not fetch the rules; keeping the running ruleset", "version", f.cur.version, "error", err.Error())
		return
	}
	if snap.Version == f.failedVersion {
		return // already reported
	}
	f.warn(snap)
	s, diags := f.load(snap)
	f.logDiagnostics(snap.Version, diags)
	if s == nil {
		f.failedVersion = snap.Version
		f.metrics.Add("RulesetReloadFailures", 1)
		f.log.Error("new ruleset refused; keeping the running ruleset", "refused_version", snap.Version,
			"version", f.cur.version, "errors", len(diags.Errors()))
		return
	}
	diff := engine.DiffRules(f.cur.bundle, s.bundle)
	old := f.cur
	f.cur = s
	f.failedVersion = ""
	f.metrics.Add("RulesetReloads", 1)
	f.log.Info("ruleset live", "version", s.version, "previous", old.version, "added", diff.Added,
		"removed", diff.Removed, "changed", diff.Changed, "warnings", len(diags))
}

func (f *Function) warn(snap rulestore.Snapshot) {
	for _, w := range snap.Warnings {
		f.log.Warn(w)
	}
}

// maxLoggedWarnings bounds the warnings logged for one ruleset version
// (errors are always logged, each once).
const maxLoggedWarnings = 50

// logDiagnostics logs each diagnostic once, as `ruleck lint` prints it:
// every error, the first maxLoggedWarnings warnings and how many more.
func (f *Function) logDiagnostics(version string, diags diag.List) {
	warnings := 0
	for _, d := range diags {
		level := slog.LevelError
		if d.Severity != diag.Error {
			level = slog.LevelWarn
			if warnings++; warnings > maxLoggedWarnings {
				continue
			}
		}
		f.log.Log(context.Background(), level, d.String(), "ruleset_version", version, "code", d.Code)
	}
	if warnings > maxLoggedWarnings {
		f.log.Warn(fmt.Sprintf("%d more warnings not logged (ruleck lint shows them all)", warnings-maxLoggedWarnings), "ruleset_version", version)
	}
}
