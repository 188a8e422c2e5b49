package outputs

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/testenv"
)

// awsEndpoint returns the local AWS server started by .ci/aws/up.sh.
func awsEndpoint(t *testing.T) string {
	t.Helper()
	return testenv.AWSEndpoint(t)
}

type awsClients struct {
	sqs *sqs.Client
	sns *sns.Client
	s3  *s3.Client
}

func localClients(t *testing.T, endpoint string) awsClients {
	t.Helper()
	cfg, err := testAWSConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return awsClients{
		sqs: sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		sns: sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}),
	}
}

// uniqueName keeps parallel or repeated runs against one server apart.
func uniqueName(t *testing.T, base string) string {
	return base + "-" + strings.ReplaceAll(engine.NewAlertID()[:8], "-", "")
}

func createQueue(t *testing.T, c awsClients, name string) string {
	t.Helper()
	out, err := c.sqs.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	return aws.ToString(out.QueueUrl)
}

func receiveOne(t *testing.T, c awsClients, queueURL string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, err := c.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		if len(out.Messages) > 1 {
			t.Fatalf("got %d messages, want 1", len(out.Messages))
		}
		if len(out.Messages) == 1 {
			return aws.ToString(out.Messages[0].Body)
		}
	}
	t.Fatal("no message arrived")
	return ""
}

func checkAlertJSON(t *testing.T, body string, want engine.Alert) {
	t.Helper()
	var got engine.Alert
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body is not an alert: %v\n%s", err, body)
	}
	if got.ID != want.ID || got.RuleName != want.RuleName || got.Record["hostIdentifier"] != "h1" {
		t.Errorf("alert = %+v", got)
	}
}

func TestSQSOutputLocal(t *testing.T) {
	ep := awsEndpoint(t)
	c := localClients(t, ep)
	name := uniqueName(t, "alerts")
	qurl := createQueue(t, c, name)
	d, _ := newDispatcher(t, yamlOf("outputs:", "  aws-sqs:", "    q: {queue_name: "+name+", endpoint_url: "+ep+", region: us-east-1}"), Options{})
	a := sampleAlert("aws-sqs:q")
	if _, err := d.Dispatch(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	checkAlertJSON(t, receiveOne(t, c, qurl), a)

	// A missing queue is a 4xx from the service: not retried, dead-lettered.
	d2, _ := newDispatcher(t, yamlOf("outputs:", "  aws-sqs:", "    q: {queue_name: no-such-queue-x, endpoint_url: "+ep+"}"), Options{})
	r := d2.Deliver(context.Background(), "aws-sqs:q", a)
	if r.Err == nil || r.Attempts != 1 {
		t.Errorf("missing queue: %+v", r)
	}
}

func TestSNSOutputLocal(t *testing.T) {
	ep := awsEndpoint(t)
	c := localClients(t, ep)
	ctx := context.Background()
	topic, err := c.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(uniqueName(t, "alerts"))})
	if err != nil {
		t.Fatal(err)
	}
	qname := uniqueName(t, "sub")
	qurl := createQueue(t, c, qname)
	attrs, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(qurl), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(attrs.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}
	d, _ := newDispatcher(t, yamlOf("outputs:", "  aws-sns:", "    t: {topic_arn: '"+aws.ToString(topic.TopicArn)+"', endpoint_url: "+ep+"}"), Options{})
	a := sampleAlert("aws-sns:t")
	if _, err := d.Dispatch(ctx, a); err != nil {
		t.Fatal(err)
	}
	var env struct{ Type, Message, Subject, TopicArn string }
	if err := json.Unmarshal([]byte(receiveOne(t, c, qurl)), &env); err != nil {
		t.Fatal(err)
	}
	wantEq(t, "envelope type", env.Type, "Notification")
	wantEq(t, "subject", env.Subject, "[HIGH] osquery_invalid_user: Catch unauthorized user logins")
	checkAlertJSON(t, env.Message, a)
}

func TestS3OutputAndDeadLettersLocal(t *testing.T) {
	ep := awsEndpoint(t)
	c := localClients(t, ep)
	ctx := context.Background()
	bucket := uniqueName(t, "alerts")
	if _, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	d, _ := newDispatcher(t, yamlOf("outputs:", "  aws-s3:", "    b: {bucket: "+bucket+", endpoint_url: "+ep+"}"), Options{})
	a := sampleAlert("aws-s3:b")
	if _, err := d.Dispatch(ctx, a); err != nil {
		t.Fatal(err)
	}
	key := "alerts/dt=2024-05-06/07/osquery_invalid_user/" + a.ID + ".json"
	wantEq(t, "S3Key", S3Key("alerts", a), key)
	obj, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	body, _ := io.ReadAll(obj.Body)
	checkAlertJSON(t, string(body), a)
	wantEq(t, "content type", aws.ToString(obj.ContentType), "application/json")

	// Dead letters to S3 and SQS, from a failing webhook.
	bad := newRecorder(t, step{status: 400, body: "nope"})
	qurl := createQueue(t, c, uniqueName(t, "dlq"))
	for name, dl := range map[string]DeadLetter{
		"s3":  &S3DeadLetter{Client: c.s3, Bucket: bucket, Prefix: "dead"},
		"sqs": &SQSDeadLetter{Client: c.sqs, QueueURL: qurl},
	} {
		t.Run("dead letter "+name, func(t *testing.T) {
			now := time.Date(2024, 5, 6, 23, 0, 0, 0, time.UTC)
			d, _ := newDispatcher(t, yamlOf("outputs:", "  webhook:", "    w: {url: "+bad.URL+"}"),
				Options{DeadLetter: dl, Now: func() time.Time { return now }})
			res, err := d.Dispatch(ctx, sampleAlert("webhook:w"))
			if err != nil || !res[0].DeadLettered {
				t.Fatalf("Dispatch = %+v, %v", res, err)
			}
			var raw string
			if name == "sqs" {
				raw = receiveOne(t, c, qurl)
			} else {
				k := "dead/dt=2024-05-06/23/webhook:w/" + a.ID + ".json"
				obj, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
				if err != nil {
					t.Fatalf("GetObject %s: %v", k, err)
				}
				b, _ := io.ReadAll(obj.Body)
				raw = string(b)
			}
			var l Letter
			if err := json.Unmarshal([]byte(raw), &l); err != nil {
				t.Fatal(err)
			}
			wantEq(t, "output", l.Output, "webhook:w")
			wantEq(t, "alert", l.Alert.ID, a.ID)
			if !strings.Contains(l.Error, "HTTP 400") || l.Attempts != 1 {
				t.Errorf("letter = %+v", l)
			}
		})
	}
}
