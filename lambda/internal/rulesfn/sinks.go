package rulesfn

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/streamalert-go/streamalert/engine"
)

// MaxMessageSize is the largest SQS message body sent (SQS's classic limit,
// which every SQS-compatible server accepts).
const MaxMessageSize = 256 << 10

// SQSAPI is the part of the SQS client the queues use.
type SQSAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// batchAttempts bounds how often entries a batch failed are sent again.
const batchAttempts = 4

// sendBodies sends message bodies with SendMessageBatch: at most 10 entries
// and MaxMessageSize bytes per call, entries that fail retried with backoff.
// The error names the bodies (by index) that could not be sent.
func sendBodies(ctx context.Context, c SQSAPI, url string, bodies [][]byte) error {
	pending := make([]int, len(bodies))
	for i := range pending {
		pending[i] = i
	}
	var lastErr error
	for attempt := 0; attempt < batchAttempts && len(pending) > 0; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(lastErr, ctx.Err())
			case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
			}
		}
		var retry []int
		for len(pending) > 0 {
			n, size := 0, 0
			for n < len(pending) && n < 10 && size+len(bodies[pending[n]]) <= MaxMessageSize {
				size += len(bodies[pending[n]])
				n++
			}
			if n == 0 {
				n = 1 // a single body at the limit goes alone
			}
			chunk := pending[:n]
			pending = pending[n:]
			entries := make([]sqstypes.SendMessageBatchRequestEntry, len(chunk))
			for i, idx := range chunk {
				entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(idx)), MessageBody: aws.String(string(bodies[idx]))}
			}
			out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
			if err != nil {
				lastErr = err
				retry = append(retry, chunk...)
				continue
			}
			for _, fl := range out.Failed {
				idx, _ := strconv.Atoi(aws.ToString(fl.Id))
				lastErr = fmt.Errorf("%s: %s", aws.ToString(fl.Code), aws.ToString(fl.Message))
				if fl.SenderFault {
					return fmt.Errorf("message %d refused: %w", idx, lastErr)
				}
				retry = append(retry, idx)
			}
		}
		pending = retry
	}
	if len(pending) > 0 {
		return fmt.Errorf("%d of %d messages not sent after %d attempts: %w", len(pending), len(bodies), batchAttempts, lastErr)
	}
	return nil
}

// SQSAlerts queues alerts on the alerts queue, one alert JSON per message.
type SQSAlerts struct {
	Client   SQSAPI
	QueueURL string
	// Oversize receives the full alert when it is larger than an SQS
	// message; a shortened alert (record replaced by a note) is queued in
	// its place, so the page still goes out.
	Oversize DeadLetters
}

// Send queues alerts (see AlertQueue).
func (q *SQSAlerts) Send(ctx context.Context, alerts []engine.Alert) error {
	bodies := make([][]byte, 0, len(alerts))
	for _, a := range alerts {
		b, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("alert %s: %w", a.ID, err)
		}
		if len(b) > MaxMessageSize {
			if b, err = q.shorten(ctx, a, b); err != nil {
				return err
			}
		}
		bodies = append(bodies, b)
	}
	return sendBodies(ctx, q.Client, q.QueueURL, bodies)
}

func (q *SQSAlerts) shorten(ctx context.Context, a engine.Alert, full []byte) ([]byte, error) {
	sum := sha256.Sum256(full)
	note := fmt.Sprintf("alert of %d bytes is larger than an SQS message; the full alert is in the dead letter (sha256 %s)", len(full), hex.EncodeToString(sum[:]))
	if q.Oversize != nil {
		d := engine.NewDeadRecord(time.Now(), engine.Source{Service: a.SourceService, Entity: a.SourceEntity}, full, 0, errors.New(note))
		d.Rule = a.RuleName
		d.RulesetVersion = a.RulesetVersion
		if err := q.Oversize.Put(ctx, []engine.DeadRecord{d}); err != nil {
			return nil, fmt.Errorf("oversize alert %s: %w", a.ID, err)
		}
	}
	short := a
	short.Record = map[string]any{"_streamalert_truncated": note}
	return json.Marshal(short)
}

// SQSDeadLetters sends each dead record as one message. A record too large
// for a message keeps a prefix of its raw bytes, with its length and hash.
type SQSDeadLetters struct {
	Client   SQSAPI
	QueueURL string
}

// Put sends recs (see DeadLetters).
func (q *SQSDeadLetters) Put(ctx context.Context, recs []engine.DeadRecord) error {
	bodies := make([][]byte, 0, len(recs))
	for _, d := range recs {
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if len(b) > MaxMessageSize {
			raw := []byte(d.Raw)
			if d.RawBase64 != nil {
				raw = d.RawBase64
			}
			sum := sha256.Sum256(raw)
			d.Reason += fmt.Sprintf(" (raw record of %d bytes, sha256 %s, cut to fit an SQS message)", len(raw), hex.EncodeToString(sum[:]))
			keep := MaxMessageSize / 2
			if d.RawBase64 != nil {
				d.RawBase64 = d.RawBase64[:min(keep, len(d.RawBase64))]
			} else {
				d.Raw = strings.ToValidUTF8(d.Raw[:min(keep, len(d.Raw))], "")
			}
			if b, err = json.Marshal(d); err != nil {
				return err
			}
		}
		bodies = append(bodies, b)
	}
	return sendBodies(ctx, q.Client, q.QueueURL, bodies)
}

// S3PutAPI is the part of the S3 client the bucket dead letter uses.
type S3PutAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// S3DeadLetters writes each call's records as one JSON-lines object,
// PREFIX/dt=YYYY-MM-DD/HH/SERVICE/ENTITY/UUID.jsonl, whole (no size cap).
type S3DeadLetters struct {
	Client S3PutAPI
	Bucket string
	Prefix string // default "unclassified"
	Now    func() time.Time
}

// Put writes recs (see DeadLetters).
func (s *S3DeadLetters) Put(ctx context.Context, recs []engine.DeadRecord) error {
	if len(recs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, d := range recs {
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now().UTC()
	prefix := strings.Trim(s.Prefix, "/")
	if prefix == "" {
		prefix = "unclassified"
	}
	src := recs[0].Source
	key := fmt.Sprintf("%s/dt=%s/%s/%s/%s/%s.jsonl", prefix, t.Format("2006-01-02"), t.Format("15"),
		keyPart(src.Service), keyPart(src.Entity), uuid.NewString())
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key),
		Body: bytes.NewReader(buf.Bytes()), ContentType: aws.String("application/x-ndjson")})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}

func keyPart(s string) string {
	s = strings.NewReplacer("/", "_", "\\", "_").Replace(s)
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}

// S3GetAPI is the part of the S3 client the object opener uses.
type S3GetAPI interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3Objects opens log objects for streaming (ingest.Opener). Errors of the
// GET and of reading its body are SourceErrors: a retry may help.
type S3Objects struct{ Client S3GetAPI }

// Open starts a GET of the object.
func (o *S3Objects) Open(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	out, err := o.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, &SourceError{err}
	}
	return sourceBody{out.Body}, nil
}

type sourceBody struct{ io.ReadCloser }

func (b sourceBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = &SourceError{err}
	}
	return n, err
}
