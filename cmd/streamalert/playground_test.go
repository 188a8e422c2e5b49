package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/explain"
)

// startPlayground runs `streamalert playground ARGS...` in process, as a
// session (stop cancels it like SIGINT).
func startPlayground(t *testing.T, args ...string) *session {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &session{t: t, cancel: cancel, stdin: pw, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	go func() {
		s.done <- run(ctx, append([]string{"playground"}, args...), pr, s.stdout, s.stderr)
		pr.Close()
	}()
	t.Cleanup(func() { s.stop() })
	return s
}

// playgroundRule is a rule of the shipped osquery schema using the shipped
// library (the osquery_added matcher, the authorized_users list); field
// stands for the host field so a test can misspell it.
func playgroundRule(field string) string {
	return `name: playground_unknown_user
description: an unknown user logged in
log_types: [osquery:differential]
matchers: [osquery_added]
condition: |
  record.columns.user != "" && record.` + field + ` != ""
  && not (record.columns.user in lists.authorized_users)
outputs: [slack:security]
severity: high
`
}

// playgroundRecord is a raw osquery:differential record of user logging in.
func playgroundRecord(user string) string {
	return `{"name":"pack_incident-response_logged_in_users","hostIdentifier":"web-1","calendarTime":"Tue Mar  5 11:00:01 2024 UTC","unixTime":1709636401,"epoch":0,"counter":13,"numerics":false,"decorations":{},"columns":{"user":"` + user + `","host":"198.51.100.23"},"action":"added"}`
}

func checkBody(t *testing.T, rule, record string) string {
	t.Helper()
	b, err := json.Marshal(checkRequest{Rule: rule, Record: record})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// postCheck sends body to base+/api/check and returns the status and body.
func postCheck(t *testing.T, base, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/check", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func decodeCheck(t *testing.T, body string) checkResponse {
	t.Helper()
	var r checkResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("response is not a checkResponse: %v\n%s", err, body)
	}
	return r
}

func errorsOf(ds diag.List) []string {
	var out []string
	for _, d := range ds.Errors() {
		out = append(out, d.Pos.String()+": "+d.Code)
	}
	return out
}

func TestPlaygroundCheck(t *testing.T) {
	s := startPlayground(t, "--addr", "127.0.0.1:0")
	base := s.listenAddr()

	t.Run("typo", func(t *testing.T) {
		code, body := postCheck(t, base, checkBody(t, playgroundRule("hostIdentifer"), playgroundRecord("mallory")), nil)
		if code != http.StatusOK {
			t.Fatalf("status %d: %s", code, body)
		}
		r := decodeCheck(t, body)
		// The misspelt name is on line 6, after "  record.columns.user != "" && record.".
		if got, want := errorsOf(r.Diagnostics), []string{"rule.yaml:6:39: unknown-field"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("errors = %v, want %v\n%s", got, want, body)
		}
		if !strings.Contains(body, `hostIdentifier`) {
			t.Errorf("no did-you-mean hostIdentifier: %s", body)
		}
		// The rule did not load, but the record is still classified.
		if r.LogType != "osquery:differential" || len(r.Alerts) != 0 || string(r.Explain) != "null" {
			t.Errorf("log_type %q, %d alerts, explain %s; want osquery:differential, none, null", r.LogType, len(r.Alerts), r.Explain)
		}
	})
	t.Run("fires", func(t *testing.T) {
		code, body := postCheck(t, base, checkBody(t, playgroundRule("hostIdentifier"), playgroundRecord("mallory")), nil)
		r := decodeCheck(t, body)
		if code != http.StatusOK || len(r.Diagnostics.Errors()) != 0 {
			t.Fatalf("status %d, errors %v", code, errorsOf(r.Diagnostics))
		}
		if len(r.Alerts) != 1 {
			t.Fatalf("%d alerts, want 1: %s", len(r.Alerts), body)
		}
		a := r.Alerts[0]
		if a.RuleName != "playground_unknown_user" || a.LogSource != "osquery:differential" || a.Severity != "high" ||
			a.Record["columns"].(map[string]any)["user"] != "mallory" || a.Outputs[0] != "slack:security" {
			t.Errorf("alert = %+v", a)
		}
		if r.LogType != "osquery:differential" || r.Rule != "playground_unknown_user" {
			t.Errorf("log_type %q rule %q", r.LogType, r.Rule)
		}
		// The explain tree: the rule fired, its condition's clauses carry
		// their values and positions in rule.yaml.
		var reps []explain.RecordReport
		if err := json.Unmarshal(r.Explain, &reps); err != nil || len(reps) != 1 || len(reps[0].Rules) != 1 {
			t.Fatalf("explain = %s (%v)", r.Explain, err)
		}
		rr := reps[0].Rules[0]
		if !rr.Fired || rr.Name != "playground_unknown_user" || rr.Condition == nil || rr.Condition.Op != "and" || rr.Condition.Line != 6 || string(rr.Condition.Value) != "true" {
			t.Errorf("explain rule = %+v", rr)
		}
		if len(rr.Matchers) != 1 || rr.Matchers[0].Name != "osquery_added" || string(rr.Matchers[0].Value) != "true" {
			t.Errorf("explain matchers = %+v", rr.Matchers)
		}
	})
	t.Run("quiet", func(t *testing.T) {
		// alice is in the shipped library's authorized_users.
		_, body := postCheck(t, base, checkBody(t, playgroundRule("hostIdentifier"), playgroundRecord("alice")), nil)
		r := decodeCheck(t, body)
		if len(r.Alerts) != 0 || r.LogType != "osquery:differential" {
			t.Errorf("alice: %d alerts, log type %q; want 0, osquery:differential", len(r.Alerts), r.LogType)
		}
		var reps []explain.RecordReport
		if err := json.Unmarshal(r.Explain, &reps); err != nil || len(reps) != 1 || len(reps[0].Rules) != 1 ||
			reps[0].Rules[0].Fired || !strings.Contains(reps[0].Rules[0].Why, "condition") {
			t.Errorf("explain = %s (%v)", r.Explain, err)
		}
	})
	t.Run("fits none", func(t *testing.T) {
		_, body := postCheck(t, base, checkBody(t, playgroundRule("hostIdentifier"), `{"name": "x"}`), nil)
		r := decodeCheck(t, body)
		if r.LogType != "" || !strings.Contains(r.ClassifyError, "osquery:differential") || len(r.Alerts) != 0 {
			t.Errorf("log type %q, classify_error %q, %d alerts", r.LogType, r.ClassifyError, len(r.Alerts))
		}
		var reps []explain.RecordReport
		// Among all log types it is json:generic, which explain says.
		if !strings.Contains(r.ClassifyError, "(it classifies as json:generic, which the rule does not apply to)") {
			t.Errorf("classify_error = %q", r.ClassifyError)
		}
		if err := json.Unmarshal(r.Explain, &reps); err != nil || len(reps) != 1 || reps[0].LogType != "json:generic" ||
			len(reps[0].Rules) != 1 || reps[0].Rules[0].Applies || !strings.Contains(reps[0].Rules[0].Why, "does not apply") {
			t.Errorf("explain = %s (%v)", r.Explain, err)
		}
	})
	t.Run("another log type", func(t *testing.T) {
		rule := "name: ct\nlog_types: [cloudtrail:events]\ncondition: record.eventName == \"x\"\n"
		_, body := postCheck(t, base, checkBody(t, rule, playgroundRecord("mallory")), nil)
		r := decodeCheck(t, body)
		if !strings.Contains(r.ClassifyError, "it classifies as osquery:differential, which the rule does not apply to") {
			t.Errorf("classify_error = %q\n%s", r.ClassifyError, body)
		}
	})
	t.Run("no record", func(t *testing.T) {
		_, body := postCheck(t, base, checkBody(t, playgroundRule("hostIdentifier"), "  \n"), nil)
		r := decodeCheck(t, body)
		if r.LogType != "" || r.ClassifyError != "" || len(r.Alerts) != 0 || r.Rule != "playground_unknown_user" {
			t.Errorf("%s", body)
		}
	})
	t.Run("pretty-printed record", func(t *testing.T) {
		var v any
		json.Unmarshal([]byte(playgroundRecord("mallory")), &v)
		pretty, _ := json.MarshalIndent(v, "", "  ")
		_, body := postCheck(t, base, checkBody(t, playgroundRule("hostIdentifier"), string(pretty)), nil)
		if r := decodeCheck(t, body); r.LogType != "osquery:differential" || len(r.Alerts) != 1 {
			t.Errorf("%s", body)
		}
	})
	t.Run("two records", func(t *testing.T) {
		_, body := postCheck(t, base, checkBody(t, playgroundRule("hostIdentifier"), playgroundRecord("a")+"\n\n"+playgroundRecord("b")), nil)
		r := decodeCheck(t, body)
		if r.ClassifyError != "the record pane holds 2 records (lines 1 and 3 are two): paste one JSON document or one log line" || r.LogType != "" || len(r.Alerts) != 0 {
			t.Errorf("%s", body)
		}
	})
	t.Run("raw line", func(t *testing.T) {
		rule := "name: sshd_publickey\nlog_types: [syslog]\ncondition: record.message startsWith \"Accepted publickey\"\n"
		line := "Mar  5 10:00:01 web-1 sshd[20805]: Accepted publickey for alice from 10.20.1.15 port 50522 ssh2\n"
		_, body := postCheck(t, base, checkBody(t, rule, line), nil)
		r := decodeCheck(t, body)
		if r.LogType != "syslog:sshd" || len(r.Alerts) != 1 || r.Alerts[0].Record["host"] != "web-1" {
			t.Errorf("%s", body)
		}
	})
	t.Run("tests", func(t *testing.T) {
		rule := playgroundRule("hostIdentifier") + `tests:
  - description: mallory fires
    raw: '` + playgroundRecord("mallory") + `'
    trigger: true
  - description: alice fires too (wrong)
    raw: '` + playgroundRecord("alice") + `'
    trigger: true
`
		_, body := postCheck(t, base, checkBody(t, rule, ""), nil)
		r := decodeCheck(t, body)
		want := []playgroundTest{
			{Description: "mallory fires", Pos: diag.Pos{File: "rule.yaml", Line: 11, Col: 5}, Trigger: true, Fired: true, Passed: true, LogType: "osquery:differential"},
			{Description: "alice fires too (wrong)", Pos: diag.Pos{File: "rule.yaml", Line: 14, Col: 5}, Trigger: true, Fired: false, Passed: false, LogType: "osquery:differential"},
		}
		if fmt.Sprint(r.Tests) != fmt.Sprint(want) {
			t.Errorf("tests = %+v\nwant %+v", r.Tests, want)
		}
	})
	t.Run("yaml syntax", func(t *testing.T) {
		_, body := postCheck(t, base, checkBody(t, "name: a\nlog_types: [osquery\n", ""), nil)
		r := decodeCheck(t, body)
		if got := errorsOf(r.Diagnostics); len(got) != 1 || !strings.HasPrefix(got[0], "rule.yaml:") || !strings.HasSuffix(got[0], "yaml-syntax") {
			t.Errorf("errors = %v", got)
		}
	})
}

func TestPlaygroundHTTP(t *testing.T) {
	s := startPlayground(t, "--addr", "127.0.0.1:0", "--max-body", "2000")
	base := s.listenAddr()
	big := checkBody(t, strings.Repeat("# padding\n", 300), "")
	tests := []struct {
		name   string
		body   string
		header map[string]string
		code   int
		want   string // a substring of the body
	}{
		{"bad json", `{"rule": "name: a", `, nil, 400, `"error":"body: 1:21: unexpected EOF"`},
		{"syntax error", "{\n  \"rule\": nope}", nil, 400, `body: 2:12: invalid character 'o'`},
		{"not an object", `[1]`, nil, 400, "body: 1:2"},
		{"wrong type", `{"rule": 12}`, nil, 400, "body: 1:12: rule must be a string, found number"},
		{"unknown key", `{"rule": "", "recrod": ""}`, nil, 400, `unknown field \"recrod\"`},
		{"two values", `{"rule": ""} {}`, nil, 400, "body: 1:14: more than one JSON value"},
		{"empty", ``, nil, 400, "empty"},
		{"too big", big, nil, 413, "over the limit of 2000"},
		{"not json", `rule=x`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "Content-Type must be application/json"},
		{"foreign host", `{}`, map[string]string{"Host": "attacker.example:8088"}, 421, "is not this machine"},
		{"localhost", `{}`, map[string]string{"Host": "localhost"}, 200, `"diagnostics"`},
		{"ipv6 loopback", `{}`, map[string]string{"Host": "[::1]:8088"}, 200, `"diagnostics"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := postCheck(t, base, tc.body, tc.header)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("got %d %s\nwant %d with %q", code, body, tc.code, tc.want)
			}
		})
	}
	t.Run("too big, chunked", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() { io.WriteString(pw, big); pw.Close() }()
		req, _ := http.NewRequest(http.MethodPost, base+"/api/check", pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 || req.ContentLength != 0 {
			t.Errorf("status %d (content length %d), want 413", resp.StatusCode, req.ContentLength)
		}
	})
	t.Run("get api", func(t *testing.T) {
		resp, err := http.Get(base + "/api/check")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
			t.Errorf("status %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
	t.Run("page", func(t *testing.T) {
		for _, p := range []string{"/", "/app.js", "/style.css"} {
			resp, err := http.Get(base + p)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(data) == 0 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
				t.Errorf("GET %s: %d, %d bytes, CSP %q", p, resp.StatusCode, len(data), resp.Header.Get("Content-Security-Policy"))
			}
			// Nothing is loaded from elsewhere: no URL with a host in the page.
			if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`).Find(data); m != nil {
				t.Errorf("GET %s loads from elsewhere: %s", p, m)
			}
		}
		resp, err := http.Post(base+"/", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 {
			t.Errorf("POST /: %d, want 405", resp.StatusCode)
		}
	})
	if code := s.stop(); code != 0 {
		t.Errorf("exit %d after interrupt, want 0\n%s", code, s.dump())
	}
}

