package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/outputs"
)

// newOutputs builds the alert deliveries for the outputs cfg declares: each
// alert goes, besides stdout, to every output its rule names that the
// configuration declares (undeclared names are skipped in local mode).
// Deliveries that fail after the retries go to alertDeadLetter when set;
// otherwise they are reported on stderr. It returns nil (no deliveries)
// when there is no configuration or it declares no output, and for
// classify. The "stdout" output service writes through the sink so its
// lines never cut into the alert lines.
func newOutputs(ctx context.Context, cfg *config.Config, alertDeadLetter string, sink *localSink, stderr io.Writer) (*delivery, []prometheus.Collector, error) {
	if cfg == nil || len(cfg.Outputs) == 0 || sink.classifyOnly {
		return nil, nil, nil
	}
	opts := outputs.Options{
		IgnoreUndeclared: true,
		Stdout:           sinkWriter{sink},
		Logger:           slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	var dl *outputs.FileDeadLetter
	if alertDeadLetter != "" {
		dl = outputs.NewFileDeadLetter(alertDeadLetter)
		opts.DeadLetter = dl
	}
	d, err := outputs.New(ctx, cfg, opts)
	if err != nil {
		return nil, nil, err
	}
	// Every secret the outputs need is looked up now: a missing one stops
	// the start (exit 2) instead of dead-lettering every alert later.
	if err := checkSecrets(ctx, d, cfg); err != nil {
		return nil, nil, err
	}
	send := func(ctx context.Context, a engine.Alert) error {
		if len(a.Outputs) == 0 {
			return nil
		}
		_, err := d.Dispatch(ctx, a)
		return err
	}
	tally := &deliveryTally{}
	var dv *delivery
	undeliverable := func(a engine.Alert, reason string) {
		lost := false
		for _, name := range declaredOutputs(d, a) {
			if dl != nil {
				err := dl.Put(context.Background(), outputs.Letter{Alert: a, Output: name, Error: reason, Time: time.Now().UTC()})
				if err == nil {
					tally.add(&tally.deadLettered, name)
					continue
				}
				reason += "; dead letter: " + d.Secrets().Redact(err.Error())
			}
			tally.add(&tally.lostWithoutTries, name)
			lost = true
			fmt.Fprintf(stderr, "streamalert: alert %s (%s) to %s not delivered: %s\n", a.ID, a.RuleName, name, reason)
		}
		if lost {
			dv.lost.Add(1)
		}
	}
	dv = newDelivery(send, undeliverable, stderr)
	dv.summary = func() []outputSummary { return summarize(d.Metrics().Snapshot(), tally) }
	return dv, d.Metrics().Collectors(), nil
}

// declaredOutputs returns the outputs a names that d declares, once each
// (undeclared names are skipped in local mode).
func declaredOutputs(d *outputs.Dispatcher, a engine.Alert) []string {
	seen := map[string]bool{}
	var names []string
	for _, n := range a.Outputs {
		if _, ok := d.Output(n); ok && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names
}

// secretCheckTimeout bounds the start-up look-up of the outputs' secrets
// (ssm: and secretsmanager: references go to AWS).
const secretCheckTimeout = 30 * time.Second

// checkSecrets resolves every secret reference of cfg's outputs with d's
// resolver; the error names each missing reference, never a value.
func checkSecrets(ctx context.Context, d *outputs.Dispatcher, cfg *config.Config) error {
	cctx, cancel := context.WithTimeout(ctx, secretCheckTimeout)
	defer cancel()
	return d.Secrets().Check(cctx, outputs.SecretRefs(cfg))
}

// sinkWriter writes whole lines to the sink's stdout under its lock.
type sinkWriter struct{ s *localSink }

func (w sinkWriter) Write(b []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	n, err := w.s.out.Write(b)
	if err == nil {
		err = w.s.out.Flush()
	}
	return n, err
}
