package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/gcpolicy"
)

const runUsage = `usage: streamalert run [flags] [INPUT...]

Classifies every record of the INPUTs (files, folders read recursively, - for
standard input), evaluates the rules on it and prints each alert as a JSON
line on stdout; alerts also go to the outputs the rules name and --config
declares. With --watch, --follow or --listen it runs until interrupted
(SIGINT/SIGTERM), then drains and prints the summary on stderr.
Exit 0 all input read, 1 rules, schemas or config have problems, 2 usage or
I/O error.
`

const classifyUsage = `usage: streamalert classify [flags] [INPUT...]

Classifies every record of the INPUTs and prints one JSON line per record:
{"log_type": ..., "record": ...} or {"error": ..., "raw": ...}.
Exit 0 all input read, 1 schemas or config have problems, 2 usage or I/O
error.
`

// localFlags are the flags of run and classify.
type localFlags struct {
	rules, schemas, config, logs, deadLetter string
	alertDeadLetter                          string
	classifyOnly                             bool

	watch          bool
	follow         bool
	listen         string
	tokenFile      string
	insecureNoAuth bool
	tlsCert        string
	tlsKey         string
	maxBody        int64
	maxRecords     int
	readTimeout    time.Duration
	drainTimeout   time.Duration
	statsFile      string
	workers        int
}

func (f *localFlags) register(fs *flag.FlagSet) {
	if !f.classifyOnly {
		fs.StringVar(&f.rules, "rules", "", "rules `DIR` (default: the embedded rules.d)")
	}
	fs.StringVar(&f.schemas, "schemas", "", "schemas `DIR` (default: the embedded schemas)")
	fs.StringVar(&f.config, "config", "", "configuration `FILE` (streamalert.yaml): sources and outputs")
	fs.StringVar(&f.logs, "logs", "", "`LIST` of comma-separated log families or types to try (default: the config's sources, else all)")
	fs.StringVar(&f.deadLetter, "dead-letter", "", "append records that did not classify to this `FILE` (JSON lines)")
	if !f.classifyOnly {
		fs.StringVar(&f.alertDeadLetter, "alert-dead-letter", "", "append alerts not delivered to an output (failed for good, or still undelivered at the drain deadline) to this `FILE` (JSON lines)")
	}
	fs.BoolVar(&f.watch, "watch", false, "reload --rules and --schemas when their files change; run until interrupted")
	fs.BoolVar(&f.follow, "follow", false, "follow file INPUTs as they grow, from their beginning, across rotation (like tail -F); run until interrupted")
	fs.StringVar(&f.listen, "listen", "", "serve POST /v1/logs, GET /healthz and GET /metrics on this `ADDR` (host:port); run until interrupted")
	fs.StringVar(&f.tokenFile, "token-file", "", "with --listen: require this `FILE`'s content as a bearer token on /v1/logs and /metrics")
	fs.BoolVar(&f.insecureNoAuth, "insecure-no-auth", false, "with --listen on a non-loopback address: serve without --token-file anyway")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "with --listen: serve HTTPS with this PEM certificate `FILE` (and --tls-key)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "with --listen: the PEM private key `FILE` of --tls-cert")
	fs.Int64Var(&f.maxBody, "max-body", defaultMaxBody, "with --listen: largest request body in `BYTES`, as sent (413 above)")
	fs.IntVar(&f.maxRecords, "max-records", defaultMaxRecords, "with --listen: most raw records (lines or documents) in one request (413 above, before any is processed)")
	fs.DurationVar(&f.readTimeout, "read-timeout", defaultBodyTimeout, "with --listen: how long an authenticated request's body may take to arrive (408 after)")
	fs.IntVar(&f.workers, "workers", 0, "classify and evaluate a file's records on `N` goroutines, results kept in input order (0: one per core)")
	fs.StringVar(&f.statsFile, "stats", "", "write the run's statistics (counts, times, allocations) as JSON to `FILE` at exit (what `streamalert bench` reads)")
	fs.DurationVar(&f.drainTimeout, "drain-timeout", 30*time.Second, "on shutdown, how long to wait for HTTP requests in flight (at most 10s) and then for alert deliveries; alerts still undelivered go to --alert-dead-letter")
}

