// Package rulesfn is the rules function (lambda/rules): it classifies the
// records of Kinesis, S3, SNS and SQS events, evaluates the rules loaded
// from the rules bucket, queues the alerts on SQS and dead-letters what no
// rule could judge. It reports partial batch failures, so only items whose
// alerts or dead letters could not be written are retried.
//
// The Lambda Go runtime calls a function once at a time, so a Function is
// not safe for concurrent Handle calls; the rules in service change only
// between invocations. Within one invocation the items run concurrently.
package rulesfn

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/lambda/ingest"
	"github.com/streamalert-go/streamalert/lambda/internal/emf"
	"github.com/streamalert-go/streamalert/lambda/rulestore"
)

// AlertQueue takes the alerts of one item. An error means some were not
// queued: the item is retried. Items run concurrently: Send must be safe
// for concurrent use.
type AlertQueue interface {
	Send(ctx context.Context, alerts []engine.Alert) error
}

// DeadLetters keeps the records of one item no rule could judge. An error
// means some were not kept: the item is retried. Put must be safe for
// concurrent use.
type DeadLetters interface {
	Put(ctx context.Context, recs []engine.DeadRecord) error
}

// Options are the parts a Function is made of.
type Options struct {
	Store      rulestore.Store
	Location   string        // where the store is, for log lines
	Refresh    time.Duration // how often a warm function re-checks the store (default 60s)
	Alerts     AlertQueue
	DeadLetter DeadLetters
	Objects    ingest.Opener
	// Limiter applies thresholds and dedup periods (default: in memory,
	// per instance; FromEnv uses the shared DynamoDB table when
	// ALERTS_STATE_TABLE is set).
	Limiter engine.Limiter
	// Merges keeps merge groups shared by every instance (default: none;
	// alerts are merged within each item).
	Merges MergeState
	// Staged counts the alerts of staged rules per day, for `streamalert
	// rules status` (default: not counted).
	Staged StagedCounter
	Log    *slog.Logger
	// Metrics receives the EMF lines at the end of each invocation
	// (default: discarded).
	Metrics io.Writer
	Now     func() time.Time
}

// Function is the rules function. Build it with New.
type Function struct {
	store        rulestore.Store
	location     string
	refreshEvery time.Duration
	alerts       AlertQueue
	dead         DeadLetters
	objects      ingest.Opener
	log          *slog.Logger
	metricsOut   io.Writer
	now          func() time.Time

	metrics       emf.Counters
	cur           *served
	lastCheck     time.Time
	failedVersion string
	limit         engine.Limiter
	merges        MergeState // nil: merging within each item
	staged        StagedCounter
	dedup         *engine.Deduper // limit when it is in memory, for Expire
	proc          *engine.Processor
}

// New builds the function and loads the rules (cold start): from the store,
// or, when that fails, the embedded ruleset (logged loudly).
func New(ctx context.Context, o Options) (*Function, error) {
	if o.Store == nil || o.Alerts == nil || o.DeadLetter == nil || o.Objects == nil {
		return nil, errors.New("rulesfn: Store, Alerts, DeadLetter and Objects are required")
	}
	f := &Function{store: o.Store, location: o.Location, refreshEvery: o.Refresh, alerts: o.Alerts, dead: o.DeadLetter,
		objects: o.Objects, log: o.Log, metricsOut: o.Metrics, now: o.Now, limit: o.Limiter, merges: o.Merges, staged: o.Staged}
	if f.refreshEvery <= 0 {
		f.refreshEvery = 60 * time.Second
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.metricsOut == nil {
		f.metricsOut = io.Discard
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.limit == nil {
		f.dedup = engine.NewDeduper()
		f.limit = f.dedup
	}
	if err := f.coldStart(ctx); err != nil {
		return nil, err
	}
	f.proc = engine.NewProcessor(f.cur.bundle)
	return f, nil
}

// Version returns the ruleset version in service.
func (f *Function) Version() string { return f.cur.version }

func (f *Function) onRuleError(e engine.RuleError) {
	f.log.Warn("rule error", "rule", e.Rule, "file", e.File, "log_type", e.LogType,
		"source", e.Source.Service+":"+e.Source.Entity, "error", e.Err.Error())
}

// Handle is the Lambda handler: a Kinesis or SQS event gets a partial batch
// response; an S3 or SNS event fails whole (Lambda retries it) when any of
// its items failed. An event of another kind is an error.
func (f *Function) Handle(ctx context.Context, event json.RawMessage) (any, error) {
	defer f.flushMetrics()
	if f.dedup != nil {
		f.dedup.Expire(f.now())
	}
	f.refresh(ctx)
	if f.proc.Bundle() != f.cur.bundle {
		f.proc.Swap(f.cur.bundle)
	}
	kind, items, err := ingest.Decode(event)
	if err != nil {
		f.log.Error("event not handled", "error", err.Error())
		return nil, err
	}
	// Items are independent: process them on every core the function has
	// (Lambda gives a vCPU per 1,769 MB), in order of their results.
	itemErrs := make([]error, len(items))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			itemErrs[i] = f.item(ctx, it)
		})
	}
	wg.Wait()
	var failed []string
	var errs []error
	for i, err := range itemErrs {
		if err != nil {
			it := items[i]
			f.log.Error("item failed; it will be retried", "kind", string(kind), "item", it.ID,
				"source", it.Source.Service+":"+it.Source.Entity, "error", err.Error())
			f.metrics.Add("FailedItems", 1)
			failed = append(failed, it.ID)
			errs = append(errs, err)
		}
	}
	switch kind {
	case ingest.Kinesis:
		resp := events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
		for _, id := range failed {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: id})
		}
		return resp, nil
	case ingest.SQS:
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		for _, id := range failed {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
		return resp, nil
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%d of %d items failed: %w", len(errs), len(items), errors.Join(errs...))
	}
	return map[string]int{"items": len(items)}, nil
}

