package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var soak = flag.Duration("soak", 3*time.Second, "how long TestSoak feeds records while reloading rules (e.g. -soak=60s)")

// soakBeta are definitions of kind_gamma that differ (so every reload
// changes the rule) but alert on exactly the same records, so the expected
// alert count does not depend on which one a record met.
var soakBeta = []string{
	"name: kind_gamma\nlog_types: [test:event]\ncondition: record.kind == \"gamma\"\n",
	"name: kind_gamma\nlog_types: [test]\ncondition: record.kind in [\"gamma\"]\ndescription: variant b\n",
	"name: kind_gamma\nlog_types: [test:event]\nmatchers:\n  is_gamma: record.kind == \"gamma\"\nseverity: high\n",
}

// TestSoak feeds records through stdin, a followed file and HTTP for
// -soak, with slow clients dripping bodies and an output that is down,
// while rewriting, breaking and fixing rules every couple of hundred
// milliseconds, then stops the run as SIGTERM does and checks that every
// record was counted exactly once, every alert expected came out exactly
// once (on stdout, and in the alert dead letter for the failing output), and
// no goroutine was left.
func TestSoak(t *testing.T) {
	d := *soak
	if testing.Short() {
		d = time.Second
	}
	before := runtime.NumGoroutine()
	client := &http.Client{Transport: &http.Transport{}}

	// kind_alpha's alerts go to an output that refuses every one for the
	// whole soak (a 4xx: no retry would help): each must end in the alert
	// dead letter, none lost. (A 5xx output retried for every one of
	// thousands of alerts slows the run by backpressure, which is right but
	// not this test's subject; the drain tests cover retries at shutdown.)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "refused", http.StatusUnprocessableEntity)
	}))
	defer down.Close()
	rules, schemas := testDirs(t, map[string]string{
		"alpha.yaml": testRule("kind_alpha", "alpha") + "outputs: [webhook:down]\n",
		"gamma.yaml": soakBeta[0],
	})
	tmp := t.TempDir()
	log := filepath.Join(tmp, "app.log")
	writeFile(t, log, "")
	cfg := filepath.Join(tmp, "streamalert.yaml")
	writeFile(t, cfg, "outputs:\n  webhook:\n    down: {url: \""+down.URL+"/hook\"}\n")
	alertDead := filepath.Join(tmp, "alerts-dead.jsonl")
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--config", cfg, "--alert-dead-letter", alertDead,
		"--drain-timeout", "2s", "--read-timeout", "1s", "--watch", "--listen", "127.0.0.1:0", "--follow", log, "-")
	base := s.listenAddr()
	s.waitStderr(0, "watching")

	var sent, alpha, gamma, garbage atomic.Int64
	// line returns the i-th record of a feeder: alpha, gamma, a record no
	// rule wants, or garbage, in turn.
	line := func(i int) string {
		sent.Add(1)
		switch i % 4 {
		case 0:
			alpha.Add(1)
			return event("alpha", i)
		case 1:
			gamma.Add(1)
			return event("gamma", i)
		case 2:
			return event("delta", i)
		default:
			garbage.Add(1)
			return "garbage " + strconv.Itoa(i)
		}
	}
	stop := make(chan struct{})
	var feeders sync.WaitGroup
	feeders.Go(func() { // stdin
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s.send(line(i))
			if i%20 == 0 {
				time.Sleep(2 * time.Millisecond)
			}
		}
	})
	feeders.Go(func() { // followed file
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var b strings.Builder
			for j := range 10 {
				b.WriteString(line(i*10+j) + "\n")
			}
			appendFile(t, log, b.String())
			time.Sleep(5 * time.Millisecond)
		}
	})
	for range 2 { // HTTP
		feeders.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var b strings.Builder
				for j := range 25 {
					b.WriteString(line(i*25+j) + "\n")
				}
				resp, err := client.Post(base+"/v1/logs", "text/plain", strings.NewReader(b.String()))
				if err != nil {
					t.Errorf("post: %v", err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 202 {
					t.Errorf("post: status %d", resp.StatusCode)
					return
				}
				time.Sleep(3 * time.Millisecond)
			}
		})
	}

	// Slow clients: bodies announced and dripped a byte at a time; they must
	// not starve the feeders above (their posts must keep getting 202).
	addr := strings.TrimPrefix(base, "http://")
	for range 8 {
		feeders.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Errorf("slow client: %v", err)
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 200000\r\n\r\n")
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.Write([]byte("x")); err != nil {
					return // the server gave up on it: what it should do
				}
			}
		})
	}

	// Reload every ~250ms: change kind_gamma's definition, break a file and
	// fix it, add and remove a rule that never fires.
	deadline := time.Now().Add(d)
	reloads := 0
	for step := 0; time.Now().Before(deadline); step++ {
		switch step % 4 {
		case 0, 2:
			replaceFile(t, filepath.Join(rules, "gamma.yaml"), soakBeta[(step/2)%len(soakBeta)])
		case 1:
			writeFile(t, filepath.Join(rules, "broken.yaml"), "name: broken\nlog_types: [test:event]\ncondition: record.kind ==\n")
		case 3:
			os.Remove(filepath.Join(rules, "broken.yaml"))
			never := filepath.Join(rules, "never.yaml")
			if _, err := os.Stat(never); err == nil {
				os.Remove(never)
			} else {
				writeFile(t, never, testRule("kind_never", "never-sent"))
			}
		}
		reloads++
		time.Sleep(250 * time.Millisecond)
	}
	close(stop)
	feeders.Wait()
	// Leave the rules in a good state and let the last reload land.
	os.Remove(filepath.Join(rules, "broken.yaml"))
	waitUntil(t, "a final good reload", func() bool {
		return strings.Contains(lastLine(s.stderr.String(), "ruleset live", "reload failed"), "ruleset live")
	}, s.dump)

	// Wait until every record sent was processed (stdin and the followed
	// file are asynchronous), then shut down.
	total := float64(sent.Load())
	waitUntil(t, fmt.Sprintf("%v records processed", total), func() bool {
		v, _ := metricValue(scrape(t, base, ""), "streamalert_raw_records_total", nil)
		return v >= total
	}, s.dump)
	fams := scrape(t, base, "")
	ok, _ := metricValue(fams, "streamalert_reloads_total", map[string]string{"result": "ok"})
	failed, _ := metricValue(fams, "streamalert_reloads_total", map[string]string{"result": "failed"})
	if _, ok := metricValue(fams, "streamalert_merge_unmerged_alerts_total", nil); !ok {
		t.Error("no streamalert_merge_unmerged_alerts_total metric")
	}
	client.CloseIdleConnections()
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.stderr.String())
	}

	m := regexp.MustCompile(`(\d+) raw records, (\d+) records classified, (\d+) unclassified, (\d+) alerts, (\d+) rule errors`).
		FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no summary\n%s", s.stderr.String())
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(m[i], 10, 64); return v }
	wantAlerts := alpha.Load() + gamma.Load()
	if n(1) != sent.Load() || n(2) != sent.Load()-garbage.Load() || n(3) != garbage.Load() || n(4) != wantAlerts || n(5) != 0 {
		t.Errorf("summary %q; sent %d records (%d garbage), want %d alerts (alpha %d, gamma %d)",
			m[0], sent.Load(), garbage.Load(), wantAlerts, alpha.Load(), gamma.Load())
	}
	out := s.stdout.String()
	if a, g := int64(strings.Count(out, `"rule_name":"kind_alpha"`)), int64(strings.Count(out, `"rule_name":"kind_gamma"`)); a != alpha.Load() || g != gamma.Load() {
		t.Errorf("stdout has %d kind_alpha and %d kind_gamma alerts, want %d and %d", a, g, alpha.Load(), gamma.Load())
	}
	// Every kind_alpha alert reached the alert dead letter, exactly once.
	deadLetters, err := os.ReadFile(alertDead)
	if err != nil {
		t.Fatalf("alert dead letter: %v", err)
	}
	if n := int64(strings.Count(string(deadLetters), `"rule_name":"kind_alpha"`)); n != alpha.Load() {
		t.Errorf("alert dead letter holds %d kind_alpha alerts, want %d (the output was down throughout)", n, alpha.Load())
	}
	if ok < 2 || failed < 1 {
		t.Errorf("reloads ok %v failed %v after %d edits: the soak did not exercise reloads", ok, failed, reloads)
	}
	t.Logf("%s: %d records, %d alerts, reloads ok %v failed %v", d, sent.Load(), wantAlerts, ok, failed)

	// No goroutine left behind (give exiting ones a moment). The failing
	// output's server goes first: its connections are the test's, not the
	// run's.
	down.Close()
	var after int
	for range 200 {
		if after = runtime.NumGoroutine(); after <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
}

// lastLine returns the last line of s containing any of subs.
func lastLine(s string, subs ...string) string {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		for _, sub := range subs {
			if strings.Contains(lines[i], sub) {
				return lines[i]
			}
		}
	}
	return ""
}
