package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/payload"
)

// localSink writes alerts (run) or records (classify) as JSON lines, and
// unclassified records to the dead-letter file. Safe for concurrent use: the
// inputs (files, stdin, followed files, HTTP requests) share one sink, and
// each record's lines are written together.
type localSink struct {
	mu           sync.Mutex
	out          *bufio.Writer
	enc          *json.Encoder
	dead         *deadLetterFile
	classifyOnly bool
	closed       bool // after close, late writes (a straggling reader) are dropped
	alertLines   int  // alerts written (merged groups count once)
}

func newLocalSink(w io.Writer, dead *deadLetterFile, classifyOnly bool) *localSink {
	out := bufio.NewWriter(w)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return &localSink{out: out, enc: enc, dead: dead, classifyOnly: classifyOnly}
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

// write records what became of one raw record. flush makes a live stream
// show each line as it happens.
func (s *localSink) write(src engine.Source, raw payload.Raw, res engine.Result, flush bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errSinkClosed
	}
	if s.dead != nil {
		for _, re := range res.RuleErrors {
			if err := s.dead.write(src, raw, re); err != nil {
				return fmt.Errorf("dead-letter file: %w", err)
			}
		}
	}
	if res.Err != nil {
		if s.dead != nil {
			if err := s.dead.write(src, raw, res.Err); err != nil {
				return fmt.Errorf("dead-letter file: %w", err)
			}
		}
		if s.classifyOnly {
			if err := s.enc.Encode(errorLine{Error: reason(src, raw, res.Err), Raw: rawText(raw.Data)}); err != nil {
				return err
			}
		}
	}
	if s.classifyOnly {
		for _, r := range res.Records {
			if err := s.enc.Encode(classifiedLine{LogType: r.Type.Name, Record: r.Data, Normalized: nonEmpty(r.Normalized)}); err != nil {
				return err
			}
		}
	} else {
		for _, a := range res.Alerts {
			if err := s.enc.Encode(a); err != nil {
				return err
			}
			s.alertLines++
		}
	}
	if flush {
		return s.flushLocked()
	}
	return nil
}

// writeAlerts writes alerts that no single record produced (merged ones)
// and flushes them.
func (s *localSink) writeAlerts(alerts []engine.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errSinkClosed
	}
	for _, a := range alerts {
		if err := s.enc.Encode(a); err != nil {
			return err
		}
		s.alertLines++
	}
	return s.flushLocked()
}

var errSinkClosed = errors.New("output closed")

func (s *localSink) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

func (s *localSink) flushLocked() error {
	err := s.out.Flush()
	if s.dead != nil {
		if derr := s.dead.flush(); derr != nil {
			err = errors.Join(err, fmt.Errorf("dead-letter file: %w", derr))
		}
	}
	return err
}

// close flushes and refuses further writes.
func (s *localSink) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.flushLocked()
}

// nonEmpty returns the normalized types that have values (nil if none), so
// classify's output shows what a record provides.
func nonEmpty(m map[string][]any) map[string][]any {
	var out map[string][]any
	for k, v := range m {
		if len(v) > 0 {
			if out == nil {
				out = make(map[string][]any, len(m))
			}
			out[k] = v
		}
	}
	return out
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

// write appends one dead record (engine.DeadRecord: the same shape as the
// Lambda's dead letter) for raw, kept for why.
func (d *deadLetterFile) write(src engine.Source, raw payload.Raw, why error) error {
	b, err := json.Marshal(engine.NewDeadRecord(time.Now(), src, raw.Data, raw.Line, why))
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.w.Write(b)
	return d.w.WriteByte('\n')
}

func (d *deadLetterFile) flush() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.w.Flush()
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

func printSummary(w io.Writer, p *engine.Processor, s *localSink, classifyOnly bool) {
	st := p.Stats()
	fmt.Fprintf(w, "streamalert: %d raw records, %d records classified, %d unclassified", st.Raw.Load(), st.Records.Load(), st.Unclassified.Load())
	if !classifyOnly {
		var ruleErrs uint64
		for _, n := range p.RuleErrorCounts() {
			ruleErrs += n
		}
		fmt.Fprintf(w, ", %d alerts", st.Alerts.Load())
		s.mu.Lock()
		if lines := uint64(s.alertLines); lines != st.Alerts.Load() {
			fmt.Fprintf(w, " (%d written after thresholds, dedup and merging)", lines)
		}
		s.mu.Unlock()
		fmt.Fprintf(w, ", %d rule errors", ruleErrs)
	}
	fmt.Fprintln(w)
}

// printDeliveries writes one summary line per output: what was delivered,
// retried and dead-lettered, and what was lost (neither delivered nor
// dead-lettered) when anything was.
func printDeliveries(w io.Writer, outs []outputSummary) {
	for _, o := range outs {
		fmt.Fprintf(w, "streamalert: output %s: %d delivered, %d retried, %d dead-lettered", o.Name, o.Delivered, o.Retried, o.DeadLettered)
		if o.Dropped > 0 {
			fmt.Fprintf(w, ", %d lost", o.Dropped)
		}
		fmt.Fprintln(w)
	}
}
