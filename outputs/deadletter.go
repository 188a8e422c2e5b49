package outputs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/streamalert-go/streamalert/engine"
)

// Letter is a dead-lettered delivery: the alert, the output it failed to
// reach, the (redacted) error, and how many attempts were made.
type Letter struct {
	Alert    engine.Alert `json:"alert"`
	Output   string       `json:"output"`
	Error    string       `json:"error"`
	Attempts int          `json:"attempts"`
	Time     time.Time    `json:"time"`
}

// DeadLetter stores alerts whose delivery failed for good, so none is lost
// silently. Put must be safe for concurrent use; the dispatcher retries a
// failed Put like a delivery.
type DeadLetter interface {
	Put(ctx context.Context, l Letter) error
}

// FileDeadLetter appends letters as JSON lines to a file (created 0600 if
// missing). It is safe for concurrent use within a process.
type FileDeadLetter struct {
	Path string
	mu   sync.Mutex
}

// NewFileDeadLetter returns a FileDeadLetter writing to path.
func NewFileDeadLetter(path string) *FileDeadLetter { return &FileDeadLetter{Path: path} }

// Put appends l as one JSON line.
func (f *FileDeadLetter) Put(_ context.Context, l Letter) error {
	b, err := json.Marshal(l)
	if err != nil {
		return Permanent(fmt.Errorf("dead letter: encode: %w", err))
	}
	return appendLine(&f.mu, f.Path, b)
}

func appendLine(mu *sync.Mutex, path string, b []byte) error {
	mu.Lock()
	defer mu.Unlock()
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	// One write per line so concurrent appenders never interleave.
	if _, err := fh.Write(append(b, '\n')); err != nil {
		fh.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return fh.Close()
}

// SQSSendAPI is the part of the SQS client the SQS outputs use.
type SQSSendAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// SQSDeadLetter sends each letter as one message to an SQS queue.
type SQSDeadLetter struct {
	Client   SQSSendAPI
	QueueURL string
}

// Put sends l as a JSON message body.
func (q *SQSDeadLetter) Put(ctx context.Context, l Letter) error {
	b, err := json.Marshal(l)
	if err != nil {
		return Permanent(fmt.Errorf("dead letter: encode: %w", err))
	}
	_, err = q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.QueueURL), MessageBody: aws.String(string(b))})
	if err != nil {
		return fmt.Errorf("dead letter: sqs SendMessage: %w", err)
	}
	return nil
}

// S3PutAPI is the part of the S3 client the S3 outputs use.
type S3PutAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// S3DeadLetter writes each letter as one object,
// PREFIX/dt=YYYY-MM-DD/HH/OUTPUT/ALERT-ID.json (prefix default "dead-letters").
type S3DeadLetter struct {
	Client S3PutAPI
	Bucket string
	Prefix string
}

// Put writes l as one JSON object.
func (s *S3DeadLetter) Put(ctx context.Context, l Letter) error {
	b, err := json.Marshal(l)
	if err != nil {
		return Permanent(fmt.Errorf("dead letter: encode: %w", err))
	}
	prefix := s.Prefix
	if prefix == "" {
		prefix = "dead-letters"
	}
	key := partitionedKey(prefix, l.Time, strings.ReplaceAll(l.Output, "/", "_"), l.Alert.ID)
	_, err = s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key),
		Body: bytes.NewReader(b), ContentType: aws.String("application/json")})
	if err != nil {
		return fmt.Errorf("dead letter: s3 PutObject %s: %w", key, err)
	}
	return nil
}

// partitionedKey returns PREFIX/dt=YYYY-MM-DD/HH/NAME/ID.json in UTC.
func partitionedKey(prefix string, t time.Time, name, id string) string {
	t = t.UTC()
	if id == "" {
		id = "unknown"
	}
	return fmt.Sprintf("%s/dt=%s/%s/%s/%s.json", strings.Trim(prefix, "/"), t.Format("2006-01-02"), t.Format("15"),
		safeKeyPart(name), safeKeyPart(id))
}

// safeKeyPart keeps a key segment from adding levels or walking up.
func safeKeyPart(s string) string {
	s = strings.ReplaceAll(s, "/", "_")
	if s == "." || s == ".." || s == "" {
		return "_"
	}
	return s
}