// readOptions are the payload limits of the configuration in service. A
// compressed S3 object is read without a decompression cap unless
// limits.max_decompressed_size sets one: objects are streamed, so memory is
// bounded per record whatever their size, and the buckets' writers are the
// organisation's own log pipelines.
func readOptions(cfg *config.Config) payload.Options {
	o := payload.Options{MaxPayloadSize: math.MaxInt64}
	if cfg != nil {
		o.MaxRecordSize = cfg.MaxRecordSize
		if cfg.MaxDecompressedSize > 0 {
			o.MaxPayloadSize = cfg.MaxDecompressedSize
		}
	}
	return o
}

// MergeState keeps merge groups shared by every instance
// (dynamostate.Merges): Add returns the alerts to send now (the first of a
// group, the summary of a group whose window it closed) and whether a
// opened its group; Undo takes an Add back when the item failed.
type MergeState interface {
	Add(ctx context.Context, a engine.Alert, now time.Time) (send []engine.Alert, opened bool, err error)
	Undo(ctx context.Context, a engine.Alert, opened bool) error
}

// StagedCounter counts a staged rule's alerts (dynamostate.StagedCounts).
type StagedCounter interface {
	Add(ctx context.Context, rule string, t time.Time, n int) error
}

type mergeAdd struct {
	a      engine.Alert
	opened bool
}

// pass applies thresholds and dedup, then merging: in the shared merge
// state when there is one (noting each Add in merged for Undo), else in
// the item's own gate.
func (f *Function) pass(ctx context.Context, gate *engine.Gate, alerts []engine.Alert, now time.Time, merged *[]mergeAdd) ([]engine.Alert, error) {
	if f.merges == nil {
		return gate.Pass(ctx, alerts, now)
	}
	var out []engine.Alert
	for _, a := range alerts {
		ok, err := f.limit.Limit(ctx, a, now)
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		if _, _, merging := engine.MergeGroup(a); !merging {
			out = append(out, a)
			continue
		}
		send, opened, err := f.merges.Add(ctx, a, now)
		out = append(out, send...)
		if err != nil {
			return out, err
		}
		*merged = append(*merged, mergeAdd{a, opened})
	}
	return out, nil
}

