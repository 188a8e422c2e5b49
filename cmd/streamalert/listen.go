package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/payload"
)

// defaultMaxBody is the largest request body POST /v1/logs accepts, as sent
// (before decompression).
const defaultMaxBody = 10 << 20

// defaultMaxRecords is the most raw records (lines, or whole JSON
// documents) one POST /v1/logs may carry; a request over it is refused
// with 413 before any of its records is processed.
const defaultMaxRecords = 100_000

// HTTP server limits (see the README's Local mode section).
const (
	headerTimeout      = 10 * time.Second // request line and headers
	readTimeout        = 30 * time.Second // a whole request, unless its handler extends it
	defaultBodyTimeout = time.Minute      // the whole body, once the request is authenticated (--read-timeout)
	writeTimeout       = 2 * time.Minute  // from the end of the headers to the end of the response
	idleTimeout        = time.Minute      // a keep-alive connection between requests
	maxConnections     = 256              // connections served at once; more wait in the kernel's backlog
	shutdownTimeout    = 10 * time.Second // on shutdown, at most, for requests in flight (and at most --drain-timeout)
)

// logsResponse is the body of a 202 from POST /v1/logs.
type logsResponse struct {
	// Accepted counts the records taken in: every record classified (a
	// document whose schema unpacks many records counts each) plus every
	// raw record that did not classify (dead-lettered).
	Accepted     uint64 `json:"accepted"`
	Unclassified uint64 `json:"unclassified"` // of those, the raw records that matched no schema (dead-lettered)
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
//
// A request to /v1/logs is all or nothing: its body is read and decompressed
// into memory (bounded by maxBody, maxDecodedRatio*maxBody and maxRecords)
// before any record of it is processed, so a request refused for its size
// or shape changed nothing, and a 202 means every record was taken in.
type logServer struct {
	p           *pipeline
	token       []byte // nil: no authentication
	maxBody     int64
	maxRecords  int
	bodyTimeout time.Duration // for the body to arrive, once authenticated
	slots       chan struct{} // one per request decoding or processing (newLogServer)
	registry    *prometheus.Registry
	reloads     *reloadStats
	gate        requestGate
}

// processingSlots is how many requests decode and process their bodies at
// once; the others wait, their bodies read (at most --max-body each).
func processingSlots() int { return max(2, runtime.GOMAXPROCS(0)) }

func (s *logServer) handler() http.Handler {
	if s.slots == nil {
		s.slots = make(chan struct{}, processingSlots())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/logs", s.auth(s.logs))
	mux.HandleFunc("/healthz", bodiless(s.healthz))
	mux.Handle("/metrics", bodiless(s.auth(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP)))
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

// refuse answers a request without reading its body, and closes the
// connection: "Connection: close", and a read deadline in the past so the
// server does not drain the unread body (up to 256 KiB) first, which a
// client sending it slowly could drag out for ever.
func refuse(w http.ResponseWriter, code int, format string, args ...any) {
	w.Header().Set("Connection", "close")
	httpError(w, code, format, args...)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now())
}

// bodiless wraps a handler that reads no body: when the request announces
// one anyway, the connection is closed after the answer without draining
// it, so a body sent slowly cannot hold the connection.
func bodiless(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 {
			next(w, r)
			return
		}
		w.Header().Set("Connection", "close")
		next(w, r)
		rc := http.NewResponseController(w)
		_ = rc.Flush()
		_ = rc.SetReadDeadline(time.Now())
	}
}

// auth requires the bearer token when one is set (requireToken).
func (s *logServer) auth(next http.HandlerFunc) http.HandlerFunc { return requireToken(s.token, next) }

// errTooManyRecords stops reading a request body at its record limit.
var errTooManyRecords = errors.New("too many records")

// batch is a request's raw records, read and decompressed before any is
// processed. The records' bytes live in one arena.
type batch struct {
	arena []byte
	raws  []batchRaw
}

type batchRaw struct {
	start, end int
	line       int
	err        error
}

// readBatch reads a whole payload into memory with opts, keeping at most
// maxRecords records; any read or decompression error, ErrPayloadTooLarge
// or errTooManyRecords refuses the whole payload.
func readBatch(body []byte, opts payload.Options, maxRecords int) (*batch, error) {
	b := &batch{}
	err := payload.Read(bytes.NewReader(body), opts, func(raw payload.Raw) error {
		if len(b.raws) >= maxRecords {
			return errTooManyRecords
		}
		start := len(b.arena)
		b.arena = append(b.arena, raw.Data...)
		b.raws = append(b.raws, batchRaw{start: start, end: len(b.arena), line: raw.Line, err: raw.Err})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func (b *batch) raw(i int) payload.Raw {
	r := b.raws[i]
	return payload.Raw{Data: b.arena[r.start:r.end:r.end], Line: r.line, Err: r.err}
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
		refuse(w, http.StatusRequestEntityTooLarge, "body of %d bytes is over the limit of %d", r.ContentLength, s.maxBody)
		return
	}
	src := engine.Source{Service: "http", Entity: clientHost(r.RemoteAddr)}
	logs := s.p.candidates(src)
	if lt := firstNonEmpty(r.Header.Get("X-Log-Type"), r.URL.Query().Get("log_type")); lt != "" {
		logs = splitList(lt)
		if _, err := s.p.proc.Bundle().Schemas.Resolve(logs); err != nil {
			refuse(w, http.StatusBadRequest, "log type: %v", err)
			return
		}
	}
	// Shutdown waits for this request (its answer is flushed before leave,
	// because the connections are closed right after) and interrupts its
	// body if it is still arriving.
	rc := http.NewResponseController(w)
	if !s.gate.enter(rc) {
		refuse(w, http.StatusServiceUnavailable, "shutting down; nothing was processed")
		return
	}
	defer func() {
		_ = rc.Flush()
		s.gate.leave(rc)
	}()
	// The body has bodyTimeout to arrive, however slowly it drips.
	_ = rc.SetReadDeadline(time.Now().Add(s.bodyTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		w.Header().Set("Connection", "close")
		var tooBig *http.MaxBytesError
		var nerr net.Error
		switch {
		case s.gate.isClosed():
			httpError(w, http.StatusServiceUnavailable, "shutting down before the body arrived; nothing was processed")
		case errors.As(err, &tooBig):
			httpError(w, http.StatusRequestEntityTooLarge, "body is over the limit of %d bytes", s.maxBody)
		case errors.As(err, &nerr) && nerr.Timeout():
			httpError(w, http.StatusRequestTimeout, "body not received within %s (--read-timeout); nothing was processed", s.bodyTimeout)
		default:
			httpError(w, http.StatusBadRequest, "reading body: %v", err)
		}
		return
	}
	_ = rc.SetReadDeadline(time.Time{})
	// Decoding and processing are CPU work: a few requests at a time, which
	// also bounds the memory their decompressed bodies take.
	s.slots <- struct{}{}
	defer func() { <-s.slots }()
	// A small gzip body can expand enormously: bound what it may decompress
	// to, and how many records it may hold, and check both before any
	// record is processed.
	opts := s.p.opts()
	opts.MaxPayloadSize = maxDecodedRatio * s.maxBody
	b, err := readBatch(body, opts, s.maxRecords)
	body = nil
	switch {
	case err == nil:
	case errors.Is(err, payload.ErrPayloadTooLarge):
		httpError(w, http.StatusRequestEntityTooLarge, "decompressed body is over the limit of %d bytes; nothing was processed", opts.MaxPayloadSize)
		return
	case errors.Is(err, errTooManyRecords):
		httpError(w, http.StatusRequestEntityTooLarge, "body holds more than %d records (--max-records); nothing was processed", s.maxRecords)
		return
	default:
		httpError(w, http.StatusBadRequest, "%v; nothing was processed", err)
		return
	}
	// From here the request is processed whole, also while the server shuts
	// down (shutdown waits for it), or refused before any record is.
	if s.gate.isClosed() {
		httpError(w, http.StatusServiceUnavailable, "shutting down; nothing was processed")
		return
	}
	var c counts
	for i := range b.raws {
		if err = s.p.record(src, b.raw(i), logs, &c, false); err != nil {
			break
		}
	}
	if ferr := s.p.sink.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		// Only the local output can fail here (stdout or the dead-letter
		// file): the records were processed, their lines may be lost.
		httpError(w, http.StatusInternalServerError, "writing output: %v", err)
	} else {
		writeJSON(w, http.StatusAccepted, logsResponse{
			Accepted: c.records.Load() + c.unclassified.Load(), Unclassified: c.unclassified.Load(), Alerts: c.alerts.Load()})
	}
}

// requestGate lets shutdown wait for the /v1/logs requests in progress:
// those processing finish; those still receiving their body are
// interrupted and answered 503; new ones are refused. The zero value is
// open.
type requestGate struct {
	mu      sync.Mutex
	closed  bool
	wg      sync.WaitGroup
	reading map[*http.ResponseController]bool
}

// enter registers a request; false means the gate is closed. After true,
// the caller must call leave(rc) once the answer is written.
func (g *requestGate) enter(rc *http.ResponseController) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	if g.reading == nil {
		g.reading = map[*http.ResponseController]bool{}
	}
	g.reading[rc] = true
	g.wg.Add(1)
	return true
}

func (g *requestGate) leave(rc *http.ResponseController) {
	g.mu.Lock()
	delete(g.reading, rc)
	g.mu.Unlock()
	g.wg.Done()
}

// isClosed reports whether shutdown has closed the gate: a request that
// has not started processing must then be refused.
func (g *requestGate) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// close refuses new requests, interrupts the bodies still being read, and
// waits for every request registered to be answered.
func (g *requestGate) close() {
	g.mu.Lock()
	g.closed = true
	for rc := range g.reading {
		_ = rc.SetReadDeadline(time.Now())
	}
	g.mu.Unlock()
	g.wg.Wait()
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

// isLoopback reports whether addr (host:port) only accepts connections
// from this machine: a loopback IP or "localhost". An empty host (all
// interfaces) or any other name is not.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// listenOptions are startListener's settings.
type listenOptions struct {
	certFile, keyFile string       // both set: serve HTTPS
	gate              *requestGate // closed at shutdown, after the grace period
	maxConns          int          // connections served at once; 0 means maxConnections
}

// startListener listens on addr and serves h until shutdown is called.
// Shutdown stops accepting and waits for requests in flight up to the
// context's deadline; then it closes the gate (requests not yet processing
// are refused with 503, the ones processing finish and are answered), and
// closes the connections left (clients still sending a body). The actual
// address (useful with port 0) is printed.
func startListener(addr string, h http.Handler, o listenOptions, out io.Writer) (shutdown func(context.Context) error, err error) {
	var tlsConfig *tls.Config
	if o.certFile != "" {
		cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	scheme := "http"
	bound := ln.Addr()
	ln = netutil.LimitListener(ln, cmp.Or(o.maxConns, maxConnections))
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
		scheme = "https"
	}
	// ReadTimeout is a backstop for a whole request; POST /v1/logs extends
	// it for its body once the client is authenticated (--read-timeout).
	srv := &http.Server{Handler: h, ReadHeaderTimeout: headerTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout, IdleTimeout: idleTimeout,
		MaxHeaderBytes: 64 << 10, TLSConfig: tlsConfig, ErrorLog: log.New(out, "streamalert: http: ", 0)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(out, "streamalert: serve: %v\n", err)
		}
	}()
	fmt.Fprintf(out, "streamalert: listening on %s://%s\n", scheme, bound)
	return func(ctx context.Context) error {
		err := srv.Shutdown(ctx)
		if o.gate != nil {
			o.gate.close()
		}
		if err != nil {
			srv.Close()
		}
		<-done
		return err
	}, nil
}
