package rule

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/schema"
	"gopkg.in/yaml.v3"
)

// RuleKeys lists every key a rule file may hold, in the canonical order
// (DESIGN.md's, which `ruleck fmt` writes).
var RuleKeys = []string{
	"name", "description", "log_types", "datatypes", "matchers", "condition",
	"outputs", "severity", "tags", "req_subkeys", "context", "merge_by_keys",
	"merge_window", "dedup_period", "dedup_keys", "threshold", "staged",
	"enabled", "tests",
}

// LibraryKeys lists the keys of a library file, in canonical order; a file
// holding only these keys is a library file.
var LibraryKeys = []string{"matchers", "lists"}

// TestKeys lists the keys of one test case, in canonical order.
var TestKeys = []string{"description", "log_type", "record", "raw", "trigger"}

var (
	ruleNameRE  = regexp.MustCompile(`^[a-z0-9_]+$`)
	identNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// IsRuleFile reports whether name has a rule file extension (.yaml, .yml).
func IsRuleFile(name string) bool {
	ext := path.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// WalkVisible walks fsys as fs.WalkDir does, in lexical order, calling fn
// for every file (not directory) that is neither hidden nor in a hidden
// folder: a name starting with a dot is skipped, with all it holds. An
// error reading a path is passed to fn, as fs.WalkDir passes it. It is the
// walk Parse reads a rules tree with, so that every tool that reads or
// uploads a tree sees the same files.
func WalkVisible(fsys fs.FS, fn fs.WalkDirFunc) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fn(p, d, err)
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		return fn(p, d, nil)
	})
}

// Parse reads every *.yaml and *.yml file under fsys (recursively, skipping
// names that start with a dot) as a rule file or a library file, validates
// them and resolves matcher references across files. Every problem found is
// returned, sorted; the Library is returned even when diags hold errors (it
// then holds what could be parsed), so that tools can report further.
func Parse(fsys fs.FS) (*Library, diag.List) {
	lib := &Library{Matchers: map[string]*Matcher{}, Lists: map[string]*List{}, trees: &treeCache{}}
	var diags diag.List
	var files []string
	err := WalkVisible(fsys, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			diags.Errorf(diag.Pos{File: p}, "io", "%v", err)
			return nil
		}
		if IsRuleFile(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		diags.Errorf(diag.Pos{File: "."}, "io", "%v", err)
	}
	// Files are read and parsed on every core, each into a library of its
	// own, then merged in walk order, so the result and the diagnostics are
	// those of parsing them one after another.
	parsed := make([]parsedFile, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(files)/16)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				pf := &parsed[i]
				pf.lib = &Library{Matchers: map[string]*Matcher{}, Lists: map[string]*List{}}
				src, err := fs.ReadFile(fsys, files[i])
				if err != nil {
					pf.diags.Errorf(diag.Pos{File: files[i]}, "io", "%v", err)
					pf.unread = true
					continue
				}
				ParseFile(pf.lib, files[i], src, &pf.diags)
			}
		})
	}
	wg.Wait()
	for i := range parsed {
		parsed[i].mergeInto(lib, files[i], &diags)
	}
	Resolve(lib, &diags)
	diags.Sort()
	return lib, diags
}

// parsedFile is one file parsed on its own, to be merged into the library.
type parsedFile struct {
	lib    *Library
	diags  diag.List
	unread bool
}