func TestPlaygroundTimeout(t *testing.T) {
	s := startPlayground(t, "--addr", "127.0.0.1:0", "--timeout", "1ns")
	code, body := postCheck(t, s.listenAddr(), checkBody(t, playgroundRule("hostIdentifier"), playgroundRecord("mallory")), nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "1ns") {
		t.Errorf("got %d %s, want 503 naming the limit", code, body)
	}
}

func TestPlaygroundToken(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	writeFile(t, tokenFile, "pl4y-token\n")
	// Any address other hosts can reach needs the token; the port is
	// taken from a listener on all interfaces so the test binds nothing
	// else.
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	addr := fmt.Sprintf("0.0.0.0:%d", port)

	s := startPlayground(t, "--addr", addr, "--token-file", tokenFile)
	base := strings.Replace(s.listenAddr(), "0.0.0.0", "127.0.0.1", 1)
	body := checkBody(t, playgroundRule("hostIdentifier"), "")
	for _, tc := range []struct {
		auth string
		code int
	}{{"", 401}, {"Bearer wrong", 401}, {"Bearer pl4y-token", 200}, {"bearer pl4y-token", 200}} {
		code, resp := postCheck(t, base, body, map[string]string{"Authorization": tc.auth})
		if code != tc.code {
			t.Errorf("Authorization %q: %d %s, want %d", tc.auth, code, resp, tc.code)
		}
	}
	// The page itself holds no secret and loads without the token.
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET / with a token set: %d", resp.StatusCode)
	}
}

