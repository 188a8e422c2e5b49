// Package e2e runs the real Lambda binaries (`bootstrap`, built as `make
// package` builds them) under the Lambda Runtime Interface Emulator against
// the local S3, SQS and DynamoDB servers .ci/aws/up.sh starts, with rules
// uploaded by the real `streamalert rules push`.
package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/testenv"
	"github.com/streamalert-go/streamalert/lambda/awstest"
)

// build compiles a main package into dir/name the way `make package` does.
func build(t testing.TB, pkg, out string) {
	t.Helper()
	root := testenv.RepoRoot(t)
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
}

// function is one bootstrap running under the emulator (testenv.StartLambda).
type function struct {
	*testenv.Lambda
	name string
}

// startFunction runs bootstrap under the Lambda runtime emulator with env;
// its log is printed when the test fails.
func startFunction(t testing.TB, bootstrap string, env []string) *function {
	t.Helper()
	f := &function{Lambda: testenv.StartLambda(t, bootstrap, env...), name: filepath.Base(filepath.Dir(bootstrap))}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s log:\n%s", f.name, f.Log())
		}
	})
	return f
}

// invoke sends an event and decodes the response into out.
func (f *function) invoke(t testing.TB, event any, out any) {
	t.Helper()
	body, _ := json.Marshal(event)
	b, err := f.Invoke(context.Background(), body)
	if err != nil || bytes.Contains(b, []byte(`"errorMessage"`)) {
		t.Fatalf("invoke %s: %v %s", f.name, err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("response %s: %v", b, err)
		}
	}
}

type batchResponse struct {
	BatchItemFailures []struct {
		ItemIdentifier string `json:"itemIdentifier"`
	} `json:"batchItemFailures"`
}