// mergeInto adds the file's rules, matchers and lists to lib, diagnosing
// names an earlier file already defined as ParseFile would have.
func (pf *parsedFile) mergeInto(lib *Library, file string, diags *diag.List) {
	diags.Add(pf.diags...)
	if pf.unread {
		return
	}
	lib.Files = append(lib.Files, file)
	lib.Rules = append(lib.Rules, pf.lib.Rules...)
	for _, name := range sortedNames(pf.lib.Matchers) {
		m := pf.lib.Matchers[name]
		if first, dup := lib.Matchers[name]; dup {
			diags.Errorf(m.Pos, "duplicate-matcher", "matcher %q is already defined at %s", name, first.Pos)
			continue
		}
		lib.Matchers[name] = m
	}
	for _, name := range sortedNames(pf.lib.Lists) {
		l := pf.lib.Lists[name]
		if first, dup := lib.Lists[name]; dup {
			diags.Errorf(l.Pos, "duplicate-list", "list %q is already defined at %s", name, first.Pos)
			continue
		}
		lib.Lists[name] = l
	}
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ParseFile parses one file's bytes into lib (a rule is appended to
// lib.Rules, library matchers and lists are added to lib.Matchers and
// lib.Lists, duplicates are diagnosed). Call Resolve once all files are in.
func ParseFile(lib *Library, file string, src []byte, diags *diag.List) {
	p := &parser{file: file, src: src, diags: diags}
	p.parse(lib)
}

type parser struct {
	file  string
	src   []byte
	lines []string
	diags *diag.List
}

func (p *parser) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: p.file, Line: n.Line, Col: n.Column}
}

func (p *parser) errorf(n *yaml.Node, code, format string, args ...any) {
	p.diags.Errorf(p.pos(n), code, format, args...)
}

func (p *parser) parse(lib *Library) {
	dec := yaml.NewDecoder(bytes.NewReader(p.src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.diags.Warnf(diag.Pos{File: p.file}, "empty-file", "file holds no rule")
			return
		}
		p.diags.Add(diag.YAMLSyntax(p.file, err))
		return
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errorf(&extra, "multiple-documents", "a file holds one rule or one library; found a second YAML document")
	} else if !errors.Is(err, io.EOF) {
		p.diags.Add(diag.YAMLSyntax(p.file, err))
	}
	if d := schema.CheckAliases(p.file, &doc); d != nil {
		p.diags.Add(*d)
		return
	}
	if len(doc.Content) == 0 {
		p.diags.Warnf(diag.Pos{File: p.file}, "empty-file", "file holds no rule")
		return
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		p.diags.Warnf(diag.Pos{File: p.file}, "empty-file", "file holds no rule")
		return
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "wrong-type", "a rule file must be a mapping, found %s", schema.YAMLKind(root))
		return
	}
	p.lines = strings.Split(string(p.src), "\n")
	library := len(root.Content) > 0
	for i := 0; i < len(root.Content); i += 2 {
		if !slices.Contains(LibraryKeys, root.Content[i].Value) {
			library = false
		}
	}
	if library {
		p.library(lib, root)
		return
	}
	if r := p.rule(root); r != nil {
		lib.Rules = append(lib.Rules, r)
	}
}

// pairs walks a mapping's key/value pairs, diagnosing duplicate and
// non-scalar keys.
func (p *parser) pairs(n *yaml.Node, fn func(k, v *yaml.Node)) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "wrong-type", "a key must be a string, found %s", schema.YAMLKind(k))
			continue
		}
		if first, ok := seen[k.Value]; ok {
			p.errorf(k, "duplicate-key", "duplicate key %q (first at %s)", k.Value, p.pos(first))
			continue
		}
		seen[k.Value] = k
		fn(k, v)
	}
}