func TestPlaygroundStartup(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{
		"lib/bad.yaml": "lists:\n  users: [a, b]\nmatchers:\n  broken: record.kind ==\n",
	})
	okRules, _ := testDirs(t, map[string]string{"lib/kinds.yaml": "lists:\n  kinds: [alpha]\n", "alpha.yaml": testRule("kind_alpha", "alpha")})
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"all interfaces without token", []string{"--addr", "0.0.0.0:0"}, 2, "--addr 0.0.0.0:0 accepts connections from other hosts: give --token-file"},
		{"host name without token", []string{"--addr", "example.com:8088"}, 2, "accepts connections from other hosts"},
		{"arguments", []string{"extra", "--addr", "127.0.0.1:0"}, 2, `takes no arguments, got ["extra"]`},
		{"unknown flag", []string{"--adr", "127.0.0.1:0"}, 2, "--adr"},
		{"missing rules", []string{"--rules", filepath.Join(rules, "..", "nope")}, 2, "--rules: "},
		{"rules is a file", []string{"--rules", filepath.Join(okRules, "alpha.yaml")}, 2, "is not a folder"},
		{"broken library", []string{"--rules", rules, "--schemas", schemas, "--addr", "127.0.0.1:0"}, 1, filepath.Join(rules, "lib", "bad.yaml") + ":4:"},
		{"tls half", []string{"--tls-cert", "x.pem"}, 2, "--tls-cert and --tls-key go together"},
		{"empty token", []string{"--token-file", "/dev/null"}, 2, "is empty"},
		{"bad timeout", []string{"--timeout", "0s"}, 2, "must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(context.Background(), append([]string{"playground"}, tc.args...), strings.NewReader(""), &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d with %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		var stdout, stderr strings.Builder
		if code := run(context.Background(), []string{"playground", "--help"}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "--addr ADDR") {
			t.Errorf("exit %d\n%s", code, stdout.String())
		}
	})
}

