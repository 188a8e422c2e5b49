package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/bundle"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/explain"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
)

const playgroundUsage = `usage: streamalert playground [flags]

Serves the rule playground, a web page with three panes: a rule's YAML, a
record (JSON or a raw line), and the result: the lint diagnostics at their
line:col, the results of the rule's own tests, the log type the record
classifies as (or why it fits none), the explain tree and the alerts the
rule would send. The page re-checks as you type; POST /api/check is the
same check for scripts (README: Rule playground). The rule is checked together with the library files (matchers, lists)
of --rules and the --schemas, as streamalert run loads rules; both are read
once, at start-up. Runs until interrupted (SIGINT/SIGTERM).

On a loopback address (the default) no token is needed; on any other it
refuses to start without --token-file (or --insecure-no-auth); open the page
as http://ADDR/#token=TOKEN or type the token into the page.

Exit 0 after an interrupt, 1 the schemas or library files have problems,
2 usage or I/O error.
`

// Playground limits (README "Rule playground").
const (
	playgroundMaxBody = 1 << 20         // a POST /api/check body: rule and record, as JSON
	playgroundTimeout = 5 * time.Second // one check, from the body read to the answer
	// playgroundRuleFile is the name diagnostics give the analyst's rule.
	playgroundRuleFile = "rule.yaml"
	// libraryDir is where the library files sit in the check's tree, so no
	// name of theirs can collide with playgroundRuleFile.
	libraryDir = "library/"
)

//go:embed playground
var playgroundFiles embed.FS

// playgroundFlags are the flags of `streamalert playground`.
type playgroundFlags struct {
	addr, rules, schemas       string
	tokenFile, tlsCert, tlsKey string
	insecureNoAuth             bool
	maxBody                    int64
	timeout                    time.Duration
}

func (f *playgroundFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8088", "serve the page and its API on this `ADDR` (host:port)")
	fs.StringVar(&f.rules, "rules", "", "rules `DIR` whose library files (matchers, lists) the rule may use (default: the embedded rules.d)")
	fs.StringVar(&f.schemas, "schemas", "", "schemas `DIR` (default: the embedded schemas)")
	fs.StringVar(&f.tokenFile, "token-file", "", "require this `FILE`'s content as a bearer token on /api/check")
	fs.BoolVar(&f.insecureNoAuth, "insecure-no-auth", false, "with --addr on a non-loopback address: serve without --token-file anyway")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate `FILE` (and --tls-key)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "the PEM private key `FILE` of --tls-cert")
	fs.Int64Var(&f.maxBody, "max-body", playgroundMaxBody, "largest POST /api/check body in `BYTES` (413 above)")
	fs.DurationVar(&f.timeout, "timeout", playgroundTimeout, "longest one check may take (503 after)")
}

func (f *playgroundFlags) check() error {
	if f.maxBody <= 0 || f.timeout <= 0 {
		return errors.New("--max-body and --timeout must be positive")
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	return checkListenAuth("--addr", f.addr, f.tokenFile, f.insecureNoAuth)
}

// runPlayground implements `streamalert playground`.
func runPlayground(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := &playgroundFlags{}
	fset := flag.NewFlagSet("streamalert playground", flag.ContinueOnError)
	fset.SetOutput(stderr)
	f.register(fset)
	cmd := &cli.Command{Name: "streamalert playground", Usage: playgroundUsage, Flags: fset}
	rest, exit, ok := cmd.Parse(args, stdout, stderr)
	if !ok {
		return exit
	}
	if len(rest) > 0 {
		return cmd.Fail(stderr, fmt.Sprintf("takes no arguments, got %q", rest))
	}
	if err := f.check(); err != nil {
		return cmd.Fail(stderr, err.Error())
	}
	for _, d := range []struct{ flag, dir string }{{"rules", f.rules}, {"schemas", f.schemas}} {
		if d.dir == "" {
			continue
		}
		if fi, err := os.Stat(d.dir); err != nil {
			fmt.Fprintf(stderr, "streamalert playground: --%s: %v\n", d.flag, err)
			return 2
		} else if !fi.IsDir() {
			fmt.Fprintf(stderr, "streamalert playground: --%s: %s is not a folder\n", d.flag, d.dir)
			return 2
		}
	}
	token, err := readToken(f.tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert playground: %v\n", err)
		return 2
	}
	pg, diags, err := newPlayground(f.rules, f.schemas)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert playground: %v\n", err)
		return 2
	}
	diags.WriteText(stderr)
	if pg == nil {
		return 1
	}
	schemasFrom := "the embedded schemas"
	if f.schemas != "" {
		schemasFrom = "the schemas of " + strings.TrimSuffix(tree(f.schemas).Prefix, "/")
	}
	files := "files"
	if len(pg.library) == 1 {
		files = "file"
	}
	fmt.Fprintf(stderr, "streamalert playground: rules are checked with %d library %s of %s and %s\n", len(pg.library), files, strings.TrimSuffix(pg.libPrefix, "/"), schemasFrom)
	pg.token, pg.maxBody, pg.timeout = token, f.maxBody, f.timeout
	pg.loopback = isLoopback(f.addr)
	shutdown, err := startListener(f.addr, pg.handler(), listenOptions{certFile: f.tlsCert, keyFile: f.tlsKey}, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert playground: %v\n", err)
		return 2
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "streamalert playground: shutdown: %v\n", err)
	}
	return 0
}

