package main

import (
	"context"
	"io"
	"log/slog"

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
	if alertDeadLetter != "" {
		opts.DeadLetter = outputs.NewFileDeadLetter(alertDeadLetter)
	}
	d, err := outputs.New(ctx, cfg, opts)
	if err != nil {
		return nil, nil, err
	}
	send := func(ctx context.Context, a engine.Alert) error {
		if len(a.Outputs) == 0 {
			return nil
		}
		_, err := d.Dispatch(ctx, a)
		return err
	}
	return newDelivery(send, stderr), d.Metrics().Collectors(), nil
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