// TestPlaygroundRulesDir checks a rule against the library of --rules (not
// the embedded one) and the --schemas, with the paths as a user types them
// (.. inside, flags after a relative start).
func TestPlaygroundRulesDir(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{
		"lib/kinds.yaml": "lists:\n  bad_kinds: [alpha]\n",
		"alpha.yaml":     testRule("kind_alpha", "alpha"),
	})
	writeFile(t, filepath.Join(rules, "broken.yaml"), "name: [unclosed\n")
	s := startPlayground(t, "--rules", filepath.Join(rules, "..", filepath.Base(rules)), "--addr", "127.0.0.1:0", "--schemas", schemas)
	base := s.listenAddr()
	for _, want := range []string{
		filepath.Join(rules, "broken.yaml") + ":1:1: warning: not read as a library file: did not find expected ',' or ']' [yaml-syntax]\n",
		"rules are checked with 1 library file of " + rules + " and the schemas of " + schemas + "\n",
	} {
		if !strings.Contains(s.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, s.stderr.String())
		}
	}
	rule := "name: kind_listed\nlog_types: [test:event]\ncondition: record.kind in lists.bad_kinds\n"
	_, body := postCheck(t, base, checkBody(t, rule, event("alpha", 1)), nil)
	r := decodeCheck(t, body)
	if len(r.Alerts) != 1 || r.LogType != "test:event" || len(r.Diagnostics.Errors()) != 0 {
		t.Fatalf("got %s", body)
	}
	// The shipped library is not there: its lists are unknown.
	_, body = postCheck(t, base, checkBody(t, strings.Replace(rule, "bad_kinds", "authorized_users", 1), event("alpha", 1)), nil)
	if got := errorsOf(decodeCheck(t, body).Diagnostics); len(got) != 1 || got[0] != "rule.yaml:3:33: unknown-list" {
		t.Errorf("errors = %v\n%s", got, body)
	}
	// A rule named like one of --rules' rules is checked alone: rule files
	// of the folder are not loaded with it.
	_, body = postCheck(t, base, checkBody(t, testRule("kind_alpha", "alpha"), event("alpha", 1)), nil)
	if r := decodeCheck(t, body); len(r.Diagnostics.Errors()) != 0 || len(r.Alerts) != 1 {
		t.Errorf("got %s", body)
	}
}