func (p *parser) library(lib *Library, root *yaml.Node) {
	p.pairs(root, func(k, v *yaml.Node) {
		if isNull(v) {
			return
		}
		if v.Kind != yaml.MappingNode {
			p.errorf(v, "wrong-type", "%s must be a mapping of names, found %s", k.Value, schema.YAMLKind(v))
			return
		}
		switch k.Value {
		case "matchers":
			p.pairs(v, func(name, val *yaml.Node) {
				if !identNameRE.MatchString(name.Value) {
					p.errorf(name, "bad-name", "matcher name %q must be an identifier ([A-Za-z_][A-Za-z0-9_]*)", name.Value)
				}
				e, ok := p.exprNode(val, "matcher "+name.Value)
				if !ok {
					return
				}
				m := &Matcher{Name: name.Value, Expr: e, Pos: p.pos(name)}
				if first, dup := lib.Matchers[m.Name]; dup {
					p.errorf(name, "duplicate-matcher", "matcher %q is already defined at %s", m.Name, first.Pos)
					return
				}
				lib.Matchers[m.Name] = m
			})
		case "lists":
			p.pairs(v, func(name, val *yaml.Node) {
				if !identNameRE.MatchString(name.Value) {
					p.errorf(name, "bad-name", "list name %q must be an identifier ([A-Za-z_][A-Za-z0-9_]*)", name.Value)
				}
				l := &List{Name: name.Value, Pos: p.pos(name), Values: []any{}}
				if val.Kind != yaml.SequenceNode {
					if !isNull(val) {
						p.errorf(val, "wrong-type", "list %s must be a sequence of values, found %s", name.Value, schema.YAMLKind(val))
						return
					}
				}
				for _, it := range val.Content {
					x, ok := scalarValue(it)
					if !ok {
						p.errorf(it, "wrong-type", "list %s: items must be scalars (string, number, boolean), found %s", name.Value, schema.YAMLKind(it))
						continue
					}
					l.Values = append(l.Values, x)
					l.ItemPos = append(l.ItemPos, p.pos(it))
				}
				if first, dup := lib.Lists[l.Name]; dup {
					p.errorf(name, "duplicate-list", "list %q is already defined at %s", l.Name, first.Pos)
					return
				}
				lib.Lists[l.Name] = l
			})
		}
	})
}

