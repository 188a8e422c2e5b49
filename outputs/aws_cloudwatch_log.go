package outputs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/streamalert-go/streamalert/engine"
)

// cloudWatchLogOutput writes the alert JSON as one log event (timestamped
// now: CloudWatch rejects events far in the past). Settings: log_group,
// log_stream (both must exist), region, endpoint_url.
type cloudWatchLogOutput struct {
	*builder
	group, stream string
	client        lazy[*cloudwatchlogs.Client]
}

func newCloudWatchLog(b *builder) Output {
	o := &cloudWatchLogOutput{builder: b, group: b.set.str("log_group", true, ""), stream: b.set.str("log_stream", true, "")}
	buildAWS(b, &o.client, func(cfg aws.Config, endpoint *string) *cloudwatchlogs.Client {
		return cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = endpoint })
	})
	return o
}

func (o *cloudWatchLogOutput) Send(ctx context.Context, a engine.Alert) error {
	c, err := o.client.get(ctx)
	if err != nil {
		return err
	}
	body, err := alertJSON(a)
	if err != nil {
		return err
	}
	_, err = c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{
		LogGroupName: aws.String(o.group), LogStreamName: aws.String(o.stream),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(o.now().UnixMilli()), Message: aws.String(string(body))}},
	})
	if err != nil {
		return fmt.Errorf("%s: cloudwatch logs PutLogEvents: %w", o.name, err)
	}
	return nil
}