// playground serves the page and POST /api/check. Safe for concurrent use
// once built; its fields are not changed after the server starts.
type playground struct {
	schemas bundle.Tree // a snapshot of --schemas, or the embedded ones
	// library holds the library files of --rules (or the embedded rules.d)
	// by their path in that tree; libPrefix is the tree's prefix for
	// diagnostics.
	library   map[string][]byte
	libPrefix string
	// base is schemas and library without any rule, loaded at start-up: it
	// classifies the record when the analyst's rule does not load.
	base *engine.Bundle

	token    []byte // nil: no authentication
	loopback bool   // bound to a loopback address: only loopback Host headers
	maxBody  int64
	timeout  time.Duration
	slots    chan struct{} // checks running at once
}

// newPlayground reads the library files of the rules folder and the schemas
// folder ("" for the embedded ones) once, and loads them without a rule to
// check them. The playground is nil when the diagnostics hold an error;
// err is an I/O error reading the folders.
func newPlayground(rulesDir, schemasDir string) (*playground, diag.List, error) {
	pg := &playground{slots: make(chan struct{}, processingSlots()), maxBody: playgroundMaxBody, timeout: playgroundTimeout}
	rules := bundle.Tree{FS: rulesd.FS, Prefix: "rules.d (embedded)/"}
	if rulesDir != "" {
		rules = tree(rulesDir)
	}
	if schemasDir != "" {
		snap, err := snapshotTree(tree(schemasDir).FS)
		if err != nil {
			return nil, nil, fmt.Errorf("--schemas: %w", err)
		}
		pg.schemas = bundle.Tree{FS: snap, Prefix: tree(schemasDir).Prefix}
	}
	lib, skipped, err := libraryFiles(rules.FS)
	if err != nil {
		return nil, nil, fmt.Errorf("--rules: %w", err)
	}
	pg.library, pg.libPrefix = lib, rules.Prefix
	b, diags := pg.load(nil)
	// Unused matchers and lists are expected here: no rule uses them yet.
	diags = slices.DeleteFunc(diags, func(d diag.Diagnostic) bool { return d.Severity == diag.Warning })
	diags = append(diags, bundle.Relocate(skipped, rules.Prefix)...)
	diags.Sort()
	if b == nil {
		return nil, diags, nil
	}
	pg.base = b
	return pg, diags, nil
}

// snapshotTree copies every file of fsys into memory (following symbolic
// links, as the loaders do); an unreadable file is an error.
func snapshotTree(fsys fs.FS) (fstest.MapFS, error) {
	out := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out[p] = &fstest.MapFile{Data: data}
		return nil
	})
	return out, err
}

// libraryFiles returns the library files of a rules tree: the rule files
// (rule.IsRuleFile, not under a dot-folder) whose top-level keys are all
// library keys (rule.LibraryKeys), as the rule parser decides. A file that
// is not YAML cannot be told apart: it is left out, with a warning saying
// so (skipped).
func libraryFiles(fsys fs.FS) (lib map[string][]byte, skipped diag.List, err error) {
	out := map[string][]byte{}
	err = rule.WalkVisible(fsys, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !rule.IsRuleFile(p) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			d := diag.YAMLSyntax(p, err)
			d.Severity, d.Message = diag.Warning, "not read as a library file: "+d.Message
			skipped = append(skipped, d)
			return nil
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			return nil
		}
		top := doc.Content[0].Content
		if len(top) == 0 {
			return nil
		}
		for i := 0; i < len(top); i += 2 {
			if !slices.Contains(rule.LibraryKeys, top[i].Value) {
				return nil
			}
		}
		out[p] = data
		return nil
	})
	return out, skipped, err
}

