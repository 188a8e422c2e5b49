package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookServer records the alerts POSTed to it after a delay; status is what
// it answers.
type hookServer struct {
	mu     sync.Mutex
	rules  []string
	delay  time.Duration
	status int
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(h.delay)
	var a struct {
		RuleName string `json:"rule_name"`
	}
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &a)
	h.mu.Lock()
	h.rules = append(h.rules, a.RuleName)
	h.mu.Unlock()
	w.WriteHeader(h.status)
}

func (h *hookServer) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.rules...)
}

func deliveryConfig(t *testing.T, url string) string {
	cfg := filepath.Join(t.TempDir(), "streamalert.yaml")
	writeFile(t, cfg, "outputs:\n  webhook:\n    hook: {url: \""+url+"\"}\n")
	return cfg
}

const hookRule = "name: kind_alpha\nlog_types: [test:event]\ncondition: record.kind == \"alpha\"\noutputs: [webhook:hook]\n"

// TestDeliveryDrainsOnShutdown: an alert whose delivery is still in flight
// when the session is interrupted is delivered before run returns.
func TestDeliveryDrainsOnShutdown(t *testing.T) {
	hook := &hookServer{delay: 300 * time.Millisecond, status: 200}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": hookRule, "beta.yaml": testRule("kind_beta", "beta")})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--config", deliveryConfig(t, srv.URL), "--watch", "-")
	s.waitStderr(0, "watching")
	s.send(event("beta", 1), event("alpha", 2))
	s.waitAlerts(2)
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	// kind_beta names no output: only kind_alpha goes to the webhook.
	if got := hook.received(); len(got) != 1 || got[0] != "kind_alpha" {
		t.Fatalf("webhook received %v, want [kind_alpha]\n%s", got, s.dump())
	}
}

// TestDeliveryDeadLetter: an output that keeps failing gets the alert in
// the alert dead letter once the drain times out; nothing is lost silently.
func TestDeliveryDeadLetter(t *testing.T) {
	hook := &hookServer{status: 503}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": hookRule})
	dl := filepath.Join(t.TempDir(), "alerts-dead.jsonl")
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--config", deliveryConfig(t, srv.URL),
		"--alert-dead-letter", dl, "--drain-timeout", "200ms", "--watch", "-")
	s.waitStderr(0, "watching")
	s.send(event("alpha", 1))
	s.waitAlerts(1)
	waitUntil(t, "a first delivery attempt", func() bool { return len(hook.received()) > 0 }, s.dump)
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	data, err := os.ReadFile(dl)
	if err != nil {
		t.Fatalf("no dead letter: %v\n%s", err, s.dump())
	}
	if !strings.Contains(string(data), `"rule_name":"kind_alpha"`) || !strings.Contains(string(data), `"output":"webhook:hook"`) {
		t.Fatalf("dead letter %s", data)
	}
}
