package main

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
	"github.com/streamalert-go/streamalert/schemas"
)

// defaultPath is where rules are read from when no PATH is given.
const defaultPath = "rules.d"

// ruleFiles is every rule file and test-event file under the PATHs, in one
// in-memory tree handed to the engine. Keys are the paths as the user wrote
// them when they are valid fs paths (so diagnostics read naturally), else a
// synthetic prefix; display maps each key back to the OS path.
type ruleFiles struct {
	fsys    fstest.MapFS
	display map[string]string
	yaml    []string // keys of the rule and library files, sorted
	events  []string // keys of .json files (maybe StreamAlert test events), sorted
}

// readRuleFiles reads the PATHs (default rules.d). A missing PATH or an
// unreadable file is an I/O error.
func readRuleFiles(paths []string) (*ruleFiles, error) {
	if len(paths) == 0 {
		paths = []string{defaultPath}
	}
	rf := &ruleFiles{fsys: fstest.MapFS{}, display: map[string]string{}}
	add := func(key, osPath string) error {
		if _, dup := rf.display[key]; dup {
			return nil
		}
		data, err := os.ReadFile(osPath)
		if err != nil {
			return err
		}
		rf.fsys[key] = &fstest.MapFile{Data: data}
		rf.display[key] = osPath
		if rule.IsRuleFile(key) {
			rf.yaml = append(rf.yaml, key)
		} else {
			rf.events = append(rf.events, key)
		}
		return nil
	}
	for i, arg := range paths {
		prefix := filepath.ToSlash(filepath.Clean(arg))
		if !fs.ValidPath(prefix) {
			prefix = fmt.Sprintf("path%d", i)
		}
		st, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if err := add(prefix, arg); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != arg && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !(rule.IsRuleFile(p) || filepath.Ext(p) == ".json") {
				return nil
			}
			rel, err := filepath.Rel(arg, p)
			if err != nil {
				return err
			}
			return add(path.Join(prefix, filepath.ToSlash(rel)), p)
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(rf.yaml)
	slices.Sort(rf.events)
	return rf, nil
}

// show returns the OS path of a key (the key itself when unknown).
func (rf *ruleFiles) show(key string) string {
	if p, ok := rf.display[key]; ok {
		return p
	}
	return key
}

// relabel rewrites diagnostics' files from keys to OS paths.
func (rf *ruleFiles) relabel(ds diag.List) {
	for i := range ds {
		ds[i].Pos.File = rf.show(ds[i].Pos.File)
	}
}

// loadSchemas reads --schemas DIR, or the embedded schemas when dir is "".
// Schema problems come back as diagnostics (files as DIR/file); a missing
// folder is an error.
func loadSchemas(dir string) (*schema.Set, diag.List, error) {
	if dir == "" {
		set, ds := schema.Load(schemas.FS)
		return set, ds, nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, err
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("--schemas %s: not a folder", dir)
	}
	set, ds := schema.Load(os.DirFS(dir))
	for i := range ds {
		ds[i].Pos.File = filepath.Join(dir, ds[i].Pos.File)
	}
	return set, ds, nil
}

// loadConfig reads --config FILE; nil when file is "".
func loadConfig(file string) (*config.Config, diag.List, error) {
	if file == "" {
		return nil, nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	cfg, ds := config.Load(data, file)
	return cfg, ds, nil
}
