package outputs

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/streamalert-go/streamalert/engine"
)

// snsOutput publishes the alert JSON to an SNS topic. Settings: topic_arn,
// region, endpoint_url.
type snsOutput struct {
	*builder
	topic  string
	client lazy[*sns.Client]
}

func newSNS(b *builder) Output {
	o := &snsOutput{builder: b, topic: b.set.str("topic_arn", true, "")}
	if o.topic != "" && !strings.HasPrefix(o.topic, "arn:") {
		b.set.errorf("topic_arn", "must be a topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got %q", o.topic)
	}
	buildAWS(b, &o.client, func(cfg aws.Config, endpoint *string) *sns.Client {
		return sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = endpoint })
	})
	return o
}

// snsSubject makes an SNS subject: printable ASCII, at most 100 characters.
func snsSubject(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x20 && r < 0x7f {
			b.WriteRune(r)
		}
		if b.Len() == 100 {
			break
		}
	}
	return strings.TrimSpace(b.String())
}

func (o *snsOutput) Send(ctx context.Context, a engine.Alert) error {
	c, err := o.client.get(ctx)
	if err != nil {
		return err
	}
	body, err := alertJSON(a)
	if err != nil {
		return err
	}
	in := &sns.PublishInput{TopicArn: aws.String(o.topic), Message: aws.String(string(body))}
	if s := snsSubject(summary(a)); s != "" {
		in.Subject = aws.String(s)
	}
	if _, err := c.Publish(ctx, in); err != nil {
		return fmt.Errorf("%s: sns Publish: %w", o.name, err)
	}
	return nil
}