// longRunning reports whether the session runs until interrupted.
func (f *localFlags) longRunning() bool { return f.watch || f.follow || f.listen != "" }

// check validates flag combinations; the error is a usage error.
func (f *localFlags) check(inputs []string) error {
	if len(inputs) == 0 && f.listen == "" {
		return fmt.Errorf("no INPUT given (a file, a folder, or - for stdin) and no --listen")
	}
	if f.workers < 0 {
		return fmt.Errorf("--workers %d: want 0 (one per core) or more", f.workers)
	}
	if f.watch && f.rules == "" && f.schemas == "" {
		return fmt.Errorf("--watch needs --rules or --schemas: the embedded defaults never change")
	}
	if f.listen == "" && f.tokenFile != "" {
		return fmt.Errorf("--token-file needs --listen")
	}
	if f.maxBody <= 0 {
		return fmt.Errorf("--max-body must be positive")
	}
	if f.maxRecords <= 0 {
		return fmt.Errorf("--max-records must be positive")
	}
	if f.drainTimeout <= 0 || f.readTimeout <= 0 {
		return fmt.Errorf("--drain-timeout and --read-timeout must be positive")
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if f.listen == "" && (f.tlsCert != "" || f.insecureNoAuth) {
		return fmt.Errorf("--tls-cert, --tls-key and --insecure-no-auth need --listen")
	}
	if f.listen != "" {
		if err := checkListenAuth("--listen", f.listen, f.tokenFile, f.insecureNoAuth); err != nil {
			return err
		}
	}
	if f.follow {
		for _, in := range inputs {
			if in == stdinInput {
				continue
			}
			if fi, err := os.Stat(in); err == nil && fi.IsDir() {
				return fmt.Errorf("--follow follows files, and %s is a folder", in)
			}
		}
	}
	return nil
}

func readToken(file string) ([]byte, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return nil, fmt.Errorf("token file %s is empty", file)
	}
	return []byte(tok), nil
}

