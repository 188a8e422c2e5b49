// Package alertsfn is the alerts function (lambda/alerts): triggered by the
// alerts queue, it delivers each alert to the outputs its rule names, with
// the outputs package (retries, secrets from SSM / Secrets Manager). An
// alert that some output has not accepted is reported as a batch item
// failure, so SQS delivers it again; the outputs that already accepted it
// are recorded in the alert state table and are not sent it twice. Alerts
// that keep failing move to the queue's dead-letter queue (redrive policy).
package alertsfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/lambda/internal/emf"
	"github.com/streamalert-go/streamalert/outputs"
)

// Dispatcher delivers one alert to one output with retries (outputs.Dispatcher).
type Dispatcher interface {
	Deliver(ctx context.Context, name string, a engine.Alert) outputs.Result
}

// ConfigSource returns the current streamalert.yaml, or ErrConfigNotModified.
type ConfigSource interface {
	Config(ctx context.Context, etag string) (data []byte, newETag string, err error)
}

// ErrConfigNotModified: the configuration has the ETag the caller has.
var ErrConfigNotModified = errors.New("configuration not modified")

// ErrNoConfig: there is no configuration object.
var ErrNoConfig = errors.New("no streamalert.yaml")

// MergeFlush closes merge groups whose window ended and returns their
// summaries (dynamostate.Merges.Due).
type MergeFlush interface {
	Due(ctx context.Context, now time.Time) ([]engine.Alert, error)
}

// AlertQueue puts alerts on the alerts queue (rulesfn.SQSAlerts).
type AlertQueue interface {
	Send(ctx context.Context, alerts []engine.Alert) error
}

// Options are the parts a Function is made of.
type Options struct {
	State DeliveryState
	// Merges and Queue serve the scheduled flush: summaries of merge
	// groups whose window ended go onto the alerts queue, and from there to
	// their outputs like any alert (retries, redrive). Both nil: a
	// scheduled invocation is refused.
	Merges  MergeFlush
	Queue   AlertQueue
	Config  ConfigSource
	Refresh time.Duration // how often the configuration is re-checked (default 60s)
	// NewDispatcher builds the dispatcher of a configuration (default:
	// outputs.New with a short retry policy: SQS does the long retries).
	NewDispatcher func(ctx context.Context, cfg *config.Config) (Dispatcher, error)
	Log           *slog.Logger
	Metrics       io.Writer
	Now           func() time.Time
}

// Function is the alerts function. Handle may be called concurrently.
type Function struct {
	o       Options
	metrics emf.Counters

	mu             sync.Mutex
	disp           Dispatcher
	stagingOutputs []string
	etag           string
	lastCheck      time.Time
}

// MaxConcurrentAlerts bounds the alerts of one batch delivered at once.
const MaxConcurrentAlerts = 16

// DefaultRetry is the per-invocation retry policy: a few quick attempts;
// the queue's redelivery does the rest.
var DefaultRetry = outputs.RetryPolicy{MaxAttempts: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: 2 * time.Second, Timeout: 10 * time.Second}

