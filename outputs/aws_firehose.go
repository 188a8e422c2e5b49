package outputs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/streamalert-go/streamalert/engine"
)

// firehoseOutput puts the alert JSON, newline-terminated (so the objects
// Firehose writes are JSON lines), as one record. Settings:
// delivery_stream, region, endpoint_url.
type firehoseOutput struct {
	*builder
	stream string
	client lazy[*firehose.Client]
}

func newFirehose(b *builder) Output {
	o := &firehoseOutput{builder: b, stream: b.set.str("delivery_stream", true, "")}
	buildAWS(b, &o.client, func(cfg aws.Config, endpoint *string) *firehose.Client {
		return firehose.NewFromConfig(cfg, func(o *firehose.Options) { o.BaseEndpoint = endpoint })
	})
	return o
}

func (o *firehoseOutput) Send(ctx context.Context, a engine.Alert) error {
	c, err := o.client.get(ctx)
	if err != nil {
		return err
	}
	body, err := alertJSON(a)
	if err != nil {
		return err
	}
	_, err = c.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String(o.stream),
		Record: &types.Record{Data: append(body, '\n')}})
	if err != nil {
		return fmt.Errorf("%s: firehose PutRecord: %w", o.name, err)
	}
	return nil
}
