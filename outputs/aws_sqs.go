package outputs

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/streamalert-go/streamalert/engine"
)

// sqsOutput sends the alert JSON as one SQS message. Settings: queue_url or
// queue_name (looked up once with GetQueueUrl), region, endpoint_url. On a
// FIFO queue the group is the rule name and the deduplication id the alert
// id, so a retried send is not delivered twice.
type sqsOutput struct {
	*builder
	queueURL, queueName string
	client              lazy[*sqs.Client]
	url                 lazy[string]
}

func newSQS(b *builder) Output {
	o := &sqsOutput{builder: b, queueURL: b.set.str("queue_url", false, ""), queueName: b.set.str("queue_name", false, "")}
	if (o.queueURL == "") == (o.queueName == "") {
		b.set.errorf("", "set exactly one of queue_url and queue_name")
	}
	buildAWS(b, &o.client, func(cfg aws.Config, endpoint *string) *sqs.Client {
		return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = endpoint })
	})
	o.url.build = func(ctx context.Context) (string, error) {
		if o.queueURL != "" {
			return o.queueURL, nil
		}
		c, err := o.client.get(ctx)
		if err != nil {
			return "", err
		}
		out, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(o.queueName)})
		if err != nil {
			return "", fmt.Errorf("%s: sqs GetQueueUrl %s: %w", o.name, o.queueName, err)
		}
		return aws.ToString(out.QueueUrl), nil
	}
	return o
}

func (o *sqsOutput) Send(ctx context.Context, a engine.Alert) error {
	c, err := o.client.get(ctx)
	if err != nil {
		return err
	}
	u, err := o.url.get(ctx)
	if err != nil {
		return err
	}
	body, err := alertJSON(a)
	if err != nil {
		return err
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String(string(body))}
	if strings.HasSuffix(u, ".fifo") {
		in.MessageGroupId = aws.String(firstNonEmpty(a.RuleName, "streamalert"))
		in.MessageDeduplicationId = aws.String(truncate(a.ID, 128))
	}
	if _, err := c.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("%s: sqs SendMessage: %w", o.name, err)
	}
	return nil
}