// New builds the function and loads the configuration.
func New(ctx context.Context, o Options) (*Function, error) {
	if o.State == nil || o.Config == nil {
		return nil, errors.New("alertsfn: State and Config are required")
	}
	if o.Refresh <= 0 {
		o.Refresh = 60 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewDispatcher == nil {
		log := o.Log
		o.NewDispatcher = func(ctx context.Context, cfg *config.Config) (Dispatcher, error) {
			d, err := outputs.New(ctx, cfg, outputs.Options{Retry: DefaultRetry, Logger: log})
			if err != nil {
				return nil, err
			}
			// Every secret reference (ssm:, secretsmanager:, env:) must
			// resolve now: a missing one refuses the configuration, never
			// a silent stream of failed deliveries.
			if err := d.Secrets().Check(ctx, outputs.SecretRefs(cfg)); err != nil {
				return nil, err
			}
			return d, nil
		}
	}
	f := &Function{o: o}
	if err := f.reload(ctx, true); err != nil {
		return nil, err
	}
	return f, nil
}

// reload re-reads the configuration when it changed. At cold start a
// missing or bad configuration is an error; later it keeps the running one.
func (f *Function) reload(ctx context.Context, cold bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !cold && f.o.Now().Sub(f.lastCheck) < f.o.Refresh {
		return nil
	}
	f.lastCheck = f.o.Now()
	data, etag, err := f.o.Config.Config(ctx, f.etag)
	switch {
	case errors.Is(err, ErrConfigNotModified):
		return nil
	case errors.Is(err, ErrNoConfig) && cold:
		f.o.Log.Error("no streamalert.yaml in the rules location: no output is declared, every alert naming one fails and ends in the dead-letter queue")
		disp, derr := f.o.NewDispatcher(ctx, nil)
		if derr != nil {
			return derr
		}
		f.disp = disp
		return nil
	case err != nil:
		if cold {
			return fmt.Errorf("configuration: %w", err)
		}
		f.o.Log.Error("could not read the configuration; keeping the running one", "error", err.Error())
		return nil
	}
	cfg, diags := config.Load(data, "streamalert.yaml")
	if diags.HasErrors() {
		for _, d := range diags {
			f.o.Log.Error(d.String(), "code", d.Code)
		}
		if cold {
			return fmt.Errorf("configuration: %w", diags.Err())
		}
		f.metrics.Add("ConfigReloadFailures", 1)
		return nil
	}
	disp, err := f.o.NewDispatcher(ctx, cfg)
	if err != nil {
		if cold {
			return err
		}
		f.o.Log.Error("configuration refused; keeping the running one", "error", err.Error())
		f.metrics.Add("ConfigReloadFailures", 1)
		return nil
	}
	f.disp, f.etag, f.stagingOutputs = disp, etag, cfg.StagingOutputs
	f.o.Log.Info("configuration live", "etag", etag, "outputs", cfg.OutputNames())
	return nil
}

// staging returns the staging outputs of the configuration in service.
func (f *Function) staging() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stagingOutputs
}

func (f *Function) dispatcher() Dispatcher {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.disp
}

// Handle takes an SQS event from the alerts queue (HandleSQS) or the
// scheduled event that flushes merge summaries (Flush).
func (f *Function) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Records    []json.RawMessage
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	if probe.Source == "aws.events" && probe.DetailType == "Scheduled Event" {
		n, err := f.Flush(ctx)
		return map[string]int{"summaries": n}, err
	}
	var e events.SQSEvent
	if err := json.Unmarshal(raw, &e); err != nil || len(e.Records) == 0 {
		return nil, fmt.Errorf("not an SQS event or a scheduled event: %s", excerpt(raw))
	}
	return f.HandleSQS(ctx, e)
}

