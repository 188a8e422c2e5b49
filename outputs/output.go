package outputs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
)

// Output delivers one alert to one destination, in one attempt. Send must be
// safe for concurrent use. It returns nil when the destination accepted the
// alert; a *StatusError for an HTTP status outside 2xx; an error marked with
// Permanent when retrying cannot help. Retrying, timeouts and dead letters
// are the Dispatcher's job, not the Output's.
type Output interface {
	Send(ctx context.Context, a engine.Alert) error
}

// RetryPolicy bounds delivery attempts. Zero fields take the defaults noted.
type RetryPolicy struct {
	MaxAttempts   int           // attempts per output and alert, including the first (default 5)
	BaseDelay     time.Duration // backoff before the second attempt (default 500ms); doubles after each
	MaxDelay      time.Duration // backoff ceiling (default 30s)
	MaxRetryAfter time.Duration // cap on a server's Retry-After (default 60s)
	Timeout       time.Duration // per attempt (default 10s)
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 60 * time.Second
	}
	if p.Timeout <= 0 {
		p.Timeout = 10 * time.Second
	}
	return p
}

// backoff returns the wait after failed attempt n (1-based): exponential,
// capped, with "equal jitter" (half fixed, half random) so retries from many
// alerts spread out but never collapse to zero.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	return half + rand.N(half+1)
}