// TestPlaygroundTLS: --tls-cert/--tls-key serve the page and the API over
// HTTPS, as run --listen does.
func TestPlaygroundTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	s := startPlayground(t, "--addr=127.0.0.1:0", "--tls-cert="+certFile, "--tls-key", keyFile)
	s.waitStderr(0, `listening on https://\S+`)
	base := regexp.MustCompile(`listening on (https://\S+)`).FindStringSubmatch(s.stderr.String())[1]
	client := &http.Client{Timeout: waitFor, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Post(base+"/api/check", "application/json", strings.NewReader(checkBody(t, playgroundRule("hostIdentifier"), playgroundRecord("mallory"))))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(decodeCheck(t, string(body)).Alerts) != 1 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// TestPlaygroundShippedFolders serves the repository's own rules.d and
// schemas, named relative to the working directory as a user in a checkout
// would: the shipped library is there and a copy of a shipped rule checks
// clean and fires on the shipped sample.
func TestPlaygroundShippedFolders(t *testing.T) {
	s := startPlayground(t, "--schemas", "../../schemas/", "--addr", "127.0.0.1:0", "--rules", "../../rules.d")
	base := s.listenAddr()
	libs, _ := filepath.Glob("../../rules.d/lib/*.yaml")
	if want := fmt.Sprintf("rules are checked with %d library files of ../../rules.d and the schemas of ../../schemas\n", len(libs)); len(libs) == 0 || !strings.Contains(s.stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, s.stderr.String())
	}
	rule, err := os.ReadFile("../../rules.d/osquery/osquery_unauthorized_user_login.yaml")
	if err != nil {
		t.Fatal(err)
	}
	samples, err := os.ReadFile("../../examples/logs/osquery.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var fired int
	for _, line := range strings.Split(strings.TrimSpace(string(samples)), "\n") {
		_, body := postCheck(t, base, checkBody(t, string(rule), line), nil)
		r := decodeCheck(t, body)
		if len(r.Diagnostics) != 0 || len(r.Tests) == 0 {
			t.Fatalf("a shipped rule: %s", body)
		}
		for _, tc := range r.Tests {
			if !tc.Passed {
				t.Errorf("test %q fails: %+v", tc.Description, tc)
			}
		}
		fired += len(r.Alerts)
	}
	if fired == 0 {
		t.Error("the shipped rule fired on none of the shipped osquery samples")
	}
}
