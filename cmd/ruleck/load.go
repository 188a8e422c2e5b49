package main

import (
	"errors"
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
// them when they are valid fs paths (so diagnostics read naturally), else
// (absolute paths, paths with "..") a synthetic prefix such as "arg0"
// followed by the file's own name, so the engine sees a .yaml file as one;
// display maps each key back to the OS path the user can open.
type ruleFiles struct {
	fsys    fstest.MapFS
	display map[string]string
	yaml    []string // keys of the rule and library files, sorted
	events  []string // keys of .json files (maybe StreamAlert test events), sorted
	// synthetic holds the keys whose prefix ruleck made up, to rewrite them
	// in messages that name another file.
	synthetic []string
	args      []string // the PATHs as given (rules.d when none)
}

// errNotRuleFile is returned for a file PATH that ruleck cannot check: it is
// never skipped silently.
var errNotRuleFile = errors.New("not a rule, library or test-event file (want .yaml, .yml, or a .json StreamAlert test-event file)")

// readRuleFiles reads the PATHs (default rules.d): a folder recursively
// (skipping names that start with a dot, following symbolic links to files
// and folders), a file as itself. Every PATH form works the same: relative,
// absolute, with "..", or through a symbolic link. A missing PATH, an
// unreadable file, or a file PATH that is not a rule, library or test-event
// file is an error; a file reached twice (two PATHs, or a link) is read once.
func readRuleFiles(paths []string) (*ruleFiles, error) {
	if len(paths) == 0 {
		paths = []string{defaultPath}
	}
	rf := &ruleFiles{fsys: fstest.MapFS{}, display: map[string]string{}, args: paths}
	seen := map[string]bool{} // real paths of the files read
	add := func(key, osPath string) error {
		real, err := filepath.EvalSymlinks(osPath)
		if err != nil {
			return err
		}
		if abs, err := filepath.Abs(real); err == nil {
			real = abs
		}
		if seen[real] {
			return nil
		}
		if _, dup := rf.display[key]; dup {
			return nil
		}
		data, err := os.ReadFile(osPath)
		if err != nil {
			return err
		}
		seen[real] = true
		rf.fsys[key] = &fstest.MapFile{Data: data}
		rf.display[key] = osPath
		if rule.IsRuleFile(key) {
			rf.yaml = append(rf.yaml, key)
		} else {
			rf.events = append(rf.events, key)
		}
		return nil
	}
	prefixes := make([]string, len(paths))
	valid := map[string]bool{} // first elements of the user's valid prefixes
	for i, arg := range paths {
		p := filepath.ToSlash(filepath.Clean(arg))
		if fs.ValidPath(p) {
			prefixes[i] = p
			valid[strings.SplitN(p, "/", 2)[0]] = true
		}
	}
	n := 0
	for i := range paths {
		if prefixes[i] != "" {
			continue
		}
		for ; ; n++ {
			if p := fmt.Sprintf("arg%d", n); !valid[p] {
				prefixes[i] = p
				n++
				break
			}
		}
	}
	for i, arg := range paths {
		prefix := filepath.ToSlash(filepath.Clean(arg))
		synthetic := prefix != prefixes[i]
		prefix = prefixes[i]
		st, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			key, err := fileKey(arg, prefix, synthetic)
			if err != nil {
				return nil, err
			}
			if synthetic {
				rf.synthetic = append(rf.synthetic, key)
			}
			if err := add(key, arg); err != nil {
				return nil, err
			}
			if f := rf.fsys[key]; f != nil && !rule.IsRuleFile(key) { // nil: read before under another key
				if _, isEvents, _ := parseEvents(f.Data); !isEvents {
					return nil, fmt.Errorf("%s: %w", arg, errNotRuleFile)
				}
			}
			continue
		}
		visited := map[string]bool{}
		var walk func(dir, keyDir string) error
		walk = func(dir, keyDir string) error {
			real, err := filepath.EvalSymlinks(dir)
			if err != nil {
				return err
			}
			if visited[real] {
				return nil // a link back up the tree
			}
			visited[real] = true
			entries, err := os.ReadDir(dir)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					continue
				}
				p, key := filepath.Join(dir, e.Name()), path.Join(keyDir, e.Name())
				isDir := e.IsDir()
				if e.Type()&fs.ModeSymlink != 0 {
					st, err := os.Stat(p)
					if err != nil {
						return err
					}
					isDir = st.IsDir()
				}
				if isDir {
					if err := walk(p, key); err != nil {
						return err
					}
					continue
				}
				if !(rule.IsRuleFile(p) || filepath.Ext(p) == ".json") {
					continue
				}
				if synthetic {
					rf.synthetic = append(rf.synthetic, key)
				}
				if err := add(key, p); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(arg, prefix); err != nil {
			return nil, err
		}
	}
	slices.Sort(rf.yaml)
	slices.Sort(rf.events)
	// Longest first, so that rewriting "arg1" never touches "arg10/...".
	slices.SortFunc(rf.synthetic, func(a, b string) int { return len(b) - len(a) })
	return rf, nil
}

// fileKey is the key of a file PATH: the cleaned path when it is a valid fs
// path with a known extension, else prefix/NAME, where NAME is the file's
// name, or its link target's name when only the target has a rule or event
// extension (a link "current" to "rule.yaml"). A file whose name and target
// name both lack one is errNotRuleFile.
func fileKey(arg, prefix string, synthetic bool) (string, error) {
	known := func(name string) bool { return rule.IsRuleFile(name) || path.Ext(name) == ".json" }
	name := filepath.Base(arg)
	if !known(name) {
		real, err := filepath.EvalSymlinks(arg)
		if err != nil {
			return "", err
		}
		if name = filepath.Base(real); !known(name) {
			return "", fmt.Errorf("%s: %w", arg, errNotRuleFile)
		}
		return prefix + "/" + name, nil
	}
	if synthetic {
		return prefix + "/" + name, nil
	}
	return prefix, nil
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
		for _, key := range rf.synthetic {
			if strings.Contains(ds[i].Message, key) {
				ds[i].Message = strings.ReplaceAll(ds[i].Message, key, rf.display[key])
			}
		}
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
