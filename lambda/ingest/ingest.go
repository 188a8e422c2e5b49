// Package ingest turns the events that trigger lambda/rules — Kinesis, S3
// notifications, SNS and SQS, in aws-lambda-go's shapes — into items: the
// units that succeed or fail alone (a Kinesis record, an SQS message, an S3
// object), each with the engine.Source its records come from and a way to
// read them as raw records through the payload reader.
//
// Kinesis data and SQS/SNS messages may be gzip or zlib compressed; Kinesis
// data may be a CloudWatch Logs subscription payload, whose log events are
// the records. An S3 notification, direct or delivered through SNS or SQS
// (with or without raw message delivery), is followed to the object, which
// is streamed, never read whole: a record's source is then the bucket.
package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/payload"
)

// Kind is the kind of event.
type Kind string

// The event kinds handled.
const (
	Kinesis Kind = "kinesis"
	S3      Kind = "s3"
	SNS     Kind = "sns"
	SQS     Kind = "sqs"
)

// ErrUnknownEvent is returned by Decode for an event of another kind.
var ErrUnknownEvent = errors.New("not a Kinesis, S3, SNS or SQS event")

// Item is one independently retried unit of an event.
type Item struct {
	// ID identifies the item in a partial batch response: the Kinesis
	// sequence number or the SQS message id ("" for S3 and SNS events,
	// which are retried whole).
	ID string
	// Source is where the item's records come from (the stream, topic or
	// queue; the bucket for objects an S3 notification names).
	Source engine.Source
	// Data is the inline payload (Kinesis data, an SNS or SQS message);
	// nil when the item is S3 objects.
	Data []byte
	// Objects are the S3 objects the item names.
	Objects []Object
}

// Object is an S3 object named by a notification.
type Object struct {
	Bucket, Key string // Key is URL-decoded
	Size        int64
}

// Opener opens an S3 object for streaming.
type Opener interface {
	Open(ctx context.Context, bucket, key string) (io.ReadCloser, error)
}

