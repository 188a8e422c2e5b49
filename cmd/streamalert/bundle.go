package main

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
	"github.com/streamalert-go/streamalert/schemas"
)

// source is where rules or schemas are read from: a folder or the embedded
// defaults. prefix is put before file names in diagnostics.
type source struct {
	fsys   fs.FS
	prefix string
}

func pickFS(dir string, embedded fs.FS, name string) source {
	if dir == "" {
		return source{embedded, name + " (embedded)/"}
	}
	return source{os.DirFS(dir), filepath.ToSlash(filepath.Clean(dir)) + "/"}
}

// relocate rewrites diagnostic file names from fs-relative to user-facing.
func relocate(ds diag.List, prefix string) diag.List {
	for i := range ds {
		if ds[i].Pos.File != "" {
			ds[i].Pos.File = prefix + ds[i].Pos.File
		}
	}
	return ds
}

// loadBundle loads schemas, then rules compiled against them (unless
// classifyOnly). The bundle is nil when any diagnostic is an error. It reads
// the folders afresh on every call, so a reload calls it again.
func loadBundle(f *localFlags, cfg *config.Config, onRuleError func(engine.RuleError)) (*engine.Bundle, diag.List) {
	sch := pickFS(f.schemas, schemas.FS, "schemas")
	set, diags := schema.Load(sch.fsys)
	diags = relocate(diags, sch.prefix)
	if set == nil || diags.HasErrors() {
		return nil, diags
	}
	if f.classifyOnly {
		return engine.NewBundle(set, nil), diags
	}
	rls := pickFS(f.rules, rulesd.FS, "rules.d")
	rs, rdiags := engine.Build(rls.fsys, engine.Options{Schemas: set, Config: cfg, OnRuleError: onRuleError})
	diags = append(diags, relocate(rdiags, rls.prefix)...)
	if rs == nil || diags.HasErrors() {
		return nil, diags
	}
	return engine.NewBundle(set, rs), diags
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