// load checks src (nil: no rule) with the library and schemas through
// bundle.Load, the one loading path. Diagnostics of the rule name
// playgroundRuleFile; those of library files their path in --rules.
func (pg *playground) load(src []byte) (*engine.Bundle, diag.List) {
	fsys := fstest.MapFS{}
	for p, data := range pg.library {
		fsys[libraryDir+p] = &fstest.MapFile{Data: data}
	}
	if src != nil {
		fsys[playgroundRuleFile] = &fstest.MapFile{Data: src}
	}
	b, diags := bundle.Load(bundle.Options{Schemas: pg.schemas, Rules: bundle.Tree{FS: fsys}})
	for i := range diags {
		if rest, ok := strings.CutPrefix(diags[i].Pos.File, libraryDir); ok {
			diags[i].Pos.File = pg.libPrefix + rest
		}
	}
	return b, diags
}

// checkRequest is the body of POST /api/check.
type checkRequest struct {
	Rule   string `json:"rule"`   // a rule file's YAML
	Record string `json:"record"` // a raw record: a JSON document or a line of text; "" is none
}

// checkResponse is the answer of POST /api/check.
type checkResponse struct {
	// Diagnostics are lint's, for the rule (file "rule.yaml") and, errors
	// only, for the library files and schemas it was checked with.
	Diagnostics diag.List `json:"diagnostics"`
	// Rule is the rule's name when it loaded.
	Rule string `json:"rule,omitempty"`
	// Candidates are the log types the record was classified against: the
	// rule's when it loaded, else every schema's (then empty here).
	Candidates []string `json:"candidates,omitempty"`
	// LogType is what the record classified as ("" when it did not, or no
	// record was given).
	LogType string `json:"log_type"`
	// ClassifyError says why the record fits none of the candidates.
	ClassifyError string `json:"classify_error,omitempty"`
	// Explain is explain's reports of the rule on the records the raw
	// record yields ([]explain.RecordReport; when it fits none of the
	// rule's log types, one report saying why); null when the rule or the
	// record is missing, or the rule did not load.
	Explain json.RawMessage `json:"explain"`
	// ExplainError says why there is no explain report (a bug: explain
	// fails only for a rule the bundle lacks).
	ExplainError string `json:"explain_error,omitempty"`
	// Alerts are the alerts the rule sends for the record, as outputs get
	// them.
	Alerts []engine.Alert `json:"alerts"`
	// Tests are the results of the rule's own tests (its `tests:`), as
	// `ruleck test` runs them; [] when it has none or did not load.
	Tests []playgroundTest `json:"tests"`
	// RuleErrors are the rule's run-time errors on the record.
	RuleErrors []string `json:"rule_errors,omitempty"`
}

// playgroundTest is the result of one of the rule's test cases.
type playgroundTest struct {
	Description string   `json:"description"`
	Pos         diag.Pos `json:"pos"` // the test case in rule.yaml
	Trigger     bool     `json:"trigger"`
	Fired       bool     `json:"fired"`
	Passed      bool     `json:"passed"`
	LogType     string   `json:"log_type,omitempty"`
	Error       string   `json:"error,omitempty"` // why the test could not run
}

// playgroundSource is the `source` rules see in the playground.
var playgroundSource = engine.Source{Service: "playground", Entity: "record"}

