// Package awstest points the AWS SDK at the local servers .ci/aws/up.sh
// starts (through the standard AWS_ENDPOINT_URL_* variables, as the real
// binaries are pointed at them) and creates uniquely named buckets, queues
// and tables for one test.
package awstest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/streamalert-go/streamalert/engine/testenv"
	"github.com/streamalert-go/streamalert/lambda/awsclient"
)

// Env is the environment a process needs to reach the local servers.
type Env map[string]string

// List returns the environment as KEY=VALUE strings.
func (e Env) List() []string {
	var out []string
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	return out
}

// Setup sets the SDK's environment for the local servers in t (t.Setenv)
// and returns it, for child processes. withDynamoDB also needs the DynamoDB
// server.
func Setup(t testing.TB, withDynamoDB bool) Env {
	t.Helper()
	aws := testenv.AWSEndpoint(t)
	env := Env{
		"AWS_REGION":                "us-east-1",
		"AWS_ACCESS_KEY_ID":         "test",
		"AWS_SECRET_ACCESS_KEY":     "testtesttest",
		"AWS_ENDPOINT_URL_S3":       aws,
		"AWS_ENDPOINT_URL_SQS":      aws,
		"AWS_ENDPOINT_URL_SNS":      aws,
		"AWS_EC2_METADATA_DISABLED": "true",
	}
	if withDynamoDB {
		env["AWS_ENDPOINT_URL_DYNAMODB"] = testenv.DynamoDBEndpoint(t)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	return env
}

var seq atomic.Int64

// Name returns a name unique to this process and call, valid for buckets,
// queues and tables.
func Name(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, seq.Add(1))
}

func config(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := awsclient.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Bucket creates a bucket and returns its name and an S3 client.
func Bucket(t testing.TB) (string, *s3.Client) {
	t.Helper()
	c := awsclient.S3(config(t))
	name := Name("b")
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return name, c
}

// Queue creates an SQS queue and returns its URL and a client.
// visibility is the queue's visibility timeout.
func Queue(t testing.TB, visibility time.Duration) (string, *sqs.Client) {
	t.Helper()
	c := awsclient.SQS(config(t))
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(Name("q")),
		Attributes: map[string]string{"VisibilityTimeout": fmt.Sprint(int(visibility.Seconds()))}})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	return aws.ToString(out.QueueUrl), c
}

// StateTable creates an alert state table (pk, sk) and returns its name
// and a client.
func StateTable(t testing.TB) (string, *dynamodb.Client) {
	t.Helper()
	c := awsclient.DynamoDB(config(t))
	name := Name("state")
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 50 * time.Millisecond })
	if err := w.Wait(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatalf("table %s not active: %v", name, err)
	}
	return name, c
}

// Drain receives every message visible on the queue (up to max), deleting
// them when del is set, waiting up to wait for the first.
func Drain(t testing.TB, c *sqs.Client, url string, max int, wait time.Duration, del bool) []string {
	t.Helper()
	ctx := context.Background()
	var bodies []string
	deadline := time.Now().Add(wait)
	for len(bodies) < max {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		if len(out.Messages) == 0 {
			if len(bodies) > 0 || time.Now().After(deadline) {
				break
			}
			continue
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
			if del {
				if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
					t.Fatalf("delete: %v", err)
				}
			}
		}
	}
	return bodies
}

// Put writes an object.
func Put(t testing.TB, c *s3.Client, bucket, key string, body []byte) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(string(body))}); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}
