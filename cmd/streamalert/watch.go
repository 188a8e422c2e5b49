package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
)

// watchDebounce is how long the watcher waits after the last change before
// reloading: editors and `git checkout` write in bursts, and one reload per
// burst is what the analyst wants to see.
const watchDebounce = 150 * time.Millisecond

// reloadStats are the reload counters the metrics endpoint reports.
type reloadStats struct {
	ok, failed atomic.Uint64
	lastOK     atomic.Int64 // unix nanoseconds of the last successful load (the first one included)
	lastFailed atomic.Bool  // the latest attempt failed: an edit is not live
}

// reloader loads and compiles a whole new bundle off the hot path and swaps
// it into the processor only when all of it is good. One reload runs at a
// time.
type reloader struct {
	mu          sync.Mutex
	flags       *localFlags
	cfg         *config.Config
	onRuleError func(engine.RuleError)
	proc        *engine.Processor
	out         io.Writer
	stats       *reloadStats
}

// reloadSettle is the pause between the two reads of a reload's snapshot:
// long enough for an editor saving several files to finish.
const reloadSettle = 25 * time.Millisecond

// reload reads the rules and schemas again. On any error it prints the
// positioned diagnostics and keeps serving the bundle in service; otherwise
// it swaps the new bundle in and says what changed. It reports whether the
// new bundle is live.
func (r *reloader) reload() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, diags := loadBundle(r.flags, r.cfg, r.onRuleError, reloadSettle)
	diags.Sort()
	cur := r.proc.Bundle()
	if b == nil {
		r.stats.failed.Add(1)
		r.stats.lastFailed.Store(true)
		diags.WriteText(r.out)
		fmt.Fprintf(r.out, "streamalert: reload failed (%d errors); still serving the last good ruleset: %s, loaded %s\n",
			len(diags.Errors()), describeBundle(cur), cur.Loaded.Local().Format(time.TimeOnly))
		return false
	}
	diags.WriteText(r.out) // warnings
	old := r.proc.Swap(b)
	r.stats.ok.Add(1)
	r.stats.lastOK.Store(b.Loaded.UnixNano())
	r.stats.lastFailed.Store(false)
	fmt.Fprintf(r.out, "streamalert: ruleset live: %s (%s)\n", describeBundle(b), describeDiff(engine.DiffRules(old, b)))
	return true
}

// describeBundle says "N rules, M log types" (classify: only log types).
func describeBundle(b *engine.Bundle) string {
	types := len(b.Schemas.Names())
	if b.Rules == nil {
		return fmt.Sprintf("%d log types", types)
	}
	return fmt.Sprintf("%d rules, %d log types", len(b.Rules.Rules()), types)
}

func describeDiff(d engine.RuleDiff) string {
	if d.Empty() {
		return "no rule changed"
	}
	var parts []string
	add := func(what string, names []string) {
		if len(names) > 0 {
			parts = append(parts, what+": "+strings.Join(names, ", "))
		}
	}
	add("added", d.Added)
	add("changed", d.Changed)
	add("removed", d.Removed)
	return strings.Join(parts, "; ")
}

// dirWatcher watches folder trees for changes that matter to rules and
// schemas: files ending in .yaml, .yml or .json, and folders (a new folder
// is watched too, with everything below it). Editors that save by writing a
// temporary file and renaming it over the original are seen, because the
// folders, not the files, are watched. Hidden files, backup files (name~)
// and editor probes are ignored.
type dirWatcher struct {
	fsw  *fsnotify.Watcher
	out  io.Writer
	dirs map[string]bool // watched folders (only the run goroutine touches it after start)
}

func newDirWatcher(roots []string, out io.Writer) (*dirWatcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &dirWatcher{fsw: fsw, out: out, dirs: map[string]bool{}}
	for _, root := range roots {
		if err := w.addTree(root); err != nil {
			fsw.Close()
			return nil, fmt.Errorf("watch %s: %w", root, err)
		}
	}
	return w, nil
}

// addTree watches dir and every folder below it.
func (w *dirWatcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if err := w.fsw.Add(p); err != nil {
			return err
		}
		w.dirs[filepath.Clean(p)] = true
		return nil
	})
}

// relevant reports whether ev may change the bundle, watching new folders
// as a side effect.
func (w *dirWatcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	name := filepath.Base(ev.Name)
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") {
		return false
	}
	p := filepath.Clean(ev.Name)
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			if err := w.addTree(p); err != nil {
				fmt.Fprintf(w.out, "streamalert: watch %s: %v\n", p, err)
			}
			return true
		}
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if w.dirs[p] {
			for d := range w.dirs {
				if d == p || strings.HasPrefix(d, p+string(filepath.Separator)) {
					delete(w.dirs, d) // inotify drops the watch itself
				}
			}
			return true
		}
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// run calls onChange once per burst of relevant changes, watchDebounce
// after the last one, until ctx ends. onChange runs on this goroutine;
// changes made meanwhile trigger another call after it returns.
func (w *dirWatcher) run(ctx context.Context, onChange func()) {
	defer w.fsw.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if w.relevant(ev) {
				timer.Reset(watchDebounce)
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			fmt.Fprintf(w.out, "streamalert: watch: %v\n", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				timer.Reset(watchDebounce) // changes were missed: reload to be sure
			}
		case <-timer.C:
			if ctx.Err() == nil {
				onChange()
			}
		}
	}
}
