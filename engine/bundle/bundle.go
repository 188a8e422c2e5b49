// Package bundle loads what the engine serves — schemas, then rules compiled
// and checked against them — from any fs.FS: a folder in local mode, an S3
// snapshot in the Lambda functions, the embedded defaults when none is given.
// It is the one loading path of `streamalert run`, --watch reloads, the
// Lambda functions and `streamalert rules push`, so they all accept exactly
// what `ruleck lint` accepts (lint.Load).
package bundle

import (
	"io/fs"
	"runtime/debug"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
	"github.com/streamalert-go/streamalert/schemas"
)

// Tree is a tree of files and the prefix diagnostics put before their names
// (a folder as the user wrote it, an s3:// URL). A zero Tree means the
// embedded defaults.
type Tree struct {
	FS     fs.FS
	Prefix string
}

// Embedded reports whether t is the zero Tree (the embedded defaults).
func (t Tree) Embedded() bool { return t.FS == nil }

func (t Tree) or(embedded fs.FS, name string) Tree {
	if t.FS == nil {
		return Tree{FS: embedded, Prefix: name + " (embedded)/"}
	}
	return t
}

// Options says where schemas and rules come from.
type Options struct {
	Schemas Tree // zero: the embedded schemas
	Rules   Tree // zero: the embedded rules.d
	// Config declares sources and outputs; nil is none.
	Config *config.Config
	// OnRuleError hears about rules' run-time errors (engine.Options).
	OnRuleError func(engine.RuleError)
	// ClassifyOnly loads the schemas alone (`streamalert classify`).
	ClassifyOnly bool
}

// LoadMemoryLimit is the soft memory limit (bytes) in force while Load runs.
const LoadMemoryLimit = 512 << 20

// Load loads schemas, then rules compiled and linted against them (unless
// ClassifyOnly). The bundle is nil when any diagnostic is an error; warnings
// come back with a bundle. Diagnostics name files with their tree's prefix.
// It reads the trees afresh on every call, so a reload calls it again.
//
// Loading allocates much that it does not keep (YAML and expression trees):
// while it runs, a soft memory limit of LoadMemoryLimit (or the process's,
// when lower) makes the collector work harder as the heap nears it, so a
// large ruleset's start-up does not take five times its live memory under a
// raised GOGC (gcpolicy), while a small one loads at full speed.
func Load(opts Options) (*engine.Bundle, diag.List) {
	if prev := debug.SetMemoryLimit(-1); prev > LoadMemoryLimit {
		debug.SetMemoryLimit(LoadMemoryLimit)
		defer debug.SetMemoryLimit(prev)
	}
	sch := opts.Schemas.or(schemas.FS, "schemas")
	set, diags := schema.Load(sch.FS)
	diags = Relocate(diags, sch.Prefix)
	if set == nil || diags.HasErrors() {
		return nil, diags
	}
	if opts.ClassifyOnly {
		return engine.NewBundle(set, nil), diags
	}
	rls := opts.Rules.or(rulesd.FS, "rules.d")
	rs, rdiags := lint.Load(rls.FS, lint.Options{
		Schemas: set,
		Config:  opts.Config,
		Build:   engine.Options{OnRuleError: opts.OnRuleError},
	})
	diags = append(diags, Relocate(rdiags, rls.Prefix)...)
	if rs == nil || diags.HasErrors() {
		return nil, diags
	}
	return engine.NewBundle(set, rs), diags
}

// Relocate rewrites diagnostic file names from tree-relative to user-facing
// by putting prefix before them, in place, and returns ds.
func Relocate(ds diag.List, prefix string) diag.List {
	for i := range ds {
		if ds[i].Pos.File != "" {
			ds[i].Pos.File = prefix + ds[i].Pos.File
		}
	}
	return ds
}
