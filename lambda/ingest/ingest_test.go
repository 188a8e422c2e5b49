package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/payload"
)

// fixture returns one of aws-lambda-go's own event test files (its
// events/testdata, from the module cache), decoded as generic JSON so a test
// can put its payload in while keeping the real shape.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil {
		t.Fatalf("locate aws-lambda-go: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "events", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func records(m map[string]any) []any { return m["Records"].([]any) }

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

type got struct {
	src  engine.Source
	data string
	line int
	err  error
}

func readAll(t *testing.T, it Item, o Opener) []got {
	t.Helper()
	var out []got
	err := it.Read(context.Background(), o, payload.Options{}, func(src engine.Source, raw payload.Raw) error {
		out = append(out, got{src, string(raw.Data), raw.Line, raw.Err})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type objects map[string][]byte

func (o objects) Open(_ context.Context, bucket, key string) (io.ReadCloser, error) {
	b, ok := o[bucket+"/"+key]
	if !ok {
		return nil, errors.New("NoSuchKey")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// s3Notification returns aws-lambda-go's S3 notification fixture naming
// bucket/key (key URL-encoded as S3 sends it).
func s3NotificationJSON(t *testing.T, bucket, encodedKey string) []byte {
	t.Helper()
	e := fixture(t, "s3-event.json")
	r := records(e)[0].(map[string]any)["s3"].(map[string]any)
	r["bucket"].(map[string]any)["name"] = bucket
	r["object"].(map[string]any)["key"] = encodedKey
	e["Records"] = records(e)[:1]
	return encode(t, e)
}

func TestKinesisPlainGzipAndCloudWatchLogs(t *testing.T) {
	e := fixture(t, "kinesis-event.json")
	rs := records(e)
	line := `{"name":"pack_x","action":"added"}`
	rs[0].(map[string]any)["kinesis"].(map[string]any)["data"] = base64.StdEncoding.EncodeToString([]byte(line + "\n" + line))
	// A CloudWatch Logs subscription payload, exactly as aws-lambda-go's
	// fixture carries one (base64 of gzip), as a Kinesis record's data.
	cwl := fixture(t, "cloudwatch-logs-event.json")["awslogs"].(map[string]any)["data"].(string)
	rs[1].(map[string]any)["kinesis"].(map[string]any)["data"] = cwl
	kind, items, err := Decode(encode(t, e))
	if err != nil || kind != Kinesis || len(items) != 2 {
		t.Fatalf("Decode: %v %v %d", kind, err, len(items))
	}
	if items[0].ID != "49568167373333333333333333333333333333333333333333333333" || items[0].Source != (engine.Source{Service: "kinesis", Entity: "simple-stream"}) {
		t.Fatalf("item 0: %+v", items[0])
	}
	g := readAll(t, items[0], nil)
	if len(g) != 2 || g[0].data != line || g[1].line != 2 {
		t.Fatalf("plain: %+v", g)
	}
	g = readAll(t, items[1], nil)
	if len(g) != 2 || g[0].data != "[ERROR] First test message" || g[1].data != "[ERROR] Second test message" {
		t.Fatalf("cloudwatch logs: %+v", g)
	}

	// gzip JSON lines that are not CloudWatch Logs.
	rs[1].(map[string]any)["kinesis"].(map[string]any)["data"] = base64.StdEncoding.EncodeToString(gz([]byte(line + "\n")))
	_, items, _ = Decode(encode(t, e))
	if g := readAll(t, items[1], nil); len(g) != 1 || g[0].data != line {
		t.Fatalf("gzip lines: %+v", g)
	}
}

func TestCloudWatchLogsControlMessageHasNoRecords(t *testing.T) {
	ctl := gz([]byte(`{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}`))
	it := Item{Source: engine.Source{Service: "kinesis", Entity: "s"}, Data: ctl}
	if g := readAll(t, it, nil); len(g) != 0 {
		t.Fatalf("control message yielded %+v", g)
	}
}

func TestS3EventStreamsObjectWithDecodedKey(t *testing.T) {
	body := gz([]byte("{\"a\":1}\n{\"a\":2}\n"))
	o := objects{"logs-bucket/raw/2024/my file=1.json.gz": body}
	kind, items, err := Decode(s3NotificationJSON(t, "logs-bucket", "raw/2024/my+file%3D1.json.gz"))
	if err != nil || kind != S3 || len(items) != 1 {
		t.Fatalf("Decode: %v %v", kind, err)
	}
	if items[0].ID != "" || items[0].Objects[0].Key != "raw/2024/my file=1.json.gz" || items[0].Source.Entity != "logs-bucket" {
		t.Fatalf("item: %+v", items[0])
	}
	g := readAll(t, items[0], o)
	if len(g) != 2 || g[1].data != `{"a":2}` || g[0].src != (engine.Source{Service: "s3", Entity: "logs-bucket"}) {
		t.Fatalf("records: %+v", g)
	}
	// A missing object fails the item.
	err = items[0].Read(context.Background(), objects{}, payload.Options{}, func(engine.Source, payload.Raw) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "s3://logs-bucket/raw/2024/my file=1.json.gz") {
		t.Fatalf("missing object: %v", err)
	}
}

func TestSNSEventMessageAndS3Notification(t *testing.T) {
	e := fixture(t, "sns-event.json")
	r := records(e)[0].(map[string]any)["Sns"].(map[string]any)
	r["Message"] = "Jan  1 00:00:00 host sshd[1]: Accepted password for root from 10.0.0.1 port 22 ssh2"
	kind, items, err := Decode(encode(t, e))
	if err != nil || kind != SNS || len(items) != 1 {
		t.Fatalf("Decode: %v %v", kind, err)
	}
	topic := r["TopicArn"].(string)
	if items[0].Source.Service != "sns" || items[0].Source.Entity != topic[strings.LastIndexByte(topic, ':')+1:] {
		t.Fatalf("source %+v", items[0].Source)
	}
	if g := readAll(t, items[0], nil); len(g) != 1 || !strings.Contains(g[0].data, "sshd[1]") {
		t.Fatalf("message: %+v", g)
	}

	r["Message"] = string(s3NotificationJSON(t, "b", "k.json"))
	_, items, _ = Decode(encode(t, e))
	if len(items[0].Objects) != 1 || items[0].Objects[0] != (Object{Bucket: "b", Key: "k.json", Size: items[0].Objects[0].Size}) || items[0].Source.Service != "s3" {
		t.Fatalf("s3 via sns: %+v", items[0])
	}
}

func TestSQSEventBodies(t *testing.T) {
	e := fixture(t, "sqs-event.json")
	second := map[string]any{}
	for k, v := range records(e)[0].(map[string]any) {
		second[k] = v
	}
	second["messageId"] = "MessageID_2"
	e["Records"] = append(records(e), second)
	rs := records(e)
	snsEnvelope := encode(t, map[string]any{
		"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:us-east-1:123456789012:log-topic",
		"Message": string(s3NotificationJSON(t, "via-sns", "a%2Fb.log")), "Timestamp": "2024-01-01T00:00:00.000Z",
	})
	bodies := []string{string(s3NotificationJSON(t, "direct", "x.log")), string(snsEnvelope)}
	for i, b := range bodies {
		rs[i].(map[string]any)["body"] = b
	}
	kind, items, err := Decode(encode(t, e))
	if err != nil || kind != SQS || len(items) != len(rs) {
		t.Fatalf("Decode: %v %v", kind, err)
	}
	if items[0].ID != "MessageID_1" || items[0].Objects[0].Bucket != "direct" {
		t.Fatalf("direct: %+v", items[0])
	}
	if items[1].Objects[0] != (Object{Bucket: "via-sns", Key: "a/b.log", Size: items[1].Objects[0].Size}) {
		t.Fatalf("via sns: %+v", items[1])
	}

	// A plain body is the payload; the source is the queue.
	rs[0].(map[string]any)["body"] = `{"k":"v"}`
	_, items, _ = Decode(encode(t, e))
	if items[0].Source != (engine.Source{Service: "sqs", Entity: "SQSQueue"}) {
		t.Fatalf("source %+v", items[0].Source)
	}
	if g := readAll(t, items[0], nil); len(g) != 1 || g[0].data != `{"k":"v"}` {
		t.Fatalf("plain body: %+v", g)
	}

	// S3's test event names no object.
	rs[0].(map[string]any)["body"] = `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-01-01T00:00:00.000Z","Bucket":"b","RequestId":"r","HostId":"h"}`
	_, items, _ = Decode(encode(t, e))
	if items[0].Objects == nil || len(items[0].Objects) != 0 || items[0].Data != nil {
		t.Fatalf("test event: %+v", items[0])
	}
}

func TestDecodeUnknown(t *testing.T) {
	for _, ev := range []string{`{}`, `{"Records":[]}`, `{"Records":[{"eventSource":"aws:dynamodb"}]}`, `nope`} {
		if _, _, err := Decode([]byte(ev)); err == nil {
			t.Errorf("%s: no error", ev)
		}
	}
}