func runLocal(ctx context.Context, args []string, stdin io.Reader, stdout, rawStderr io.Writer, classifyOnly bool) int {
	name := "run"
	if classifyOnly {
		name = "classify"
	}
	terminal := isTerminal(rawStderr)
	stderr := &consoleWriter{w: rawStderr}
	f := &localFlags{classifyOnly: classifyOnly}
	fset := flag.NewFlagSet("streamalert "+name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	f.register(fset)
	cmd := &cli.Command{Name: "streamalert " + name, Usage: runUsage, Flags: fset}
	if classifyOnly {
		cmd.Usage = classifyUsage
	}
	inputs, exit, ok := cmd.Parse(args, stdout, stderr)
	if !ok {
		return exit
	}
	if err := f.check(inputs); err != nil {
		return cmd.Fail(stderr, err.Error())
	}
	// A folder flag naming nothing is an I/O error (2), found before any
	// loading so it is not mistaken for a problem in the rules (1).
	for _, d := range []struct{ flag, dir string }{{"rules", f.rules}, {"schemas", f.schemas}} {
		if d.dir == "" {
			continue
		}
		if fi, err := os.Stat(d.dir); err != nil {
			fmt.Fprintf(stderr, "streamalert %s: --%s: %v\n", name, d.flag, err)
			return 2
		} else if !fi.IsDir() {
			fmt.Fprintf(stderr, "streamalert %s: --%s: %s is not a folder\n", name, d.flag, d.dir)
			return 2
		}
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
	token, err := readToken(f.tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert: %v\n", err)
		return 2
	}
	reporter := &ruleErrorReporter{w: stderr}
	stats := &runStats{}
	loadStart := time.Now()
	bundle, diags := loadBundle(f, cfg, reporter.report, 0)
	stats.loaded(loadStart)
	if bundle != nil {
		gcpolicy.AfterLoad(os.Getenv) // GC headroom sized to what the rules keep live
	}
	diags.Sort()
	diags.WriteText(stderr)
	if bundle == nil {
		return 1
	}

	var logs []string
	if f.logs != "" {
		logs = splitList(f.logs)
		if _, err := bundle.Schemas.Resolve(logs); err != nil {
			fmt.Fprintf(stderr, "streamalert: --logs: %v\n", err)
			return 2
		}
	}
	var files, followed []inputFile
	if f.follow {
		for _, in := range inputs {
			if in == stdinInput {
				files = append(files, inputFile{path: stdinInput})
			} else {
				followed = append(followed, inputFile{path: in})
			}
		}
	} else if files, err = expandInputs(inputs, stderr); err != nil {
		fmt.Fprintf(stderr, "streamalert: %v\n", err)
		return 2
	}

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
	reloads := &reloadStats{}
	reloads.lastOK.Store(bundle.Loaded.UnixNano())
	p := &pipeline{proc: proc, sink: newLocalSink(stdout, dead, classifyOnly), cfg: cfg, logs: logs, gate: engine.NewGate(), stats: stats, workers: f.workers}
	if cfg != nil {
		p.maxRecord = cfg.MaxRecordSize
		p.maxDecomp = cfg.MaxDecompressedSize
	}
	deliver, collectors, err := newOutputs(ctx, cfg, f.alertDeadLetter, p.sink, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert: outputs: %v\n", err)
		return 2
	}
	p.deliver = deliver
	closeDeliveries := func() {
		if deliver != nil {
			if lost := deliver.close(f.drainTimeout); lost > 0 {
				fmt.Fprintf(stderr, "streamalert: %d alerts were neither delivered to their outputs nor written to an alert dead letter\n", lost)
			}
		}
	}

	// Everything below runs until ctx ends (long-running) or the inputs
	// are read; runCtx stops the watcher and the followers.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	var workers sync.WaitGroup
	if f.watch {
		var roots []string
		for _, d := range []string{f.rules, f.schemas} {
			if d != "" {
				roots = append(roots, d)
			}
		}
		w, err := newDirWatcher(roots, stderr)
		if err != nil {
			closeDeliveries()
			fmt.Fprintf(stderr, "streamalert: %v\n", err)
			return 2
		}
		rl := &reloader{flags: f, cfg: cfg, onRuleError: reporter.report, proc: proc, out: stderr, stats: reloads}
		workers.Go(func() { w.run(runCtx, func() { rl.reload() }) })
		fmt.Fprintf(stderr, "streamalert: watching %s for changes (%s)\n", strings.Join(roots, ", "), describeBundle(bundle))
	}
	var shutdownHTTP func(context.Context) error
	if f.listen != "" {
		srv := &logServer{p: p, token: token, maxBody: f.maxBody, maxRecords: f.maxRecords, bodyTimeout: f.readTimeout, registry: newRegistry(proc, reloads, append(collectors, mergeCollector(p.gate.Merger)...)...), reloads: reloads}
		shutdownHTTP, err = startListener(f.listen, srv.handler(), listenOptions{certFile: f.tlsCert, keyFile: f.tlsKey, gate: &srv.gate}, stderr)
		if err != nil {
			stopRun()
			workers.Wait()
			closeDeliveries()
			fmt.Fprintf(stderr, "streamalert: %v\n", err)
			return 2
		}
	}
	if !classifyOnly && f.longRunning() {
		workers.Go(func() { noticeHeld(runCtx, p.gate.Merger, stderr) })
	}
	workers.Go(func() {
		if err := p.releaseMerged(runCtx); err != nil {
			fmt.Fprintf(stderr, "streamalert: writing merged alerts: %v\n", err)
		}
	})
	for _, in := range followed {
		workers.Go(func() {
			if err := follow(runCtx, p, in.path, stderr); err != nil {
				fmt.Fprintf(stderr, "streamalert: %v\n", err)
			}
		})
	}

	var total int64
	for _, in := range files {
		total += in.size
	}
	var prog *progress
	if total > 0 {
		prog = startProgress(stderr, terminal, total, proc.Stats())
	}
	inputsDone := make(chan int, 1)
	go func() {
		n := readInputs(runCtx, p, files, stdin, prog, stderr)
		prog.finish()
		if err := p.sink.flush(); err != nil {
			fmt.Fprintf(stderr, "streamalert: writing output: %v\n", err)
			n++
		}
		inputsDone <- n
	}()

	readErrs := -1 // -1: the inputs are still being read
	if f.longRunning() {
		select {
		case <-ctx.Done():
		case readErrs = <-inputsDone:
			<-ctx.Done()
		}
	} else {
		select {
		case readErrs = <-inputsDone:
		case <-ctx.Done():
		}
	}

	// Shut down in order: stop accepting (requests in flight finish), stop
	// the watcher and followers (the record being processed finishes), let
	// the read-once inputs stop, drain the deliveries, then flush and sum up.
	if shutdownHTTP != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(shutdownTimeout, f.drainTimeout))
		if err := shutdownHTTP(sctx); err != nil {
			fmt.Fprintf(stderr, "streamalert: http shutdown: %v\n", err)
		}
		cancel()
	}
	stopRun()
	workers.Wait()
	if readErrs < 0 {
		readErrs = waitInputs(inputsDone, stdin)
	}
	prog.finish()
	// Alerts still gathered for a merge window go out now, merged so far:
	// nothing is held back past the end of the run.
	held := p.gate.Merger.Pending()
	merged := p.gate.Flush()
	if held > 0 {
		fmt.Fprintf(stderr, "streamalert: %s held for merging sent at exit as %s\n", plural(held, "alert"), plural(len(merged), "alert"))
	}
	if n := p.gate.Merger.Overflowed(); n > 0 {
		fmt.Fprintf(stderr, "streamalert: warning: %s sent unmerged: %d merge groups were open at once (the bound)\n", plural(int(n), "alert"), engine.DefaultMaxGroups)
	}
	if err := p.emitMerged(merged); err != nil {
		fmt.Fprintf(stderr, "streamalert: writing merged alerts: %v\n", err)
	}
	closeDeliveries()
	closeErr := p.sink.close()
	if closeErr != nil {
		fmt.Fprintf(stderr, "streamalert: writing output: %v\n", closeErr)
	}
	// The summary is printed whatever failed: it says what was read and
	// what became of it.
	printSummary(stderr, proc, p.sink, classifyOnly)
	if deliver != nil {
		printDeliveries(stderr, deliver.summary())
	}
	if f.statsFile != "" {
		if err := stats.write(f.statsFile, proc.Stats()); err != nil {
			fmt.Fprintf(stderr, "streamalert: --stats: %v\n", err)
			return 2
		}
	}
	if readErrs > 0 || closeErr != nil {
		return 2
	}
	return 0
}

