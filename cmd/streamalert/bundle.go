package main

import (
	"os"
	"path/filepath"

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
// (unless classifyOnly) with the one loading path (bundle.Load). The bundle
// is nil when any diagnostic is an error. It reads the folders afresh on
// every call, so a reload calls it again.
func loadBundle(f *localFlags, cfg *config.Config, onRuleError func(engine.RuleError)) (*engine.Bundle, diag.List) {
	return bundle.Load(bundle.Options{
		Schemas:      tree(f.schemas),
		Rules:        tree(f.rules),
		Config:       cfg,
		OnRuleError:  onRuleError,
		ClassifyOnly: f.classifyOnly,
	})
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