// item processes one item completely: every record classified and
// evaluated, alerts queued, dead letters kept. Alerts of merging rules are
// merged in the shared merge state (first alert now, summary from the
// scheduled flush), or, without one, within the item, and sent with it.
func (f *Function) item(ctx context.Context, it ingest.Item) error {
	var alerts []engine.Alert
	var dead []engine.DeadRecord
	// Thresholds and dedup are the instance's; merge groups are the item's,
	// so an item's merged alerts go out (or fail) with that item.
	gate := &engine.Gate{Limit: f.limit, Merger: engine.NewMerger()}
	// The alerts the limiter counted and the merge adds made since the last
	// successful flush: if the item fails, they are taken back so the retry
	// counts them afresh (nothing a failed send lost is then suppressed as
	// a duplicate). What was flushed was delivered, so it stays counted,
	// and memory stays bounded on a large object.
	type counted struct {
		a   engine.Alert
		now time.Time
	}
	var seen []counted
	var merged []mergeAdd
	stagedN := map[string]int{}
	cfg := f.cur.cfg
	var staging []string
	if cfg != nil {
		staging = cfg.StagingOutputs
	}
	version := f.cur.version
	var batchErr error
	flush := func() error {
		if len(alerts) > 0 {
			if err := f.alerts.Send(ctx, alerts); err != nil {
				return &sinkError{fmt.Errorf("queue alerts: %w", err)}
			}
			alerts = alerts[:0]
		}
		if len(dead) > 0 {
			if err := f.dead.Put(ctx, dead); err != nil {
				return &sinkError{fmt.Errorf("dead letter: %w", err)}
			}
			dead = dead[:0]
		}
		seen, merged = seen[:0], merged[:0]
		return nil
	}
	// The item's records are classified on every core; what follows runs
	// in record order, on one goroutine.
	o := f.proc.NewOrdered(0, func(src engine.Source, raw payload.Raw, res engine.Result) error {
		now := f.now()
		for _, r := range res.Records {
			f.metrics.Add("ClassifiedRecords", 1, "LogType", r.Type.Name)
		}
		if res.Err != nil {
			f.metrics.Add("UnclassifiedRecords", 1, "Source", src.Service+":"+src.Entity)
			d := engine.NewDeadRecord(now, src, raw.Data, raw.Line, res.Err)
			d.RulesetVersion = version
			dead = append(dead, d)
		}
		for _, re := range res.RuleErrors {
			f.metrics.Add("RuleErrors", 1, "Rule", re.Rule)
			d := engine.NewDeadRecord(now, src, raw.Data, raw.Line, re)
			d.RulesetVersion = version
			dead = append(dead, d)
		}
		for _, a := range res.Alerts {
			if _, _, limited := engine.DedupGroup(a); limited {
				seen = append(seen, counted{a, now})
			}
		}
		passed, err := f.pass(ctx, gate, res.Alerts, now, &merged)
		for _, a := range passed {
			f.metrics.Add("Alerts", 1, "Rule", a.RuleName)
			if a.Staged {
				stagedN[a.RuleName]++
			}
			a = engine.RouteStaged(a, staging)
			a.RulesetVersion = version
			alerts = append(alerts, a)
		}
		if err != nil {
			return &sinkError{fmt.Errorf("alert state: %w", err)}
		}
		// Bound what one large object holds in memory.
		if len(alerts) >= 500 || len(dead) >= 500 {
			return flush()
		}
		return nil
	})
	err := it.Read(ctx, f.objects, readOptions(cfg), func(src engine.Source, raw payload.Raw) error {
		f.metrics.Add("Records", 1)
		return o.Add(src, raw, cfg.LogsFor(src.Service, src.Entity))
	})
	if cerr := o.Close(); err == nil {
		err = cerr
	}
	if err != nil && isFormatError(err) {
		// A corrupt or truncated object will not get better on a retry:
		// keep what was read, and say where it broke.
		f.metrics.Add("UnreadablePayloads", 1, "Source", it.Source.Service+":"+it.Source.Entity)
		d := engine.NewDeadRecord(f.now(), it.Source, nil, 0, fmt.Errorf("payload not readable to its end: %w", err))
		d.RulesetVersion = version
		dead = append(dead, d)
		err = nil
	}
	for _, a := range gate.Flush() {
		a.RulesetVersion = version
		alerts = append(alerts, a)
	}
	if err != nil {
		batchErr = err
	}
	if ferr := flush(); ferr != nil {
		batchErr = errors.Join(batchErr, ferr)
	}
	if batchErr == nil && f.staged != nil {
		for rule, n := range stagedN {
			if err := f.staged.Add(ctx, rule, f.now(), n); err != nil {
				f.log.Warn("staged rule's alerts not counted", "rule", rule, "error", err.Error())
			}
		}
	}
	if batchErr != nil {
		for _, m := range merged {
			if err := f.merges.Undo(context.WithoutCancel(ctx), m.a, m.opened); err != nil {
				f.log.Warn("merge group not taken back; the retry may be folded into its summary", "rule", m.a.RuleName, "error", err.Error())
			}
		}
		for _, c := range seen {
			if err := f.limit.Undo(context.WithoutCancel(ctx), c.a, c.now); err != nil {
				f.log.Warn("threshold/dedup count not taken back; the retry may be suppressed", "rule", c.a.RuleName, "error", err.Error())
			}
		}
	}
	return batchErr
}

// sinkError is a failure to write alerts or dead letters.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

// SourceError is a failure to read from where the bytes come from (an S3
// GET or its body): retrying may help. Openers wrap their errors in it.
type SourceError struct{ Err error }

func (e *SourceError) Error() string { return e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

// isFormatError reports whether a read error is the payload's fault
// (corrupt compression, a decompression bomb) rather than the source's or
// a sink's, so a retry cannot help.
func isFormatError(err error) bool {
	if errors.As(err, new(*sinkError)) || errors.As(err, new(*SourceError)) {
		return false
	}
	return errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, payload.ErrPayloadTooLarge) || errors.As(err, new(flate.CorruptInputError))
}

func (f *Function) flushMetrics() {
	if err := f.metrics.Flush(f.metricsOut, f.now()); err != nil {
		f.log.Error("metrics not written", "error", err.Error())
	}
}