func excerpt(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// Flush sends the summary of every merge group whose window ended onto the
// alerts queue, and returns how many. A summary whose queueing fails is
// logged whole (it is not lost) and the invocation fails, so the error
// counts in the function's metrics and alarms.
func (f *Function) Flush(ctx context.Context) (int, error) {
	defer func() {
		if err := f.metrics.Flush(f.o.Metrics, f.o.Now()); err != nil {
			f.o.Log.Error("metrics not written", "error", err.Error())
		}
	}()
	if f.o.Merges == nil || f.o.Queue == nil {
		return 0, errors.New("scheduled flush: no merge state or alerts queue configured (ALERTS_QUEUE_URL)")
	}
	due, err := f.o.Merges.Due(ctx, f.o.Now())
	if len(due) > 0 {
		if qerr := f.o.Queue.Send(context.WithoutCancel(ctx), due); qerr != nil {
			for _, a := range due {
				b, _ := json.Marshal(a)
				f.o.Log.Error("merge summary not queued; here it is whole", "rule", a.RuleName, "alert", string(b), "error", qerr.Error())
			}
			err = errors.Join(err, qerr)
		} else {
			f.metrics.Add("MergeSummaries", float64(len(due)))
		}
	}
	if err != nil {
		f.metrics.Add("MergeFlushFailures", 1)
	}
	return len(due), err
}

// HandleSQS delivers every alert of the batch; it reports the messages
// whose alert some output has not accepted.
func (f *Function) HandleSQS(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
	defer func() {
		if err := f.metrics.Flush(f.o.Metrics, f.o.Now()); err != nil {
			f.o.Log.Error("metrics not written", "error", err.Error())
		}
	}()
	_ = f.reload(ctx, false)
	d := f.dispatcher()
	lease := 5 * time.Minute
	if dl, ok := ctx.Deadline(); ok {
		lease = time.Until(dl) + 30*time.Second
	}
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	failed := make([]bool, len(e.Records))
	// A batch may hold up to 10,000 messages (with a batching window):
	// deliver a bounded number at a time.
	sem := make(chan struct{}, MaxConcurrentAlerts)
	var wg sync.WaitGroup
	for i, m := range e.Records {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f.message(ctx, d, m, lease); err != nil {
				f.o.Log.Error("alert not delivered to every output; it will be retried", "message", m.MessageId, "error", err.Error())
				failed[i] = true
			}
		})
	}
	wg.Wait()
	for i, m := range e.Records {
		if failed[i] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

func (f *Function) message(ctx context.Context, d Dispatcher, m events.SQSMessage, lease time.Duration) error {
	var a engine.Alert
	if err := json.Unmarshal([]byte(m.Body), &a); err != nil || a.ID == "" {
		f.metrics.Add("BadAlertMessages", 1)
		return fmt.Errorf("message is not an alert (it goes to the dead-letter queue after its retries): %v", err)
	}
	a = engine.RouteStaged(a, f.staging())
	var names []string
	for _, n := range a.Outputs {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { errs[i] = f.deliver(ctx, d, a, name, lease) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (f *Function) deliver(ctx context.Context, d Dispatcher, a engine.Alert, name string, lease time.Duration) error {
	claim, err := f.o.State.Claim(ctx, a.ID, name, lease)
	if err != nil {
		f.metrics.Add("Deliveries", 1, "Output", name, "Result", "state_error")
		return err
	}
	switch claim {
	case AlreadyDelivered:
		f.metrics.Add("Deliveries", 1, "Output", name, "Result", "already_delivered")
		return nil
	case Busy:
		f.metrics.Add("Deliveries", 1, "Output", name, "Result", "busy")
		return fmt.Errorf("%s: another instance is delivering alert %s", name, a.ID)
	}
	r := d.Deliver(ctx, name, a)
	if r.Err != nil {
		f.metrics.Add("Deliveries", 1, "Output", name, "Result", "failed")
		f.metrics.Add("DeliveryFailures", 1, "Output", name)
		rerr := f.o.State.Release(context.WithoutCancel(ctx), a.ID, name)
		return errors.Join(fmt.Errorf("%s: alert %s (rule %s) after %d attempts: %w", name, a.ID, a.RuleName, r.Attempts, r.Err), rerr)
	}
	f.metrics.Add("Deliveries", 1, "Output", name, "Result", "delivered")
	if err := f.o.State.Delivered(context.WithoutCancel(ctx), a.ID, name); err != nil {
		// Delivered but not recorded: a retry may send it again, which is
		// at-least-once; say so.
		f.o.Log.Warn("delivered but not recorded; a retry may deliver it again", "output", name, "alert", a.ID, "error", err.Error())
	}
	return nil
}

// S3Config reads PREFIX/streamalert.yaml from the rules bucket.
type S3Config struct {
	Client interface {
		GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	}
	Bucket, Key string
}

// Config implements ConfigSource with a conditional GET.
func (c *S3Config) Config(ctx context.Context, etag string) ([]byte, string, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(c.Bucket), Key: aws.String(c.Key)}
	if etag != "" {
		in.IfNoneMatch = aws.String(etag)
	}
	out, err := c.Client.GetObject(ctx, in)
	if err != nil {
		var coded interface{ ErrorCode() string }
		if errors.As(err, &coded) {
			switch coded.ErrorCode() {
			case "NotModified", "304":
				return nil, etag, ErrConfigNotModified
			case "NoSuchKey", "NotFound":
				return nil, "", ErrNoConfig
			}
		}
		var status interface{ HTTPStatusCode() int }
		if errors.As(err, &status) && status.HTTPStatusCode() == 304 {
			return nil, etag, ErrConfigNotModified
		}
		return nil, "", fmt.Errorf("get s3://%s/%s: %w", c.Bucket, c.Key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, 16<<20))
	if err != nil {
		return nil, "", err
	}
	return b, aws.ToString(out.ETag), nil
}
