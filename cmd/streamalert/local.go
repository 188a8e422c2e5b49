package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
	"github.com/streamalert-go/streamalert/schemas"
)

// localFlags are the flags shared by run and classify.
type localFlags struct {
	rules, schemas, config, logs, deadLetter string
	classifyOnly                             bool
}

func (f *localFlags) register(fs *flag.FlagSet) {
	if !f.classifyOnly {
		fs.StringVar(&f.rules, "rules", "", "rules folder (default: the embedded rules.d)")
	}
	fs.StringVar(&f.schemas, "schemas", "", "schemas folder (default: the embedded schemas)")
	fs.StringVar(&f.config, "config", "", "configuration file (streamalert.yaml)")
	fs.StringVar(&f.logs, "logs", "", "comma-separated log families or types to try (default: the config's sources, else all)")
	fs.StringVar(&f.deadLetter, "dead-letter", "", "append records that did not classify to this file (JSON lines)")
}

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
// classifyOnly). The bundle is nil when any diagnostic is an error.
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

func runLocal(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, classifyOnly bool) int {
	name := "run"
	if classifyOnly {
		name = "classify"
	}
	f := &localFlags{classifyOnly: classifyOnly}
	fset := flag.NewFlagSet("streamalert "+name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	f.register(fset)
	if err := fset.Parse(args); err != nil {
		return 2
	}
	inputs := fset.Args()
	if len(inputs) == 0 {
		fmt.Fprintf(stderr, "streamalert %s: no INPUT given (a file, a folder, or - for stdin)\n", name)
		return 2
	}

	cfg, cdiags, err := loadConfig(f.config)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert: %v\n", err)
		return 2
	}
	if cdiags.HasErrors() {
		cdiags.Sort()
		cdiags.WriteText(stderr)
		return 1
	}
	reporter := &ruleErrorReporter{w: stderr}
	bundle, diags := loadBundle(f, cfg, reporter.report)
	diags.Sort()
	diags.WriteText(stderr)
	if bundle == nil {
		return 1
	}

	var logs []string
	if f.logs != "" {
		for _, l := range strings.Split(f.logs, ",") {
			if l = strings.TrimSpace(l); l != "" {
				logs = append(logs, l)
			}
		}
		if _, err := bundle.Schemas.Resolve(logs); err != nil {
			fmt.Fprintf(stderr, "streamalert: --logs: %v\n", err)
			return 2
		}
	}
	maxRecord := 0
	if cfg != nil {
		maxRecord = cfg.MaxRecordSize
	}

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	var dead *deadLetterFile
	if f.deadLetter != "" {
		dead, err = openDeadLetter(f.deadLetter)
		if err != nil {
			fmt.Fprintf(stderr, "streamalert: %v\n", err)
			return 2
		}
		defer dead.Close()
	}

	proc := engine.NewProcessor(bundle)
	sink := &localSink{out: out, dead: dead, classifyOnly: classifyOnly}
	readErrs := 0
	for _, in := range inputs {
		if ctx.Err() != nil {
			break
		}
		err := forEachInput(in, stdin, func(src engine.Source, r io.Reader, stream bool) error {
			candidates := logs
			if candidates == nil {
				candidates = cfg.LogsFor(src.Service, src.Entity)
			}
			opts := payload.Options{MaxRecordSize: maxRecord}
			yield := func(raw payload.Raw) error {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				res := proc.Process(raw.Data, raw.Err, src, candidates)
				return sink.write(src, raw, res, stream)
			}
			if stream {
				return payload.Stream(r, opts, yield)
			}
			return payload.Read(r, opts, yield)
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "streamalert: %v\n", err)
			readErrs++
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "streamalert: writing output: %v\n", err)
		return 2
	}
	printSummary(stderr, proc, bundle, classifyOnly)
	if readErrs > 0 {
		return 2
	}
	return 0
}

