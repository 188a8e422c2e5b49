package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// dripRequest opens a connection to addr and sends a POST /v1/logs with a
// Content-Length of 200000 but only the first bytes of its body, then
// stalls (as a client dripping a byte now and then would).
func dripRequest(t *testing.T, addr, auth string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n%s\r\n{\"kind\":", auth)
	return c
}

// readUntilClosed reads the server's answer on c until the server closes
// the connection, and returns the status line; it fails after waitFor.
func readUntilClosed(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitFor))
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("the server kept the connection open after %q: %v", strings.TrimSpace(status), err)
	}
	return strings.TrimSpace(status)
}

// TestSlowClientsCannotHoldTheServer: a request without the token is
// answered 401 at once and its connection closed, without waiting for the
// body it announced; an authenticated body that does not arrive in
// --read-timeout is answered 408 and closed, unprocessed. Meanwhile
// /healthz and other clients are served.
func TestSlowClientsCannotHoldTheServer(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, "tok-123\n")
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--read-timeout", "300ms")
	base := s.listenAddr()
	addr := strings.TrimPrefix(base, "http://")

	const clients = 20 // bounded: a loop of slow clients, loopback only
	var unauth, authed []net.Conn
	for range clients {
		unauth = append(unauth, dripRequest(t, addr, ""))
		authed = append(authed, dripRequest(t, addr, "Authorization: Bearer tok-123\r\n"))
	}
	// While they hang, others are served.
	resp, err := (&http.Client{Timeout: waitFor}).Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz while slow clients wait: %v %v", resp, err)
	}
	resp.Body.Close()
	code, body := post(t, &http.Client{Timeout: waitFor}, base, []byte(event("alpha", 1)), map[string]string{"Authorization": "Bearer tok-123"})
	if code != 202 {
		t.Fatalf("an ordinary client: %d %s", code, body)
	}
	// GET endpoints read no body: one announced anyway is not waited for.
	for _, path := range []string{"/healthz", "/metrics"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok-123\r\nContent-Length: 200000\r\n\r\nabc", path)
		if got := readUntilClosed(t, c); got != "HTTP/1.1 200 OK" {
			t.Fatalf("GET %s with a slow body got %q", path, got)
		}
	}
	for _, c := range unauth {
		if got := readUntilClosed(t, c); got != "HTTP/1.1 401 Unauthorized" {
			t.Fatalf("unauthenticated slow client got %q", got)
		}
	}
	for _, c := range authed {
		if got := readUntilClosed(t, c); got != "HTTP/1.1 408 Request Timeout" {
			t.Fatalf("authenticated slow client got %q", got)
		}
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	if !strings.Contains(s.stderr.String(), "1 raw records, 1 records classified, 0 unclassified, 1 alerts") {
		t.Fatalf("slow clients' partial bodies were processed\n%s", s.dump())
	}
}

// TestShutdownAnswersEveryRequest: at SIGTERM, every request is either
// processed whole and answered 202, or refused before processing (an error
// the client sees); the summary then adds up: the records counted are
// exactly those the 202s accepted, raw = classified + unclassified.
func TestShutdownAnswersEveryRequest(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--listen", "127.0.0.1:0", "--drain-timeout", "300ms")
	base := s.listenAddr()
	addr := strings.TrimPrefix(base, "http://")
	// A client stuck in its body when the server stops: never processed,
	// and answered 503.
	stuck := dripRequest(t, addr, "")

	body := []byte(strings.Repeat(event("alpha", 1)+"\n", 20) + "not a record\n")
	type result struct {
		accepted uint64
		ok       bool
	}
	results := make(chan result, 1<<16)
	stopClients := make(chan struct{})
	done := make(chan struct{})
	const clients = 4
	for range clients {
		go func() {
			defer func() { done <- struct{}{} }()
			client := &http.Client{Timeout: waitFor}
			for {
				select {
				case <-stopClients:
					return
				default:
				}
				resp, err := client.Post(base+"/v1/logs", "text/plain", strings.NewReader(string(body)))
				if err != nil {
					// Refused or reset: the server is stopping (or gone).
					select {
					case <-stopClients:
					case <-time.After(10 * time.Millisecond):
					}
					continue
				}
				var r logsResponse
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 202 {
					if err := json.Unmarshal(data, &r); err != nil {
						t.Errorf("202 with body %q", data)
					}
					results <- result{accepted: r.Accepted, ok: true}
				} else {
					results <- result{}
				}
			}
		}()
	}
	waitUntil(t, "some requests served", func() bool { return len(results) >= 8 }, s.dump)
	code := s.stop()
	close(stopClients)
	for range clients {
		<-done
	}
	close(results)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	var accepted, oks uint64
	for r := range results {
		if r.ok {
			accepted += r.accepted
			oks++
		}
	}
	// Each 202 took 21 records: 20 classified, 1 dead-lettered.
	if accepted != 21*oks {
		t.Fatalf("accepted %d over %d requests", accepted, oks)
	}
	want := fmt.Sprintf("streamalert: %d raw records, %d records classified, %d unclassified, %d alerts", accepted, 20*oks, oks, 20*oks)
	if !strings.Contains(s.stderr.String(), want) {
		t.Fatalf("summary does not add up to the 202s: want %q\n%s", want, lastLines(s.stderr.String(), 4))
	}
	// It is told so, not cut off with an empty reply.
	if got := readUntilClosed(t, stuck); got != "HTTP/1.1 503 Service Unavailable" {
		t.Fatalf("the client stuck in its body got %q", got)
	}
}

// TestConnectionCap: no more connections than the cap are served at once;
// the next one is served when one closes.
func TestConnectionCap(t *testing.T) {
	var errb syncBuffer
	shutdown, err := startListener("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), listenOptions{maxConns: 2}, &errb)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t.Context())
	addr := regexp.MustCompile(`listening on http://(\S+)`).FindStringSubmatch(errb.String())[1]
	get := func(c net.Conn) {
		t.Helper()
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	// Two idle keep-alive connections take both slots.
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		get(c)
		c.SetReadDeadline(time.Now().Add(waitFor))
		if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.Contains(line, "200") {
			t.Fatalf("held connection: %q %v", line, err)
		}
		held = append(held, c)
	}
	third, err := net.Dial("tcp", addr) // accepted by the kernel, not served
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	get(third)
	third.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	br := bufio.NewReader(third)
	if line, err := br.ReadString('\n'); err == nil {
		t.Fatalf("a third connection was served over the cap of 2: %q", line)
	}
	held[0].Close()
	third.SetReadDeadline(time.Now().Add(waitFor))
	if line, err := br.ReadString('\n'); err != nil || !strings.Contains(line, "200") {
		t.Fatalf("after a slot freed: %q %v", line, err)
	}
}