// noticeHeld says on w when alerts start being held by merge windows, once
// per spell of holding, so a quiet stdout is never a mystery; it returns
// when ctx ends.
func noticeHeld(ctx context.Context, m *engine.Merger, w io.Writer) {
	t := time.NewTicker(mergeTick)
	defer t.Stop()
	told := false
	var overflowed uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if o := m.Overflowed(); o > overflowed {
				fmt.Fprintf(w, "streamalert: warning: %d merge groups are open, the bound: new groups' alerts are sent unmerged (%d so far)\n", engine.DefaultMaxGroups, o)
				overflowed = o
			}
			n := m.Pending()
			if n > 0 && !told {
				fmt.Fprintf(w, "streamalert: %s held for merging, sent at window end or exit\n", plural(n, "alert"))
			}
			told = n > 0
		}
	}
}

// stdinGrace is how long shutdown waits for a reader blocked on standard
// input (a pipe whose writer is still open cannot be interrupted portably).
const stdinGrace = time.Second

// waitInputs waits for the read-once inputs after cancellation. A read
// blocked on stdin is woken with a deadline when stdin supports one; else it
// is given stdinGrace and then left behind (the process is exiting, and the
// sink refuses its late writes).
func waitInputs(done <-chan int, stdin io.Reader) int {
	if d, ok := stdin.(interface{ SetReadDeadline(time.Time) error }); ok {
		_ = d.SetReadDeadline(time.Now())
	}
	t := time.NewTimer(stdinGrace)
	defer t.Stop()
	select {
	case n := <-done:
		return n
	case <-t.C:
		return 0
	}
}