func (p *parser) rule(root *yaml.Node) *Rule {
	r := &Rule{File: p.file, Pos: p.pos(root), Enabled: true, Keys: map[string]diag.Pos{}, Items: map[string][]diag.Pos{}}
	p.pairs(root, func(k, v *yaml.Node) {
		key := k.Value
		if !slices.Contains(RuleKeys, key) {
			msg := fmt.Sprintf("unknown key %q in rule", key)
			if key == "lists" {
				msg += " (lists belong in a library file holding only matchers and lists)"
			} else if s := diag.Suggest(key, RuleKeys); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			p.errorf(k, "unknown-key", "%s", msg)
			return
		}
		r.Keys[key] = p.pos(k)
		if isNull(v) {
			if key == "name" || key == "condition" {
				p.errorf(v, "wrong-type", "%s must not be empty", key)
			}
			return
		}
		switch key {
		case "name":
			if s, ok := p.str(v, key); ok {
				r.Name = s
				if !ruleNameRE.MatchString(s) {
					p.errorf(v, "bad-name", "rule name %q must match [a-z0-9_]+", s)
				}
			}
		case "description":
			if v.Kind == yaml.ScalarNode {
				r.Description = v.Value
			} else {
				p.errorf(v, "wrong-type", "description must be a string, found %s", schema.YAMLKind(v))
			}
		case "log_types", "datatypes", "outputs", "tags", "merge_by_keys", "dedup_keys":
			list, ps := p.strList(v, key)
			r.Items[key] = ps
			switch key {
			case "log_types":
				r.LogTypes = list
			case "datatypes":
				r.Datatypes = list
			case "outputs":
				r.Outputs = list
				for i, o := range list {
					if svc, desc, ok := strings.Cut(o, ":"); !ok || svc == "" || desc == "" {
						p.diags.Errorf(ps[i], "bad-output", "output %q must be service:descriptor", o)
					}
				}
			case "tags":
				r.Tags = list
			case "merge_by_keys":
				r.MergeByKeys = list
			case "dedup_keys":
				r.DedupKeys = list
			}
		case "matchers":
			r.Matchers = p.matcherRefs(r, v)
		case "condition":
			if e, ok := p.exprNode(v, "condition"); ok {
				r.Condition = &e
			}
		case "severity":
			if s, ok := p.str(v, key); ok {
				r.Severity = s
				if !slices.Contains(Severities, s) {
					msg := fmt.Sprintf("severity %q must be one of %s", s, strings.Join(Severities, ", "))
					if g := diag.Suggest(s, Severities); g != "" {
						msg += fmt.Sprintf("; did you mean %q?", g)
					}
					p.errorf(v, "bad-severity", "%s", msg)
				}
			}
		case "req_subkeys":
			if v.Kind != yaml.MappingNode {
				p.errorf(v, "wrong-type", "req_subkeys must be a mapping of key to a list of sub-keys, found %s", schema.YAMLKind(v))
				return
			}
			r.ReqSubkeys = map[string][]string{}
			p.pairs(v, func(sk, sv *yaml.Node) {
				list, _ := p.strList(sv, "req_subkeys."+sk.Value)
				r.ReqSubkeys[sk.Value] = list
			})
		case "context":
			if v.Kind != yaml.MappingNode {
				p.errorf(v, "wrong-type", "context must be a mapping, found %s", schema.YAMLKind(v))
				return
			}
			var m map[string]any
			if err := v.Decode(&m); err != nil {
				p.errorf(v, "wrong-type", "context: %v", err)
				return
			}
			r.Context = m
		case "merge_window", "dedup_period":
			if s, ok := p.str(v, key); ok {
				d, err := time.ParseDuration(s)
				switch {
				case err != nil:
					p.errorf(v, "bad-duration", "%s %q is not a duration such as 10m or 1h30m", key, s)
				case d < 0:
					p.errorf(v, "bad-duration", "%s must not be negative", key)
				case key == "merge_window":
					r.MergeWindow = d
				default:
					r.DedupPeriod = d
				}
			}
		case "threshold":
			var n int
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil || n < 0 {
				p.errorf(v, "wrong-type", "threshold must be a non-negative integer")
				return
			}
			r.Threshold = n
		case "staged", "enabled":
			var b bool
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&b) != nil {
				p.errorf(v, "wrong-type", "%s must be true or false", key)
				return
			}
			if key == "staged" {
				r.Staged = b
			} else {
				r.Enabled = b
			}
		case "tests":
			r.Tests = p.tests(v)
		}
	})
	if _, ok := r.Keys["name"]; !ok {
		p.diags.Errorf(r.Pos, "missing-key", "rule has no name")
	}
	if r.LogTypes == nil && r.Datatypes == nil {
		p.diags.Errorf(r.Pos, "missing-key", "rule %s needs log_types or datatypes", r.Name)
	}
	if r.Condition == nil && len(r.Matchers) == 0 {
		p.diags.Errorf(r.Pos, "missing-key", "rule %s needs a condition or matchers", r.Name)
	}
	switch _, hasWindow := r.Keys["merge_window"]; {
	case len(r.MergeByKeys) > 0 && !hasWindow:
		p.diags.Errorf(r.KeyPos("merge_by_keys"), "missing-key", "merge_by_keys needs a merge_window (how long to gather alerts before sending one)")
	case hasWindow && len(r.MergeByKeys) == 0:
		p.diags.Errorf(r.KeyPos("merge_window"), "missing-key", "merge_window needs merge_by_keys (the keys whose equal values make alerts one)")
	}
	if len(r.DedupKeys) > 0 && r.DedupPeriod == 0 && r.Threshold <= 1 {
		p.diags.Errorf(r.KeyPos("dedup_keys"), "missing-key", "dedup_keys needs dedup_period or a threshold above 1 (they group the alerts those count)")
	}
	return r
}

