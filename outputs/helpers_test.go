package outputs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/config"
)

// recorded is one request a test server received.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

func (r recorded) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("request body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// recorder is an httptest server that records requests and answers with a
// script of responses (the last one repeats).
type recorder struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []recorded
	steps []step
}

type step struct {
	status int
	header map[string]string
	body   string
	delay  time.Duration
}

func newRecorder(t *testing.T, steps ...step) *recorder {
	t.Helper()
	r := &recorder{steps: steps}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.reqs)
		r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Clone(), body})
		s := step{status: 200, body: "ok"}
		if len(r.steps) > 0 {
			s = r.steps[min(n, len(r.steps)-1)]
		}
		r.mu.Unlock()
		if s.delay > 0 {
			select {
			case <-time.After(s.delay):
			case <-req.Context().Done():
				return
			}
		}
		for k, v := range s.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(s.status)
		io.WriteString(w, s.body)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// sleeps records the waits the dispatcher asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// testAWSConfig is a static-credential configuration for local servers.
func testAWSConfig(ctx context.Context) (aws.Config, error) {
	return awsconfig.LoadDefaultConfig(ctx,
		awsconfig.WithRegion("us-east-1"),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "testtesttest", "")),
		awsconfig.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		awsconfig.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	)
}

func loadConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, diags := config.Load([]byte(yaml), "streamalert.yaml")
	if err := diags.Err(); err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// newDispatcher builds a dispatcher for yaml with fast test retry settings.
func newDispatcher(t *testing.T, yaml string, opts Options) (*Dispatcher, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	if opts.Sleep == nil {
		opts.Sleep = sl.sleep
	}
	if opts.Retry == (RetryPolicy{}) {
		opts.Retry = RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, Timeout: 2 * time.Second}
	}
	if opts.AWSConfig == nil {
		opts.AWSConfig = testAWSConfig
	}
	d, err := New(context.Background(), loadConfig(t, yaml), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d, sl
}

func sampleAlert(outputs ...string) engine.Alert {
	return engine.Alert{
		ID:              "3f1c2a7e-1111-4c2b-9d55-0a1b2c3d4e5f",
		RuleName:        "osquery_invalid_user",
		RuleDescription: "Catch unauthorized user logins",
		Severity:        "high",
		Tags:            []string{"attack.initial_access"},
		LogSource:       "osquery:differential",
		LogType:         "json",
		SourceService:   "kinesis",
		SourceEntity:    "prefix_cluster1_streamalert",
		Record: map[string]any{"name": "logged_in_users", "hostIdentifier": "h1", "unixTime": float64(1),
			"columns": map[string]any{"user": "mallory", "host": "8.8.8.8"}},
		Context: map[string]any{},
		Outputs: outputs,
		Created: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
	}
}

// dig follows a path of map keys and list indexes through decoded JSON.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: not an object: %v", k, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at [%d]: not a long enough list: %v", k, v)
			}
			v = l[k]
		}
	}
	return v
}

func wantEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func yamlOf(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// httpHandlerFunc returns a handler that runs f, then answers 200.
func httpHandlerFunc(f func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		f()
		w.WriteHeader(200)
	})
}

// httpRespond returns a handler answering with f's status and JSON body.
func httpRespond(f func(r recorded) (int, string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		code, out := f(recorded{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Clone(), body})
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(code)
		io.WriteString(w, out)
	})
}

// httpRespondSteps records into r and answers with steps in order (the
// last repeats), as an AWS JSON service would.
func httpRespondSteps(r *recorder, steps []step) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.reqs)
		r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Clone(), body})
		r.mu.Unlock()
		s := steps[min(n, len(steps)-1)]
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		for k, v := range s.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(s.status)
		io.WriteString(w, s.body)
	})
}
