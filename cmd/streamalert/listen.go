package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/payload"
)

// defaultMaxBody is the largest request body POST /v1/logs accepts, as sent
// (before decompression).
const defaultMaxBody = 10 << 20

// logsResponse is the body of a 202 from POST /v1/logs.
type logsResponse struct {
	Accepted     uint64 `json:"accepted"`     // raw records read from the body
	Unclassified uint64 `json:"unclassified"` // of those, the ones that matched no schema (dead-lettered)
	Alerts       uint64 `json:"alerts"`
}

// errorResponse is the body of every 4xx/5xx answer.
type errorResponse struct {
	Error string `json:"error"`
}

// logServer is the HTTP input of local mode:
//
//	POST /v1/logs   a body of raw lines, JSON lines or one JSON document
//	                (gzip by Content-Encoding or magic bytes), read as an S3
//	                object is; X-Log-Type or ?log_type= (comma-separated
//	                families or types) restricts the candidate log types
//	GET  /healthz   liveness and whether the latest reload succeeded
//	GET  /metrics   Prometheus text format
//
// With a token, /v1/logs and /metrics require "Authorization: Bearer TOKEN".
type logServer struct {
	p        *pipeline
	token    []byte // nil: no authentication
	maxBody  int64
	registry *prometheus.Registry
	reloads  *reloadStats
}

func (s *logServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/logs", s.auth(s.logs))
	mux.HandleFunc("/healthz", s.healthz)
	mux.Handle("/metrics", s.auth(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP))
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, errorResponse{Error: fmt.Sprintf(format, args...)})
}

// auth requires the bearer token when one is set, comparing in constant
// time so the token cannot be guessed byte by byte from response times.
func (s *logServer) auth(next http.HandlerFunc) http.HandlerFunc {
	if s.token == nil {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		const prefix = "Bearer "
		if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) ||
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(h[len(prefix):])), s.token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="streamalert"`)
			httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next(w, r)
	}
}

func (s *logServer) logs(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity", "gzip", "x-gzip":
		// payload.Read detects gzip by its magic bytes either way.
	default:
		httpError(w, http.StatusUnsupportedMediaType, "unsupported Content-Encoding %q (gzip or none)", enc)
		return
	}
	if r.ContentLength > s.maxBody {
		httpError(w, http.StatusRequestEntityTooLarge, "body of %d bytes is over the limit of %d", r.ContentLength, s.maxBody)
		return
	}
	// Read the whole body before processing any of it, so a request over
	// the limit is refused whole rather than half processed.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, "body is over the limit of %d bytes", s.maxBody)
			return
		}
		httpError(w, http.StatusBadRequest, "reading body: %v", err)
		return
	}
	src := engine.Source{Service: "http", Entity: clientHost(r.RemoteAddr)}
	logs := s.p.candidates(src)
	if lt := firstNonEmpty(r.Header.Get("X-Log-Type"), r.URL.Query().Get("log_type")); lt != "" {
		logs = splitList(lt)
		if _, err := s.p.proc.Bundle().Schemas.Resolve(logs); err != nil {
			httpError(w, http.StatusBadRequest, "log type: %v", err)
			return
		}
	}
	var c counts
	// Not r.Context(): a request accepted is processed whole, also while
	// the server shuts down (Shutdown waits for it).
	// A small gzip body can expand enormously: bound what it may decompress
	// to, so one request cannot take the process's memory.
	opts := s.p.opts()
	opts.MaxPayloadSize = maxDecodedRatio * s.maxBody
	err = s.p.feedWith(context.WithoutCancel(r.Context()), src, bytes.NewReader(body), false, logs, &c, opts)
	if ferr := s.p.sink.flush(); err == nil {
		err = ferr
	}
	resp := logsResponse{Accepted: c.raw.Load(), Unclassified: c.unclassified.Load(), Alerts: c.alerts.Load()}
	switch {
	case err == nil:
		writeJSON(w, http.StatusAccepted, resp)
	case errors.Is(err, payload.ErrPayloadTooLarge):
		httpError(w, http.StatusRequestEntityTooLarge, "decompressed body: %v (after %d records)", err, resp.Accepted)
	case errors.Is(err, errSinkClosed):
		httpError(w, http.StatusServiceUnavailable, "shutting down")
	default:
		httpError(w, http.StatusBadRequest, "%v (after %d records)", err, resp.Accepted)
	}
}

// maxDecodedRatio bounds a request body's decompressed size: this many
// times --max-body (160 MiB with the default 10 MiB).
const maxDecodedRatio = 16

func (s *logServer) healthz(w http.ResponseWriter, r *http.Request) {
	b := s.p.proc.Bundle()
	resp := struct {
		Status         string    `json:"status"`
		Rules          int       `json:"rules"`
		Loaded         time.Time `json:"loaded"`
		LastReloadFail bool      `json:"last_reload_failed"`
	}{Status: "ok", Loaded: b.Loaded, LastReloadFail: s.reloads.lastFailed.Load()}
	if b.Rules != nil {
		resp.Rules = len(b.Rules.Rules())
	}
	writeJSON(w, http.StatusOK, resp)
}

func clientHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, l := range strings.Split(s, ",") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// startListener listens on addr and serves h until shutdown is called,
// which stops accepting, waits for requests in flight (up to the context's
// deadline) and returns. The actual address (useful with port 0) is printed.
func startListener(addr string, h http.Handler, out io.Writer) (shutdown func(context.Context) error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute,
		ErrorLog: log.New(out, "streamalert: http: ", 0)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(out, "streamalert: serve: %v\n", err)
		}
	}()
	fmt.Fprintf(out, "streamalert: listening on http://%s\n", ln.Addr())
	return func(ctx context.Context) error {
		err := srv.Shutdown(ctx)
		if err != nil {
			srv.Close()
		}
		<-done
		return err
	}, nil
}