func (p *parser) matcherRefs(r *Rule, v *yaml.Node) []MatcherRef {
	var refs []MatcherRef
	local := func(k, val *yaml.Node) {
		if !identNameRE.MatchString(k.Value) {
			p.errorf(k, "bad-name", "matcher name %q must be an identifier ([A-Za-z_][A-Za-z0-9_]*)", k.Value)
		}
		e, ok := p.exprNode(val, "matcher "+k.Value)
		if !ok {
			return
		}
		m := &Matcher{Name: k.Value, Expr: e, Rule: r.Name, Pos: p.pos(k)}
		refs = append(refs, MatcherRef{Name: k.Value, Local: m, Pos: p.pos(k)})
	}
	switch v.Kind {
	case yaml.MappingNode:
		p.pairs(v, local)
	case yaml.SequenceNode:
		for _, it := range v.Content {
			switch {
			case it.Kind == yaml.ScalarNode && it.Tag == "!!str":
				refs = append(refs, MatcherRef{Name: it.Value, Pos: p.pos(it)})
			case it.Kind == yaml.MappingNode:
				p.pairs(it, local)
			default:
				p.errorf(it, "wrong-type", "a matchers item must be a matcher name or name: expression, found %s", schema.YAMLKind(it))
			}
		}
	default:
		p.errorf(v, "wrong-type", "matchers must be a list of matcher names, found %s", schema.YAMLKind(v))
	}
	seen := map[string]diag.Pos{}
	for _, ref := range refs {
		if first, ok := seen[ref.Name]; ok {
			p.diags.Errorf(ref.Pos, "duplicate-matcher", "matcher %q is listed twice (first at %s)", ref.Name, first)
		}
		seen[ref.Name] = ref.Pos
	}
	return refs
}

func (p *parser) tests(v *yaml.Node) []Test {
	if v.Kind != yaml.SequenceNode {
		p.errorf(v, "wrong-type", "tests must be a list of test cases, found %s", schema.YAMLKind(v))
		return nil
	}
	var tests []Test
	for _, tn := range v.Content {
		if tn.Kind != yaml.MappingNode {
			p.errorf(tn, "wrong-type", "a test case must be a mapping, found %s", schema.YAMLKind(tn))
			continue
		}
		t := Test{Pos: p.pos(tn), Keys: map[string]diag.Pos{}}
		p.pairs(tn, func(k, v *yaml.Node) {
			key := k.Value
			if !slices.Contains(TestKeys, key) {
				msg := fmt.Sprintf("unknown key %q in test case", key)
				if s := diag.Suggest(key, TestKeys); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				p.errorf(k, "unknown-key", "%s", msg)
				return
			}
			t.Keys[key] = p.pos(k)
			switch key {
			case "description":
				if v.Kind == yaml.ScalarNode {
					t.Description = v.Value
				} else {
					p.errorf(v, "wrong-type", "description must be a string, found %s", schema.YAMLKind(v))
				}
			case "record":
				var m map[string]any
				if v.Kind != yaml.MappingNode || v.Decode(&m) != nil {
					p.errorf(v, "wrong-type", "record must be a mapping (a parsed record), found %s", schema.YAMLKind(v))
					return
				}
				t.Record = m
			case "raw":
				if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
					p.errorf(v, "wrong-type", "raw must be a string (a raw log line or document), found %s", schema.YAMLKind(v))
					return
				}
				t.Raw, t.HasRaw = v.Value, true
			case "log_type":
				if s, ok := p.str(v, key); ok {
					t.LogType = s
				}
			case "trigger":
				if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&t.Trigger) != nil {
					p.errorf(v, "wrong-type", "trigger must be true or false")
				}
			}
		})
		_, hasRec := t.Keys["record"]
		_, hasRaw := t.Keys["raw"]
		switch {
		case hasRec && hasRaw:
			p.diags.Errorf(t.Pos, "bad-test", "a test case has record or raw, not both")
		case !hasRec && !hasRaw:
			p.diags.Errorf(t.Pos, "missing-key", "a test case needs record or raw")
		}
		if _, ok := t.Keys["trigger"]; !ok {
			p.diags.Errorf(t.Pos, "missing-key", "a test case needs trigger: true or false")
		}
		tests = append(tests, t)
	}
	return tests
}

func (p *parser) str(v *yaml.Node, key string) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
		p.errorf(v, "wrong-type", "%s must be a string, found %s", key, schema.YAMLKind(v))
		return "", false
	}
	return v.Value, true
}