// forEachInput opens one INPUT: "-" is stdin (streamed line by line), a
// folder is walked in lexical order, a file is read whole (gzip detected).
func forEachInput(in string, stdin io.Reader, fn func(engine.Source, io.Reader, bool) error) error {
	if in == "-" {
		return fn(engine.Source{Service: "stdin", Entity: "-"}, stdin, true)
	}
	info, err := os.Stat(in)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return readFile(in, fn)
	}
	var files []string
	err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	var errs []error
	for _, p := range files {
		if err := readFile(p, fn); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func readFile(p string, fn func(engine.Source, io.Reader, bool) error) error {
	fh, err := os.Open(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	if err := fn(engine.Source{Service: "file", Entity: p}, fh, false); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// localSink writes alerts (run) or records (classify) as JSON lines, and
// unclassified records to the dead-letter file.
type localSink struct {
	out          *bufio.Writer
	dead         *deadLetterFile
	classifyOnly bool
}

type classifiedLine struct {
	LogType    string           `json:"log_type"`
	Record     map[string]any   `json:"record"`
	Normalized map[string][]any `json:"normalized,omitempty"`
}

type errorLine struct {
	Error string `json:"error"`
	Raw   string `json:"raw"`
}

func (s *localSink) write(src engine.Source, raw payload.Raw, res engine.Result, stream bool) error {
	enc := json.NewEncoder(s.out)
	enc.SetEscapeHTML(false)
	if res.Err != nil {
		if s.dead != nil {
			if err := s.dead.write(src, raw, res.Err); err != nil {
				return err
			}
		}
		if s.classifyOnly {
			if err := enc.Encode(errorLine{Error: reason(src, raw, res.Err), Raw: rawText(raw.Data)}); err != nil {
				return err
			}
		}
	}
	if s.classifyOnly {
		for _, r := range res.Records {
			if err := enc.Encode(classifiedLine{LogType: r.Type.Name, Record: r.Data, Normalized: nonEmpty(r.Normalized)}); err != nil {
				return err
			}
		}
	} else {
		for _, a := range res.Alerts {
			if err := enc.Encode(a); err != nil {
				return err
			}
		}
	}
	if stream {
		return s.out.Flush() // a live stream shows each line as it happens
	}
	return nil
}

func nonEmpty(m map[string][]any) map[string][]any {
	for _, v := range m {
		if len(v) > 0 {
			return m
		}
	}
	return nil
}

// reason prefixes a classification error with where the record was.
func reason(src engine.Source, raw payload.Raw, err error) string {
	if raw.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", src.Entity, raw.Line, err)
	}
	return fmt.Sprintf("%s: %v", src.Entity, err)
}

// rawText returns raw as a string, replacing invalid UTF-8 so the JSON line
// stays valid (the dead-letter file keeps the exact bytes).
func rawText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// deadLetterFile appends unclassified records as JSON lines. Safe for
// concurrent use.
type deadLetterFile struct {
	mu sync.Mutex
	f  *os.File
	w  *bufio.Writer
}

func openDeadLetter(p string) (*deadLetterFile, error) {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("dead-letter file: %w", err)
	}
	return &deadLetterFile{f: f, w: bufio.NewWriter(f)}, nil
}

// deadLetter is one line of the dead-letter file.
type deadLetter struct {
	Time   time.Time     `json:"time"`
	Reason string        `json:"reason"`
	Source engine.Source `json:"source"`
	Line   int           `json:"line,omitempty"`
	// Raw is the record when it is valid UTF-8; otherwise RawBase64 holds
	// the exact bytes.
	Raw       string `json:"raw,omitempty"`
	RawBase64 []byte `json:"raw_base64,omitempty"`
}

func (d *deadLetterFile) write(src engine.Source, raw payload.Raw, why error) error {
	rec := deadLetter{Time: time.Now().UTC(), Reason: why.Error(), Source: src, Line: raw.Line}
	if utf8.Valid(raw.Data) {
		rec.Raw = string(raw.Data)
	} else {
		rec.RawBase64 = raw.Data
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.w.Write(b)
	return d.w.WriteByte('\n')
}

func (d *deadLetterFile) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return errors.Join(d.w.Flush(), d.f.Close())
}

// ruleErrorReporter prints rule runtime errors (already rate-limited per rule
// by the engine).
type ruleErrorReporter struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *ruleErrorReporter) report(e engine.RuleError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "streamalert: rule %s (%s) failed on a %s record from %s:%s: %v\n", e.Rule, e.File, e.LogType, e.Source.Service, e.Source.Entity, e.Err)
}

func printSummary(w io.Writer, p *engine.Processor, b *engine.Bundle, classifyOnly bool) {
	st := p.Stats()
	fmt.Fprintf(w, "streamalert: %d raw records, %d records classified, %d unclassified", st.Raw.Load(), st.Records.Load(), st.Unclassified.Load())
	if !classifyOnly {
		var ruleErrs uint64
		for _, n := range b.Rules.RuleErrorCounts() {
			ruleErrs += n
		}
		fmt.Fprintf(w, ", %d alerts, %d rule errors", st.Alerts.Load(), ruleErrs)
	}
	fmt.Fprintln(w)
}
