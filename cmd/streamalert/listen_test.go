package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/streamalert-go/streamalert/engine"
)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// listenAddr waits for the "listening on" line and returns the base URL.
func (s *session) listenAddr() string {
	s.t.Helper()
	s.waitStderr(0, `listening on http://\S+`)
	return regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(s.stderr.String())[1]
}

func TestListen(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	dir := t.TempDir()
	tokenFile, dead := filepath.Join(dir, "token"), filepath.Join(dir, "dead.jsonl")
	writeFile(t, tokenFile, "s3cret-token\n")
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--listen", "127.0.0.1:0",
		"--token-file", tokenFile, "--max-body", "1024", "--dead-letter", dead)
	base := s.listenAddr()

	body := event("alpha", 1) + "\n" + event("beta", 2) + "\nnot a record\n"
	big := strings.Repeat(event("beta", 3)+"\n", 100)
	tests := []struct {
		name    string
		method  string
		path    string
		header  map[string]string
		body    []byte
		chunked bool // send without Content-Length
		code    int
		resp    string // exact JSON body for 202, else a substring
	}{
		{name: "no token", method: "POST", path: "/v1/logs", header: map[string]string{"Authorization": ""}, body: []byte(body), code: 401, resp: "bearer token"},
		{name: "wrong token", method: "POST", path: "/v1/logs", header: map[string]string{"Authorization": "Bearer s3cret-tokem"}, body: []byte(body), code: 401},
		{name: "token prefix only", method: "POST", path: "/v1/logs", header: map[string]string{"Authorization": "Bearer s3cret"}, body: []byte(body), code: 401},
		{name: "basic auth", method: "POST", path: "/v1/logs", header: map[string]string{"Authorization": "Basic czNjcmV0LXRva2Vu"}, body: []byte(body), code: 401},
		{name: "lines", method: "POST", path: "/v1/logs", body: []byte(body), code: 202, resp: `{"accepted":3,"unclassified":1,"alerts":1}`},
		{name: "one JSON document", method: "POST", path: "/v1/logs", body: []byte("{\n \"kind\": \"alpha\",\n \"user\": \"x\", \"n\": 4}\n"), code: 202, resp: `{"accepted":1,"unclassified":0,"alerts":1}`},
		{name: "gzip by header", method: "POST", path: "/v1/logs", header: map[string]string{"Content-Encoding": "gzip"}, body: gzipped(t, body), code: 202, resp: `{"accepted":3,"unclassified":1,"alerts":1}`},
		{name: "gzip by magic", method: "POST", path: "/v1/logs", body: gzipped(t, event("alpha", 5)), code: 202, resp: `{"accepted":1,"unclassified":0,"alerts":1}`},
		{name: "gzip header, plain body", method: "POST", path: "/v1/logs", header: map[string]string{"Content-Encoding": "gzip"}, body: []byte(event("beta", 6)), code: 202, resp: `{"accepted":1,"unclassified":0,"alerts":0}`},
		{name: "gzip bomb", method: "POST", path: "/v1/logs", body: gzipped(t, strings.Repeat(" ", 100_000)+"\n"), code: 413, resp: "decompressed body"},
		{name: "other encoding", method: "POST", path: "/v1/logs", header: map[string]string{"Content-Encoding": "br"}, body: []byte(body), code: 415},
		{name: "oversize", method: "POST", path: "/v1/logs", body: []byte(big), code: 413, resp: "over the limit"},
		{name: "oversize chunked", method: "POST", path: "/v1/logs", body: []byte(big), chunked: true, code: 413, resp: "over the limit"},
		{name: "log type header", method: "POST", path: "/v1/logs", header: map[string]string{"X-Log-Type": "test:event"}, body: []byte(event("alpha", 7)), code: 202, resp: `{"accepted":1,"unclassified":0,"alerts":1}`},
		{name: "log type query", method: "POST", path: "/v1/logs?log_type=test", body: []byte(event("alpha", 8)), code: 202, resp: `{"accepted":1,"unclassified":0,"alerts":1}`},
		{name: "unknown log type", method: "POST", path: "/v1/logs", header: map[string]string{"X-Log-Type": "nope:thing"}, body: []byte(event("alpha", 9)), code: 400},
		{name: "GET logs", method: "GET", path: "/v1/logs", code: 405},
		{name: "healthz needs no token", method: "GET", path: "/healthz", header: map[string]string{"Authorization": ""}, code: 200, resp: `"status":"ok"`},
		{name: "metrics need the token", method: "GET", path: "/metrics", header: map[string]string{"Authorization": ""}, code: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rd io.Reader = bytes.NewReader(tc.body)
			if tc.chunked {
				rd = io.MultiReader(rd) // hides the length: sent chunked
			}
			req, err := http.NewRequest(tc.method, base+tc.path, rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer s3cret-token")
			for k, v := range tc.header {
				if v == "" {
					req.Header.Del(k)
				} else {
					req.Header.Set(k, v)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.code, got)
			}
			if tc.code == 202 {
				if strings.TrimSpace(string(got)) != tc.resp {
					t.Fatalf("body %s, want %s", got, tc.resp)
				}
			} else if !strings.Contains(string(got), tc.resp) {
				t.Fatalf("body %s, want it to contain %q", got, tc.resp)
			}
			if tc.code == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}

	// 202s above: 3+1+3+1+1+1+1 records, 2 unclassified, 6 alerts.
	fams := scrape(t, base, "s3cret-token")
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"streamalert_raw_records_total", nil, 11},
		{"streamalert_records_unclassified_total", nil, 2},
		{"streamalert_records_classified_total", map[string]string{"log_type": "test:event"}, 9},
		{"streamalert_alerts_total", map[string]string{"rule": "kind_alpha"}, 6},
		{"streamalert_rule_errors_total", map[string]string{"rule": "kind_alpha"}, 0},
		{"streamalert_reloads_total", map[string]string{"result": "ok"}, 0},
		{"streamalert_reloads_total", map[string]string{"result": "failed"}, 0},
		{"streamalert_last_reload_failed", nil, 0},
		{"streamalert_rules", nil, 1},
	}
	for _, c := range checks {
		if got, ok := metricValue(fams, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if v, ok := metricValue(fams, "streamalert_last_reload_success_timestamp_seconds", nil); !ok || v < 1e9 {
		t.Errorf("last reload timestamp = %v, %v", v, ok)
	}

	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	// Every unclassified record is in the dead letter with its source.
	f, err := os.Open(dead)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var letters []engine.DeadRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var d engine.DeadRecord
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("dead letter line %q: %v", sc.Text(), err)
		}
		letters = append(letters, d)
	}
	if len(letters) != 2 {
		t.Fatalf("%d dead letters, want 2", len(letters))
	}
	for _, d := range letters {
		if d.Raw != "not a record" || d.Source.Service != "http" || d.Source.Entity != "127.0.0.1" || d.Reason == "" || d.Line != 3 {
			t.Errorf("dead letter %+v", d)
		}
	}
}

func TestListenWithoutToken(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--listen", "127.0.0.1:0")
	base := s.listenAddr()
	resp, err := http.Post(base+"/v1/logs", "text/plain", strings.NewReader(event("alpha", 1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, ok := metricValue(scrape(t, base, ""), "streamalert_alerts_total", map[string]string{"rule": "kind_alpha"}); !ok {
		t.Fatal("no alert metric")
	}
	s.waitAlerts(1)
}

// scrape GETs /metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, base, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: status %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("metrics do not parse: %v", err)
	}
	return fams
}

// metricValue finds the sample of name whose labels include labels.
func metricValue(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	fam := fams[name]
	if fam == nil {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}