func (p *parser) strList(v *yaml.Node, key string) ([]string, []diag.Pos) {
	if isNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(v, "wrong-type", "%s must be a list of strings, found %s", key, schema.YAMLKind(v))
		return nil, nil
	}
	list, ps := []string{}, []diag.Pos{}
	for _, it := range v.Content {
		if it.Kind != yaml.ScalarNode || it.Tag != "!!str" {
			p.errorf(it, "wrong-type", "%s items must be strings, found %s", key, schema.YAMLKind(it))
			continue
		}
		list = append(list, it.Value)
		ps = append(ps, p.pos(it))
	}
	return list, ps
}

// exprNode reads an expression scalar and records how its text maps back to
// the file.
func (p *parser) exprNode(v *yaml.Node, what string) (Expr, bool) {
	if v.Kind != yaml.ScalarNode || isNull(v) {
		p.errorf(v, "wrong-type", "%s must be an expression (a string), found %s", what, schema.YAMLKind(v))
		return Expr{}, false
	}
	if strings.TrimSpace(v.Value) == "" {
		p.errorf(v, "wrong-type", "%s must not be empty", what)
		return Expr{}, false
	}
	e := Expr{Source: v.Value, Pos: p.pos(v)}
	switch {
	case v.Style&yaml.LiteralStyle != 0, v.Style&yaml.FoldedStyle != 0:
		e.style = styleLiteral
		if v.Style&yaml.FoldedStyle != 0 {
			e.style = styleFolded
		}
		e.indent = -1
		for i := v.Line; i < len(p.lines); i++ { // p.lines[v.Line] is the line after the indicator
			line := p.lines[i]
			trimmed := strings.TrimLeft(line, " ")
			if strings.TrimSpace(line) == "" {
				if e.indent >= 0 {
					e.folded = append(e.folded, 0)
				}
				continue
			}
			ind := len(line) - len(trimmed)
			if e.indent < 0 {
				e.indent = ind
			} else if ind < e.indent {
				break
			}
			e.folded = append(e.folded, utf8.RuneCountInString(strings.TrimRight(line[e.indent:], "\r")))
		}
		if e.indent < 0 {
			e.indent = v.Column
		}
	case v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		e.style = styleQuoted
	}
	return e, true
}

// Resolve runs the checks that need every file: each rule's library matcher
// references must name a defined matcher, and rule names must be unique. It
// sorts lib.Rules by name. Parse calls it; call it yourself after ParseFile.
func Resolve(lib *Library, diags *diag.List) {
	slices.SortStableFunc(lib.Rules, func(a, b *Rule) int { return strings.Compare(a.Name, b.Name) })
	byName := map[string]*Rule{}
	names := make([]string, 0, len(lib.Matchers))
	for n := range lib.Matchers {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, r := range lib.Rules {
		if r.Name != "" {
			if first, ok := byName[r.Name]; ok {
				a, b := first, r
				if b.KeyPos("name").Compare(a.KeyPos("name")) < 0 {
					a, b = b, a
				}
				diags.Errorf(b.KeyPos("name"), "duplicate-rule", "rule %q is already defined at %s", r.Name, a.KeyPos("name"))
			} else {
				byName[r.Name] = r
			}
		}
		for _, ref := range r.Matchers {
			if ref.Local != nil {
				continue
			}
			if _, ok := lib.Matchers[ref.Name]; !ok {
				msg := fmt.Sprintf("unknown matcher %q", ref.Name)
				if s := diag.Suggest(ref.Name, names); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				diags.Errorf(ref.Pos, "unknown-matcher", "%s", msg)
			}
		}
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// scalarValue decodes a scalar item to string, int64, float64 or bool.
func scalarValue(n *yaml.Node) (any, bool) {
	if n.Kind != yaml.ScalarNode {
		return nil, false
	}
	switch n.Tag {
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			return i, true
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f, true
		}
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b, true
		}
	case "!!null":
		return nil, false
	}
	return n.Value, true
}