// webhook counts deliveries per alert id; it fails while failing is set.
type webhook struct {
	srv      *httptest.Server
	failing  atomic.Bool
	mu       sync.Mutex
	accepted map[string]int
	refused  int
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{accepted: map[string]int{}}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var a engine.Alert
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil || r.Method != http.MethodPost || a.ID == "" {
			http.Error(rw, "bad alert", http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.failing.Load() {
			w.refused++
			http.Error(rw, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.accepted[a.ID]++
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *webhook) counts() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for k, v := range w.accepted {
		out[k] = v
	}
	return out
}

func osqueryRecord(action string) string {
	return fmt.Sprintf(`{"name":"e2e_authorized_keys","hostIdentifier":"web-1","calendarTime":"Mon May  6 09:15:02 2024 UTC","unixTime":1714986902,"epoch":0,"counter":1,"numerics":false,"decorations":{},"columns":{"key_file":"/root/.ssh/authorized_keys"},"action":%q}`, action)
}

func kinesisEvent(records ...string) map[string]any {
	var rs []map[string]any
	for i, r := range records {
		rs = append(rs, map[string]any{
			"kinesis": map[string]any{"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": fmt.Sprintf("4956816737333333333333333333333333333333333333333333%04d", i),
				"data": base64.StdEncoding.EncodeToString([]byte(r)), "approximateArrivalTimestamp": 1480641523.477},
			"eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": fmt.Sprintf("shardId-000000000000:%d", i), "eventName": "aws:kinesis:record",
			"invokeIdentityArn": "arn:aws:iam::123456789012:role/LambdaRole", "awsRegion": "us-east-1",
			"eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/osquery-results",
		})
	}
	return map[string]any{"Records": rs}
}

func s3Event(bucket, key string) map[string]any {
	return map[string]any{"Records": []map[string]any{{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2024-05-06T09:15:02.000Z",
		"eventName": "ObjectCreated:Put", "s3": map[string]any{"s3SchemaVersion": "1.0", "configurationId": "logs",
			"bucket": map[string]any{"name": bucket, "arn": "arn:aws:s3:::" + bucket},
			"object": map[string]any{"key": strings.ReplaceAll(key, " ", "+"), "size": 100, "eTag": "x", "sequencer": "1"}},
	}}}
}

type message struct{ id, receipt, body string }

// receive takes up to max visible messages (not deleted).
func receive(t *testing.T, c *sqs.Client, url string, max int, wait time.Duration) []message {
	t.Helper()
	var out []message
	deadline := time.Now().Add(wait)
	for len(out) < max && time.Now().Before(deadline) {
		r, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range r.Messages {
			out = append(out, message{aws.ToString(m.MessageId), aws.ToString(m.ReceiptHandle), aws.ToString(m.Body)})
		}
	}
	return out
}

func sqsEvent(queueARN string, msgs []message) map[string]any {
	var rs []map[string]any
	for _, m := range msgs {
		rs = append(rs, map[string]any{"messageId": m.id, "receiptHandle": m.receipt, "body": m.body,
			"attributes": map[string]string{"ApproximateReceiveCount": "1"}, "messageAttributes": map[string]any{},
			"md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": queueARN, "awsRegion": "us-east-1"})
	}
	return map[string]any{"Records": rs}
}

func alertsOf(t *testing.T, msgs []message) []engine.Alert {
	t.Helper()
	var out []engine.Alert
	for _, m := range msgs {
		var a engine.Alert
		if err := json.Unmarshal([]byte(m.body), &a); err != nil {
			t.Fatalf("alert message %q: %v", m.body, err)
		}
		out = append(out, a)
	}
	return out
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestEndToEnd(t *testing.T) {
	env := awstest.Setup(t, true)
	dir := t.TempDir()
	rulesBin, alertsBin, cli := filepath.Join(dir, "rules", "bootstrap"), filepath.Join(dir, "alerts", "bootstrap"), filepath.Join(dir, "streamalert")
	build(t, "./lambda/rules", rulesBin)
	build(t, "./lambda/alerts", alertsBin)
	build(t, "./cmd/streamalert", cli)

	rulesBucket, s3c := awstest.Bucket(t)
	logsBucket, _ := awstest.Bucket(t)
	alertsQueue, sqsc := awstest.Queue(t, 2*time.Second)
	deadQueue, _ := awstest.Queue(t, 30*time.Second)
	table, _ := awstest.StateTable(t)

	flaky, healthy := newWebhook(t), newWebhook(t)
	flaky.failing.Store(true)
	cfgFile := filepath.Join(dir, "streamalert.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf("outputs:\n  webhook:\n    flaky: {url: %q}\n    healthy: {url: %q}\n", flaky.srv.URL+"/hook", healthy.srv.URL+"/hook")), 0o644)

	push := func(rulesDir string) string {
		t.Helper()
		cmd := exec.Command(cli, "rules", "push", "--bucket", rulesBucket, "--prefix", "team", "--rules", rulesDir, "--config", cfgFile)
		cmd.Env = append(os.Environ(), env.List()...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("rules push: %v\n%s", err, out)
		}
		return string(out)
	}
	out := push("testdata/rules.d")
	if !strings.Contains(out, "uploaded s3://"+rulesBucket+"/team/rules.d/e2e_key_added.yaml") || !strings.Contains(out, "/team/streamalert.yaml") {
		t.Fatalf("push output:\n%s", out)
	}

	rules := startFunction(t, rulesBin, append(env.List(),
		"RULES_BUCKET="+rulesBucket, "RULES_PREFIX=team", "RULES_REFRESH=1s",
		"ALERTS_QUEUE_URL="+alertsQueue, "DEAD_LETTER_QUEUE_URL="+deadQueue, "ALERTS_STATE_TABLE="+table))
	alerts := startFunction(t, alertsBin, append(env.List(),
		"ALERTS_STATE_TABLE="+table, "RULES_BUCKET="+rulesBucket, "RULES_PREFIX=team", "ALERTS_QUEUE_URL="+alertsQueue))

	// Kinesis: one record a rule fires on, one that classifies as nothing.
	var kresp batchResponse
	rules.invoke(t, kinesisEvent(osqueryRecord("added"), "\x01 garbage, not a log"), &kresp)
	if len(kresp.BatchItemFailures) != 0 {
		t.Fatalf("kinesis batch failures: %+v", kresp)
	}
	dead := awstest.Drain(t, sqsc, deadQueue, 1, 5*time.Second, true)
	if len(dead) != 1 || !strings.Contains(dead[0], "garbage, not a log") || !strings.Contains(dead[0], `"service":"kinesis","entity":"osquery-results"`) {
		t.Fatalf("dead letters: %q", dead)
	}

	// S3: a gzip JSON-lines object with two matching records.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, osqueryRecord("added")+"\n"+osqueryRecord("added")+"\n")
	zw.Close()
	awstest.Put(t, s3c, logsBucket, "osquery/2024/05/06/results 1.json.gz", gz.Bytes())
	rules.invoke(t, s3Event(logsBucket, "osquery/2024/05/06/results 1.json.gz"), nil)

	msgs := receive(t, sqsc, alertsQueue, 3, 10*time.Second)
	as := alertsOf(t, msgs)
	if len(as) != 3 {
		t.Fatalf("want 3 alerts, got %d: %+v", len(as), as)
	}
	version := as[0].RulesetVersion
	sources := map[string]int{}
	for _, a := range as {
		if a.RuleName != "e2e_key_added" || a.RulesetVersion == "" || a.RulesetVersion != version {
			t.Fatalf("alert %+v", a)
		}
		sources[a.SourceService+":"+a.SourceEntity]++
	}
	if sources["kinesis:osquery-results"] != 1 || sources["s3:"+logsBucket] != 2 {
		t.Fatalf("alert sources %v", sources)
	}

	// Alerts: the flaky webhook refuses; the healthy one takes all three.
	queueARN := "arn:aws:sqs:us-east-1:000000000000:" + alertsQueue[strings.LastIndexByte(alertsQueue, '/')+1:]
	var aresp batchResponse
	alerts.invoke(t, sqsEvent(queueARN, msgs), &aresp)
	if len(aresp.BatchItemFailures) != 3 {
		t.Fatalf("want 3 failed items while the webhook is down, got %+v", aresp)
	}
	if h := healthy.counts(); len(h) != 3 {
		t.Fatalf("healthy webhook got %v", h)
	}
	// SQS redelivers after the visibility timeout; the webhook is back.
	flaky.failing.Store(false)
	again := receive(t, sqsc, alertsQueue, 3, 10*time.Second)
	if len(again) != 3 {
		t.Fatalf("redelivered %d of 3", len(again))
	}
	alerts.invoke(t, sqsEvent(queueARN, again), &aresp)
	if len(aresp.BatchItemFailures) != 0 {
		t.Fatalf("failed items after recovery: %+v", aresp)
	}
	for _, m := range again {
		sqsc.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(alertsQueue), ReceiptHandle: aws.String(m.receipt)})
	}
	for _, a := range as {
		if n := flaky.counts()[a.ID]; n != 1 {
			t.Errorf("flaky webhook accepted alert %s %d times, want 1", a.ID, n)
		}
		if n := healthy.counts()[a.ID]; n != 1 {
			t.Errorf("healthy webhook got alert %s %d times, want exactly 1", a.ID, n)
		}
	}
	if flaky.refused == 0 {
		t.Error("the flaky webhook never refused: the retry was not tested")
	}

	// A changed rule set, pushed: the new rule fires after RULES_REFRESH.
	push("testdata/rules2.d")
	time.Sleep(1100 * time.Millisecond)
	rules.invoke(t, kinesisEvent(osqueryRecord("removed")), &kresp)
	msgs = receive(t, sqsc, alertsQueue, 1, 10*time.Second)
	as = alertsOf(t, msgs)
	if len(as) != 1 || as[0].RuleName != "e2e_key_removed" || as[0].RulesetVersion == version {
		t.Fatalf("after push: %+v", as)
	}
	version2 := as[0].RulesetVersion
	for _, m := range msgs {
		sqsc.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(alertsQueue), ReceiptHandle: aws.String(m.receipt)})
	}

	// Merging: four logins on one host, in two Kinesis batches. The first
	// alert goes out at once; the other three are folded in the shared state
	// and, after the window, the scheduled flush queues one summary.
	login := strings.Replace(strings.Replace(osqueryRecord("added"), "e2e_authorized_keys", "e2e_logins", 1), `"key_file":"/root/.ssh/authorized_keys"`, `"user":"alice"`, 1)
	rules.invoke(t, kinesisEvent(login, login), &kresp)
	rules.invoke(t, kinesisEvent(login, login), &kresp)
	first := receive(t, sqsc, alertsQueue, 2, 500*time.Millisecond) // polls end within the 2 s visibility timeout: each message once
	if as := alertsOf(t, first); len(as) != 1 || as[0].RuleName != "e2e_login_burst" || as[0].Record["AlertCount"] != nil {
		t.Fatalf("want the first login's alert alone at once, got %d: %+v", len(first), first)
	}
	alerts.invoke(t, sqsEvent(queueARN, first), &aresp)
	firstID := alertsOf(t, first)[0].ID
	if len(aresp.BatchItemFailures) != 0 || healthy.counts()[firstID] != 1 {
		t.Fatalf("first alert not delivered at once: %+v %v", aresp, healthy.counts())
	}
	for _, m := range first {
		sqsc.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(alertsQueue), ReceiptHandle: aws.String(m.receipt)})
	}
	var flushed map[string]int
	alerts.invoke(t, map[string]any{"version": "0", "id": "x", "detail-type": "Scheduled Event", "source": "aws.events",
		"account": "123456789012", "time": time.Now().UTC().Format(time.RFC3339), "region": "us-east-1", "resources": []string{}, "detail": map[string]any{}}, &flushed)
	if flushed["summaries"] != 0 {
		t.Fatalf("a summary was flushed before its window ended: %v", flushed)
	}
	time.Sleep(3100 * time.Millisecond)
	alerts.invoke(t, map[string]any{"version": "0", "id": "y", "detail-type": "Scheduled Event", "source": "aws.events",
		"account": "123456789012", "time": time.Now().UTC().Format(time.RFC3339), "region": "us-east-1", "resources": []string{}, "detail": map[string]any{}}, &flushed)
	if flushed["summaries"] != 1 {
		t.Fatalf("scheduled flush: %v, want 1 summary", flushed)
	}
	summary := receive(t, sqsc, alertsQueue, 1, 5*time.Second)
	sa := alertsOf(t, summary)
	if len(sa) != 1 || fmt.Sprint(sa[0].Record["AlertCount"]) != "3" || fmt.Sprint(sa[0].Record["MergedBy"]) != "map[hostIdentifier:web-1]" {
		t.Fatalf("summary %+v", sa)
	}
	alerts.invoke(t, sqsEvent(queueARN, summary), &aresp)
	if len(aresp.BatchItemFailures) != 0 || healthy.counts()[sa[0].ID] != 1 {
		t.Fatalf("summary not delivered: %+v", aresp)
	}
	for _, m := range summary {
		sqsc.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(alertsQueue), ReceiptHandle: aws.String(m.receipt)})
	}

	// A broken rule uploaded by hand: the running ruleset keeps working and
	// the log names the file, line and column.
	awstest.Put(t, s3c, rulesBucket, "team/rules.d/broken.yaml", []byte("name: broken\ndescription: typo\nlog_types: [osquery:differential]\ncondition: record.acton == \"added\"\nseverity: low\n"))
	time.Sleep(1100 * time.Millisecond)
	rules.invoke(t, kinesisEvent(osqueryRecord("removed")), &kresp)
	as = alertsOf(t, receive(t, sqsc, alertsQueue, 1, 10*time.Second))
	if len(as) != 1 || as[0].RuleName != "e2e_key_removed" || as[0].RulesetVersion != version2 {
		t.Fatalf("after a broken upload: %+v", as)
	}
	waitFor(t, "the diagnostic in the log", 5*time.Second, func() bool {
		return strings.Contains(rules.Log(), "s3://"+rulesBucket+"/team/rules.d/broken.yaml:4:")
	})
	if n := strings.Count(rules.Log(), "team/rules.d/broken.yaml:4:"); n != 1 {
		t.Errorf("the diagnostic was logged %d times, want once", n)
	}
	if !strings.Contains(rules.Log(), `"RulesetReloadFailures":1`) {
		t.Errorf("no RulesetReloadFailures metric in the log")
	}
}