// check runs the rule and the record through lint, classification and the
// engine, exactly as streamalert run would.
func (pg *playground) check(req checkRequest) checkResponse {
	resp := checkResponse{Diagnostics: diag.List{}, Alerts: []engine.Alert{}, Tests: []playgroundTest{}, Explain: json.RawMessage("null")}
	b, diags := pg.load([]byte(req.Rule))
	for _, d := range diags {
		if d.Pos.File == playgroundRuleFile || d.Severity == diag.Error {
			resp.Diagnostics = append(resp.Diagnostics, d)
		}
	}
	raw, rejected, err := oneRecord(req.Record)
	if err != nil {
		resp.ClassifyError = err.Error()
		raw = nil
	}
	var r *rule.Rule
	if b != nil {
		if rules := b.Rules.Rules(); len(rules) == 1 {
			r = rules[0]
			resp.Rule = r.Name
			for _, tr := range b.Rules.RunTests(b.Classifier) {
				pt := playgroundTest{Description: tr.Description, Pos: tr.Pos, Trigger: tr.Expected, Fired: tr.Actual, Passed: tr.Passed(), LogType: tr.LogType}
				if tr.Err != nil {
					pt.Error = tr.Err.Error()
				}
				resp.Tests = append(resp.Tests, pt)
			}
		}
	}
	if len(raw) == 0 {
		return resp
	}
	if rejected != nil {
		resp.ClassifyError = rejected.Error()
		return resp
	}
	if r == nil {
		// The rule did not load: still say what the record is.
		recs, err := pg.base.Classifier.Classify(raw, nil)
		if err != nil {
			resp.ClassifyError = err.Error()
		} else {
			resp.LogType = recs[0].Type.Name
		}
		return resp
	}
	var names []string
	for _, lt := range lint.RuleTypes(r, b.Schemas) {
		names = append(names, lt.Name)
	}
	resp.Candidates = names
	if len(names) == 0 {
		resp.ClassifyError = "the rule applies to no log type"
		return resp
	}
	res := engine.NewProcessor(b).Process(raw, nil, playgroundSource, names)
	if res.Err != nil {
		resp.ClassifyError = res.Err.Error()
		// Does it fit a log type the rule does not apply to?
		if recs, err := b.Classifier.Classify(raw, nil); err == nil {
			resp.ClassifyError += fmt.Sprintf(" (it classifies as %s, which the rule does not apply to)", recs[0].Type.Name)
		}
	} else {
		resp.LogType = res.Records[0].Type.Name
		resp.Alerts = append(resp.Alerts, res.Alerts...)
		for _, e := range res.RuleErrors {
			resp.RuleErrors = append(resp.RuleErrors, e.Err.Error())
		}
	}
	if ex, err := explainRecords(b, raw, r.Name, res.Records); err != nil {
		resp.ExplainError = err.Error()
	} else {
		resp.Explain = ex
	}
	return resp
}

// oneRecord reads the record pane's text as streamalert run reads a file
// (payload.Read: one JSON document, even over many lines, else one record a
// line) and returns its one record; nil when the text holds none. rejected
// is payload's reason to refuse the record before classification (too
// large, not UTF-8, nested too deep). More than one record is an error: the
// playground explains one at a time.
func oneRecord(text string) (raw []byte, rejected error, err error) {
	var lines []int
	err = payload.Read(strings.NewReader(text), payload.Options{}, func(r payload.Raw) error {
		lines = append(lines, r.Line)
		if len(lines) == 1 {
			raw, rejected = bytes.Clone(r.Data), r.Err
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("reading the record: %w", err)
	case len(lines) > 1:
		return nil, nil, fmt.Errorf("the record pane holds %d records (lines %d and %d are two): paste one JSON document or one log line", len(lines), lines[0], lines[1])
	}
	return raw, rejected, nil
}

// handler routes the page and its API:
//
//	GET  /            the page (and its static files)
//	POST /api/check   {rule, record} → checkResponse; the token when set
func (pg *playground) handler() http.Handler {
	mux := http.NewServeMux()
	static, err := fs.Sub(playgroundFiles, "playground")
	if err != nil {
		panic(err) // the embed pattern above names the folder: cannot happen
	}
	files := http.FileServerFS(static)
	mux.HandleFunc("/", bodiless(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httpError(w, http.StatusMethodNotAllowed, "use GET")
			return
		}
		files.ServeHTTP(w, r)
	}))
	mux.HandleFunc("/api/check", requireToken(pg.token, pg.serveCheck))
	return pg.hostCheck(securityHeaders(mux))
}

