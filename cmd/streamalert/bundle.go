package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/bundle"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
)

// tree is a folder flag as a bundle.Tree; "" is the embedded defaults.
func tree(dir string) bundle.Tree {
	if dir == "" {
		return bundle.Tree{}
	}
	return bundle.Tree{FS: os.DirFS(dir), Prefix: filepath.ToSlash(filepath.Clean(dir)) + "/"}
}

// loadBundle loads schemas, then rules compiled and checked against them
// (unless classifyOnly) with the one loading path (bundle.Load), from a
// consistent snapshot of the folders (see snapshot; settle is the pause
// between its two reads: 0 at start-up, a little on a --watch reload, when
// an editor may still be saving). The bundle is nil when any diagnostic is
// an error. It reads the folders afresh on every call, so a reload calls it
// again.
func loadBundle(f *localFlags, cfg *config.Config, onRuleError func(engine.RuleError), settle time.Duration) (*engine.Bundle, diag.List) {
	trees, err := snapshot(settle, f.schemas, f.rules)
	if err != nil {
		var diags diag.List
		diags.Errorf(diag.Pos{File: f.rules}, "io", "%v", err)
		return nil, diags
	}
	opts := bundle.Options{
		Schemas:      tree(f.schemas),
		Rules:        tree(f.rules),
		Config:       cfg,
		OnRuleError:  onRuleError,
		ClassifyOnly: f.classifyOnly,
	}
	if trees[0] != nil {
		opts.Schemas.FS = trees[0]
	}
	if trees[1] != nil {
		opts.Rules.FS = trees[1]
	}
	return bundle.Load(opts)
}

func loadConfig(file string) (*config.Config, diag.List, error) {
	if file == "" {
		return nil, nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	cfg, diags := config.Load(data, file)
	return cfg, diags, nil
}