// Decode reads a Lambda event. Items come in the event's order.
func Decode(event []byte) (Kind, []Item, error) {
	var probe struct {
		Records []struct {
			EventSource      string `json:"eventSource"`
			EventSourceUpper string `json:"EventSource"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(event, &probe); err != nil {
		return "", nil, fmt.Errorf("event: %w", err)
	}
	if len(probe.Records) == 0 {
		return "", nil, ErrUnknownEvent
	}
	src := probe.Records[0].EventSource
	if src == "" {
		src = probe.Records[0].EventSourceUpper
	}
	switch src {
	case "aws:kinesis":
		var e events.KinesisEvent
		if err := json.Unmarshal(event, &e); err != nil {
			return Kinesis, nil, fmt.Errorf("kinesis event: %w", err)
		}
		items := make([]Item, len(e.Records))
		for i, r := range e.Records {
			items[i] = Item{ID: r.Kinesis.SequenceNumber, Source: engine.Source{Service: "kinesis", Entity: arnName(r.EventSourceArn, "stream/")}, Data: r.Kinesis.Data}
		}
		return Kinesis, items, nil
	case "aws:s3":
		var e events.S3Event
		if err := json.Unmarshal(event, &e); err != nil {
			return S3, nil, fmt.Errorf("s3 event: %w", err)
		}
		var items []Item
		for _, r := range e.Records {
			items = append(items, Item{Source: engine.Source{Service: "s3", Entity: r.S3.Bucket.Name},
				Objects: []Object{{Bucket: r.S3.Bucket.Name, Key: r.S3.Object.URLDecodedKey, Size: r.S3.Object.Size}}})
		}
		return S3, items, nil
	case "aws:sns":
		var e events.SNSEvent
		if err := json.Unmarshal(event, &e); err != nil {
			return SNS, nil, fmt.Errorf("sns event: %w", err)
		}
		items := make([]Item, len(e.Records))
		for i, r := range e.Records {
			items[i] = message(r.SNS.MessageID, engine.Source{Service: "sns", Entity: arnName(r.SNS.TopicArn, "")}, r.SNS.Message)
			items[i].ID = ""
		}
		return SNS, items, nil
	case "aws:sqs":
		var e events.SQSEvent
		if err := json.Unmarshal(event, &e); err != nil {
			return SQS, nil, fmt.Errorf("sqs event: %w", err)
		}
		items := make([]Item, len(e.Records))
		for i, r := range e.Records {
			items[i] = message(r.MessageId, engine.Source{Service: "sqs", Entity: arnName(r.EventSourceARN, "")}, r.Body)
		}
		return SQS, items, nil
	}
	return "", nil, fmt.Errorf("%w (eventSource %q)", ErrUnknownEvent, src)
}

// arnName returns an ARN's resource name: the part after kind ("stream/")
// for Kinesis, the last ':' field otherwise.
func arnName(arn, kind string) string {
	if kind != "" {
		if i := strings.Index(arn, ":"+kind); i >= 0 {
			return arn[i+1+len(kind):]
		}
	}
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// message builds the item of an SNS or SQS message: an S3 notification
// (direct, or inside an SNS envelope) names objects; an SNS envelope's
// message is the payload; anything else is the payload itself.
func message(id string, src engine.Source, body string) Item {
	it := Item{ID: id, Source: src}
	b := []byte(body)
	if objs, ok := s3Notification(b); ok {
		it.Objects = objs
		if len(objs) > 0 {
			it.Source = engine.Source{Service: "s3", Entity: objs[0].Bucket}
		}
		return it
	}
	var env struct {
		Type     string `json:"Type"`
		TopicArn string `json:"TopicArn"`
		Message  string `json:"Message"`
	}
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) && json.Unmarshal(b, &env) == nil && env.Type == "Notification" && env.TopicArn != "" {
		// SNS → SQS without raw message delivery.
		inner := message(id, src, env.Message)
		return inner
	}
	it.Data = b
	return it
}

// s3Notification reports whether b is an S3 event notification (or its
// s3:TestEvent, which names no object) and returns the objects it names.
func s3Notification(b []byte) ([]Object, bool) {
	t := bytes.TrimSpace(b)
	if !bytes.HasPrefix(t, []byte("{")) || !(bytes.Contains(t, []byte(`"aws:s3"`)) || bytes.Contains(t, []byte(`"s3:TestEvent"`))) {
		return nil, false
	}
	var probe struct {
		Event   string `json:"Event"`
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if json.Unmarshal(t, &probe) != nil {
		return nil, false
	}
	if probe.Event == "s3:TestEvent" {
		return []Object{}, true
	}
	if len(probe.Records) == 0 || probe.Records[0].EventSource != "aws:s3" {
		return nil, false
	}
	var e events.S3Event
	if json.Unmarshal(t, &e) != nil {
		return nil, false
	}
	objs := make([]Object, 0, len(e.Records))
	for _, r := range e.Records {
		objs = append(objs, Object{Bucket: r.S3.Bucket.Name, Key: r.S3.Object.URLDecodedKey, Size: r.S3.Object.Size})
	}
	return objs, true
}

// Yield receives each raw record of an item with its source.
type Yield func(src engine.Source, raw payload.Raw) error

// maxInline bounds the decompressed size of one inline payload (a Kinesis
// record or a message is at most 1 MiB compressed).
const maxInline = 256 << 20

// Read yields every raw record of it: inline data through payload.Read
// (CloudWatch Logs subscription payloads yield their log events, numbered
// as lines from 1), objects streamed from o through payload.Read with opts.
// An error from yield stops reading and is returned; so is an error opening
// or reading an object (the item then failed).
func (it Item) Read(ctx context.Context, o Opener, opts payload.Options, yield Yield) error {
	if it.Data != nil {
		return readInline(it.Data, it.Source, opts, yield)
	}
	for _, obj := range it.Objects {
		src := engine.Source{Service: "s3", Entity: obj.Bucket}
		if err := readObject(ctx, o, obj, src, opts, yield); err != nil {
			return err
		}
	}
	return nil
}

func readObject(ctx context.Context, o Opener, obj Object, src engine.Source, opts payload.Options, yield Yield) error {
	if strings.HasSuffix(obj.Key, "/") && obj.Size == 0 {
		return nil // a "folder" placeholder
	}
	body, err := o.Open(ctx, obj.Bucket, obj.Key)
	if err != nil {
		return fmt.Errorf("s3://%s/%s: %w", obj.Bucket, obj.Key, err)
	}
	defer body.Close()
	err = payload.Read(body, opts, func(raw payload.Raw) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return yield(src, raw)
	})
	if err != nil {
		return fmt.Errorf("s3://%s/%s: %w", obj.Bucket, obj.Key, err)
	}
	return nil
}

func readInline(data []byte, src engine.Source, opts payload.Options, yield Yield) error {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			plain, rerr := io.ReadAll(io.LimitReader(zr, maxInline+1))
			if rerr == nil && len(plain) <= maxInline {
				if logs, ok := cloudWatchLogs(plain); ok {
					for i, ev := range logs.LogEvents {
						if err := yield(src, payload.Raw{Data: []byte(ev.Message), Line: i + 1}); err != nil {
							return err
						}
					}
					return nil
				}
				data = plain
			}
			// A corrupt or oversize gzip stream falls through to the
			// payload reader, which reports it on the record.
		}
	}
	return payload.Read(bytes.NewReader(data), opts, func(raw payload.Raw) error { return yield(src, raw) })
}

// cloudWatchLogs decodes a CloudWatch Logs subscription payload; ok is false
// when plain is not one. A CONTROL_MESSAGE (sent when a subscription is
// created) has no records.
func cloudWatchLogs(plain []byte) (events.CloudwatchLogsData, bool) {
	var d events.CloudwatchLogsData
	t := bytes.TrimSpace(plain)
	if !bytes.HasPrefix(t, []byte("{")) || !bytes.Contains(t, []byte(`"messageType"`)) {
		return d, false
	}
	if json.Unmarshal(t, &d) != nil {
		return d, false
	}
	switch d.MessageType {
	case "DATA_MESSAGE":
		return d, true
	case "CONTROL_MESSAGE":
		d.LogEvents = nil
		return d, true
	}
	return d, false
}