// securityHeaders keeps the page from being framed or loading anything
// from elsewhere: everything it needs is served here.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// hostCheck refuses, on a loopback address, requests whose Host header is
// not a loopback name: a web page elsewhere cannot reach the playground by
// pointing a DNS name of its own at 127.0.0.1 (DNS rebinding).
func (pg *playground) hostCheck(next http.Handler) http.Handler {
	if !pg.loopback {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		ip, err := netip.ParseAddr(host)
		if !strings.EqualFold(host, "localhost") && (err != nil || !ip.IsLoopback()) {
			refuse(w, http.StatusMisdirectedRequest, "host %q is not this machine: open the playground as http://127.0.0.1:PORT/ or http://localhost:PORT/", r.Host)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (pg *playground) serveCheck(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	// JSON only: a cross-site form cannot send it without the browser
	// asking first (CORS preflight), which this server never allows.
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		refuse(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json, got %q", ct)
		return
	}
	if r.ContentLength > pg.maxBody {
		refuse(w, http.StatusRequestEntityTooLarge, "body of %d bytes is over the limit of %d", r.ContentLength, pg.maxBody)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, pg.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, http.StatusRequestEntityTooLarge, "body is over the limit of %d bytes", pg.maxBody)
		} else {
			refuse(w, http.StatusBadRequest, "reading body: %v", err)
		}
		return
	}
	req, err := decodeCheckRequest(body)
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), pg.timeout)
	defer cancel()
	select {
	case pg.slots <- struct{}{}:
	case <-ctx.Done():
		httpError(w, http.StatusServiceUnavailable, "busy: no check could start within %s", pg.timeout)
		return
	}
	done := make(chan checkResponse, 1)
	failed := make(chan any, 1)
	go func() {
		defer func() { <-pg.slots }()
		// A panic here is a bug; it must not take the server down (this
		// goroutine is not the handler's, which net/http would recover).
		defer func() {
			if p := recover(); p != nil {
				failed <- p
			}
		}()
		done <- pg.check(req)
	}()
	select {
	case resp := <-done:
		writeJSON(w, http.StatusOK, resp)
	case p := <-failed:
		httpError(w, http.StatusInternalServerError, "bug: panic while checking: %v", p)
	case <-ctx.Done():
		// The check goes on holding its slot until it ends, so slow
		// checks cannot pile up beyond the slots.
		httpError(w, http.StatusServiceUnavailable, "the check took longer than %s (--timeout)", pg.timeout)
	}
}

// decodeCheckRequest decodes a POST /api/check body strictly: one JSON
// object with only the keys rule and record, both strings. Errors name the
// line and column of the problem in the body.
func decodeCheckRequest(body []byte) (checkRequest, error) {
	var req checkRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("body: %s", jsonErrorAt(body, dec, err))
	}
	if dec.More() {
		return req, fmt.Errorf("body: %s: more than one JSON value", bodyPos(body, dec.InputOffset()))
	}
	return req, nil
}

// jsonErrorAt prefixes err with its position in body ("1:17").
func jsonErrorAt(body []byte, dec *json.Decoder, err error) string {
	off := dec.InputOffset()
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset - 1 // the offending byte, which was read
	case errors.As(err, &typ):
		off = typ.Offset
		return fmt.Sprintf("%s: %s must be a string, found %s", bodyPos(body, off), typ.Field, typ.Value)
	case errors.Is(err, io.EOF):
		return "empty: want {\"rule\": \"...\", \"record\": \"...\"}"
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = int64(len(body))
	}
	return fmt.Sprintf("%s: %v", bodyPos(body, off), err)
}

// bodyPos turns a byte offset of body into "line:col" (1-based).
func bodyPos(body []byte, off int64) string {
	off = min(max(off, 0), int64(len(body)))
	before := body[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("%d:%d", line, col)
}

// explainRecords is explain's report of the rule on each record, as JSON.
// recs nil means the record fits none of the rule's log types: explain then
// classifies it against all of them, to say why it fits none (or that it is
// of a type the rule does not apply to).
func explainRecords(b *engine.Bundle, raw []byte, ruleName string, recs []schema.Record) (json.RawMessage, error) {
	x, err := explain.New(b)
	if err != nil {
		return nil, err
	}
	opts := explain.Options{Rule: ruleName, Source: playgroundSource}
	var reps []explain.RecordReport
	if recs == nil {
		if reps, err = x.Record(raw, opts); err != nil {
			return nil, err
		}
	}
	for i, rec := range recs {
		rep := x.Classified(rec, opts)
		if len(recs) > 1 {
			rep.Index = i + 1
		}
		reps = append(reps, rep)
	}
	return json.Marshal(reps)
}