// Options configure New. The zero value works: real HTTP client, default
// retry policy, AWS configuration from the environment, no dead letter.
type Options struct {
	// HTTPClient sends the HTTP outputs' requests (default: a client with
	// no overall timeout; each attempt has Retry.Timeout). New uses a copy
	// that never follows redirects (see RedirectError).
	HTTPClient *http.Client
	Retry      RetryPolicy
	// Secrets resolves secret references (default: DefaultResolvers with
	// DefaultSecretTTL).
	Secrets *Secrets
	// AWSConfig returns the base AWS configuration for the aws-* outputs
	// and the ssm/secretsmanager resolvers (default: LoadDefaultConfig,
	// loaded once). Per-output region and endpoint_url settings apply on top.
	AWSConfig func(context.Context) (aws.Config, error)
	// DeadLetter receives alerts whose delivery failed for good (default:
	// none; Dispatch then returns those failures as its error).
	DeadLetter DeadLetter
	// Stdout is where the stdout output writes (default os.Stdout).
	Stdout io.Writer
	// Logger receives retry and failure lines, already redacted (default:
	// discard).
	Logger *slog.Logger
	// IgnoreUndeclared skips, instead of failing, an alert's output names
	// that the configuration does not declare (local mode).
	IgnoreUndeclared bool
	// Sleep waits between attempts (default: a timer honouring ctx). Tests
	// replace it to observe backoff without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Dispatcher sends alerts to their outputs with retries and dead letters.
// It is safe for concurrent use.
type Dispatcher struct {
	outputs map[string]Output
	opts    Options
	retry   RetryPolicy
	metrics *Metrics
	secrets *Secrets
	log     *slog.Logger
}

// builder is what a service constructor gets: the descriptor's settings and
// the shared pieces.
type builder struct {
	name    string // service:descriptor
	set     *settings
	secrets *Secrets
	http    *http.Client
	opts    *Options
	awsCfg  func(context.Context) (aws.Config, error)
}

type constructor func(b *builder) Output

// services maps a service name to its constructor. A constructor reports
// bad settings through b.set and may return nil when they are unusable.
var services = map[string]constructor{
	"slack":              newSlack,
	"pagerduty-v2":       newPagerDutyV2,
	"pagerduty-incident": newPagerDutyIncident,
	"webhook":            newWebhook,
	"teams":              newTeams,
	"jira":               newJira,
	"github":             newGitHub,
	"opsgenie":           newOpsgenie,
	"aws-sns":            newSNS,
	"aws-sqs":            newSQS,
	"aws-s3":             newS3,
	"aws-lambda":         newLambda,
	"aws-firehose":       newFirehose,
	"aws-cloudwatch-log": newCloudWatchLog,
	"stdout":             newStdout,
	"file":               newFile,
}

// Services returns the names of the supported services, sorted.
func Services() []string {
	names := make([]string, 0, len(services))
	for n := range services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New builds one Output per descriptor declared in cfg. Every problem (an
// unknown service, a missing or malformed setting, an inline secret) is
// reported in the returned error as "file:line:col: outputs.S.D.key: ...".
// Secrets are not resolved here but on first use, so New needs no network.
func New(ctx context.Context, cfg *config.Config, opts Options) (*Dispatcher, error) {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	opts.HTTPClient = withoutRedirects(opts.HTTPClient)
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AWSConfig == nil {
		opts.AWSConfig = defaultAWSConfig()
	} else {
		opts.AWSConfig = onceAWSConfig(opts.AWSConfig)
	}
	if opts.Secrets == nil {
		opts.Secrets = NewSecrets(DefaultSecretTTL, DefaultResolvers(opts.AWSConfig))
	}
	d := &Dispatcher{outputs: map[string]Output{}, opts: opts, retry: opts.Retry.withDefaults(),
		metrics: NewMetrics(), secrets: opts.Secrets, log: opts.Logger}
	if cfg == nil {
		return d, nil
	}
	var diags diag.List
	for _, name := range cfg.OutputNames() {
		oc := cfg.Outputs[name]
		ctor, ok := services[oc.Service]
		if !ok {
			diags.Errorf(oc.Pos, "unknown-output", "outputs.%s: unknown output service %q (known: %s)",
				oc.Service, oc.Service, joinNames(Services()))
			continue
		}
		b := &builder{name: name, set: newSettings(oc, &diags), secrets: opts.Secrets,
			http: opts.HTTPClient, opts: &d.opts, awsCfg: opts.AWSConfig}
		out := ctor(b)
		b.set.done()
		if out != nil {
			d.outputs[name] = out
			d.metrics.ensure(name)
		}
	}
	if err := diags.Err(); err != nil {
		return nil, err
	}
	_ = ctx // reserved: constructors need no I/O today
	return d, nil
}

func joinNames(n []string) string {
	s := ""
	for i, x := range n {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

func defaultAWSConfig() func(context.Context) (aws.Config, error) {
	return onceAWSConfig(func(ctx context.Context) (aws.Config, error) {
		return awsconfig.LoadDefaultConfig(ctx)
	})
}

// onceAWSConfig memoizes a successful load; a failed one is tried again.
func onceAWSConfig(f func(context.Context) (aws.Config, error)) func(context.Context) (aws.Config, error) {
	var (
		mu  sync.Mutex
		cfg *aws.Config
	)
	return func(ctx context.Context) (aws.Config, error) {
		mu.Lock()
		defer mu.Unlock()
		if cfg != nil {
			return *cfg, nil
		}
		c, err := f(ctx)
		if err != nil {
			return aws.Config{}, err
		}
		cfg = &c
		return c, nil
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Names returns the declared output names, sorted.
func (d *Dispatcher) Names() []string {
	names := make([]string, 0, len(d.outputs))
	for n := range d.outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Output returns the Output declared as name ("service:descriptor").
func (d *Dispatcher) Output(name string) (Output, bool) {
	o, ok := d.outputs[name]
	return o, ok
}

// Metrics returns the per-output counters.
func (d *Dispatcher) Metrics() *Metrics { return d.metrics }

// Secrets returns the secret resolver (for redacting caller-side text).
func (d *Dispatcher) Secrets() *Secrets { return d.secrets }

// Result is the outcome of delivering one alert to one output.
type Result struct {
	Output   string
	Attempts int
	// Err is nil when the alert was delivered. Its message is redacted.
	Err error
	// Skipped is set for an undeclared output under IgnoreUndeclared.
	Skipped bool
	// DeadLettered is set when a failed alert was written to the dead
	// letter; DeadLetterErr says why that write failed, if it did.
	DeadLettered  bool
	DeadLetterErr error
}

// Lost reports whether the alert neither reached the output nor the dead
// letter: the caller must retry it (or report it) itself.
func (r Result) Lost() bool { return r.Err != nil && !r.DeadLettered }

// Dispatch sends a to every output it names (a.Outputs, duplicates
// ignored), concurrently and independently: a slow or failing output does not
// delay, block or duplicate the others. A delivery that fails after the
// retries goes to the dead letter. The error is non-nil only when some
// alert was lost (see Result.Lost); it never contains a secret.
func (d *Dispatcher) Dispatch(ctx context.Context, a engine.Alert) ([]Result, error) {
	seen := map[string]bool{}
	var names []string
	for _, n := range a.Outputs {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	results := make([]Result, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() { results[i] = d.dispatchOne(ctx, n, a) })
	}
	wg.Wait()
	var lost []error
	for _, r := range results {
		if r.Lost() {
			err := r.Err
			if r.DeadLetterErr != nil {
				err = fmt.Errorf("%w; dead letter: %v", err, r.DeadLetterErr)
			}
			lost = append(lost, fmt.Errorf("alert %s to %s: %w", a.ID, r.Output, err))
		}
	}
	if len(lost) == 0 {
		return results, nil
	}
	return results, &LostError{Errs: lost}
}

// LostError lists the deliveries that neither succeeded nor reached the
// dead letter, one per line.
type LostError struct{ Errs []error }

func (e *LostError) Error() string {
	s := ""
	for i, err := range e.Errs {
		if i > 0 {
			s += "\n"
		}
		s += err.Error()
	}
	return s
}

func (d *Dispatcher) dispatchOne(ctx context.Context, name string, a engine.Alert) Result {
	r := Result{Output: name}
	if _, ok := d.outputs[name]; !ok {
		if d.opts.IgnoreUndeclared {
			r.Skipped = true
			return r
		}
		r.Err = fmt.Errorf("%s: %w", name, ErrUnknownOutput)
		d.metrics.ensure(name).failed.Add(1)
	} else {
		r = d.Deliver(ctx, name, a)
	}
	if r.Err == nil || d.opts.DeadLetter == nil {
		return r
	}
	l := Letter{Alert: a, Output: name, Error: r.Err.Error(), Attempts: r.Attempts, Time: d.opts.Now().UTC()}
	// The dead letter is written even when ctx is already cancelled: a
	// cancelled invocation must not drop the alert.
	dctx := context.WithoutCancel(ctx)
	_, err := d.attempt(dctx, "dead-letter", func(ctx context.Context) error { return d.opts.DeadLetter.Put(ctx, l) }, nil)
	if err != nil {
		r.DeadLetterErr = err
		d.log.Error("dead letter failed", "output", name, "alert", a.ID, "error", err.Error())
		return r
	}
	r.DeadLettered = true
	d.metrics.ensure(name).deadLettered.Add(1)
	d.log.Warn("alert dead-lettered", "output", name, "alert", a.ID, "attempts", r.Attempts, "error", r.Err.Error())
	return r
}

// Deliver sends a to the single output name with retries, without the dead
// letter (the `output test` command uses it). The Result's error is redacted.
func (d *Dispatcher) Deliver(ctx context.Context, name string, a engine.Alert) Result {
	r := Result{Output: name}
	out, ok := d.outputs[name]
	if !ok {
		r.Err = fmt.Errorf("%s: %w", name, ErrUnknownOutput)
		return r
	}
	c := d.metrics.ensure(name)
	r.Attempts, r.Err = d.attempt(ctx, name, func(ctx context.Context) error { return out.Send(ctx, a) }, c)
	if r.Err != nil {
		c.failed.Add(1)
	} else {
		c.sent.Add(1)
	}
	return r
}

// attempt runs send until it succeeds, fails permanently, or the policy's
// attempts run out; it returns the attempts made and the last error,
// redacted. c (may be nil) counts retries.
func (d *Dispatcher) attempt(ctx context.Context, name string, send func(context.Context) error, c *counters) (int, error) {
	p := d.retry
	for n := 1; ; n++ {
		actx, cancel := context.WithTimeout(ctx, p.Timeout)
		err := send(actx)
		timedOut := actx.Err() == context.DeadlineExceeded && ctx.Err() == nil
		cancel()
		if err == nil {
			return n, nil
		}
		retry, after := retryable(err)
		if timedOut && !IsPermanent(err) {
			retry = true
			err = fmt.Errorf("%w (attempt timed out after %s)", err, p.Timeout)
		}
		err = d.secrets.RedactError(err)
		if ctx.Err() != nil {
			return n, fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
		}
		if !retry || n >= p.MaxAttempts {
			if retry && n > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, n)
			}
			return n, err
		}
		wait := p.backoff(n)
		if after > 0 {
			wait = min(after, p.MaxRetryAfter)
		}
		if c != nil {
			c.retried.Add(1)
		}
		d.log.Info("retrying", "output", name, "attempt", n, "wait", wait.String(), "error", err.Error())
		if serr := d.opts.Sleep(ctx, wait); serr != nil {
			return n, fmt.Errorf("%w (gave up: %v)", err, serr)
		}
	}
}
