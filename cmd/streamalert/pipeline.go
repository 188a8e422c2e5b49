package main

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/payload"
)

// pipeline is what every input feeds: the processor (classify + evaluate on
// the bundle in service), the sink (stdout and dead letters) and the
// deliveries to the configured outputs. Safe for concurrent use; each input
// runs in its own goroutine.
type pipeline struct {
	proc      *engine.Processor
	sink      *localSink
	deliver   *delivery // nil when no outputs are configured
	gate      *engine.Gate
	cfg       *config.Config
	logs      []string // --logs; nil means the config's sources, else all
	maxRecord int
	maxDecomp int64     // limits.max_decompressed_size; 0: payload's default
	stats     *runStats // --stats; may be nil
	workers   int       // --workers: goroutines classifying a file (0: GOMAXPROCS)
}

// counts are one input's (or one HTTP request's) tallies.
type counts struct {
	raw, records, unclassified, alerts atomic.Uint64 // records: classified records (a raw record may yield several)
}

// candidates returns the log types to try for records from src.
func (p *pipeline) candidates(src engine.Source) []string {
	if p.logs != nil {
		return p.logs
	}
	return p.cfg.LogsFor(src.Service, src.Entity)
}

// opts are the payload reading options.
func (p *pipeline) opts() payload.Options {
	return payload.Options{MaxRecordSize: p.maxRecord, MaxPayloadSize: p.maxDecomp}
}

// record processes one raw record completely: classify, evaluate, write
// alerts and dead letters, queue deliveries. The record is counted in c
// (may be nil). flush pushes the output lines out at once (live inputs).
func (p *pipeline) record(src engine.Source, raw payload.Raw, logs []string, c *counts, flush bool) error {
	return p.after(src, raw, p.proc.Process(raw.Data, raw.Err, src, logs), c, flush)
}

// after is everything that follows classification and evaluation of one raw
// record, in input order: counts, thresholds, dedup and merging, output.
func (p *pipeline) after(src engine.Source, raw payload.Raw, res engine.Result, c *counts, flush bool) error {
	p.stats.record(len(res.Alerts))
	if c != nil {
		c.raw.Add(1)
		c.records.Add(uint64(len(res.Records)))
		c.alerts.Add(uint64(len(res.Alerts)))
		if res.Err != nil {
			c.unclassified.Add(1)
		}
	}
	// A rule's threshold and dedup_period may suppress its alert; alerts of
	// rules with merge_by_keys wait in the gate for their window; the
	// others go out now.
	res.Alerts, _ = p.gate.Pass(context.Background(), res.Alerts, time.Now()) // the in-memory limiter never fails
	p.route(res.Alerts)
	if err := p.sink.write(src, raw, res, flush); err != nil {
		return err
	}
	p.dispatch(res.Alerts)
	return nil
}

// route sends staged rules' alerts to the staging outputs (in place).
func (p *pipeline) route(alerts []engine.Alert) {
	var staging []string
	if p.cfg != nil {
		staging = p.cfg.StagingOutputs
	}
	for i := range alerts {
		alerts[i] = engine.RouteStaged(alerts[i], staging)
	}
}

// dispatch queues alerts for delivery to their outputs.
func (p *pipeline) dispatch(alerts []engine.Alert) {
	if p.deliver != nil {
		for _, a := range alerts {
			p.deliver.enqueue(a)
		}
	}
}

// emitMerged writes and delivers alerts released by the merger.
func (p *pipeline) emitMerged(alerts []engine.Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	p.route(alerts)
	if err := p.sink.writeAlerts(alerts); err != nil {
		return err
	}
	p.dispatch(alerts)
	return nil
}

// mergeTick is how often held alerts are checked for an ended merge window.
const mergeTick = time.Second

// releaseMerged sends merged alerts as their windows end, until ctx ends.
func (p *pipeline) releaseMerged(ctx context.Context) error {
	t := time.NewTicker(mergeTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			if err := p.emitMerged(p.gate.Due(now)); err != nil {
				return err
			}
		}
	}
}

// feed reads r (a whole payload, or a stream line by line) and processes
// every record against the candidate log types logs (nil: all), stopping
// early when ctx is cancelled: the record being processed finishes, the rest
// is left unread.
func (p *pipeline) feed(ctx context.Context, src engine.Source, r io.Reader, stream bool, logs []string, c *counts) error {
	return p.feedWith(ctx, src, r, stream, logs, c, p.opts())
}

// feedWith is feed with explicit payload options (HTTP bodies have a
// tighter decompressed-size limit than files).
func (p *pipeline) feedWith(ctx context.Context, src engine.Source, r io.Reader, stream bool, logs []string, c *counts, opts payload.Options) error {
	yield := func(raw payload.Raw) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return p.record(src, raw, logs, c, stream)
	}
	if stream {
		return payload.Stream(r, opts, yield)
	}
	// A whole payload is classified on every core (--workers), its results
	// handled in input order.
	o := p.newOrdered(c)
	err := p.readInto(ctx, src, r, logs, opts, o)
	if cerr := o.Close(); err == nil {
		err = cerr
	}
	return err
}

// readInto reads a whole payload (as Read does) into the pool o, which the
// caller closes: the files of a run share one pool (readInputs), so that
// small files (CloudTrail objects) are classified side by side too.
func (p *pipeline) readInto(ctx context.Context, src engine.Source, r io.Reader, logs []string, opts payload.Options, o *engine.Ordered) error {
	return payload.Read(r, opts, func(raw payload.Raw) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return o.Add(src, raw, logs)
	})
}

// newOrdered returns a pool classifying records on p.workers goroutines
// whose results go through after in input order, counted in c (may be nil).
func (p *pipeline) newOrdered(c *counts) *engine.Ordered {
	return p.proc.NewOrdered(p.workers, func(src engine.Source, raw payload.Raw, res engine.Result) error {
		return p.after(src, raw, res, c, false)
	})
}
