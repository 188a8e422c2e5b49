package outputs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/streamalert-go/streamalert/engine"
)

// lambdaOutput invokes a Lambda function with the alert JSON as the event.
// Settings: function_name (name, ARN, or "name:qualifier" as StreamAlert
// wrote it), qualifier, invocation_type (Event, the default: asynchronous;
// RequestResponse: wait, and a function error fails the delivery), region,
// endpoint_url.
type lambdaOutput struct {
	*builder
	function, qualifier, invocation string
	client                          lazy[*lambda.Client]
}

func newLambda(b *builder) Output {
	o := &lambdaOutput{builder: b,
		function:   b.set.str("function_name", true, ""),
		qualifier:  b.set.str("qualifier", false, ""),
		invocation: b.set.oneOf("invocation_type", "Event", "Event", "RequestResponse"),
	}
	buildAWS(b, &o.client, func(cfg aws.Config, endpoint *string) *lambda.Client {
		return lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = endpoint })
	})
	return o
}

func (o *lambdaOutput) Send(ctx context.Context, a engine.Alert) error {
	c, err := o.client.get(ctx)
	if err != nil {
		return err
	}
	body, err := alertJSON(a)
	if err != nil {
		return err
	}
	in := &lambda.InvokeInput{FunctionName: aws.String(o.function), Payload: body,
		InvocationType: types.InvocationType(o.invocation)}
	if o.qualifier != "" {
		in.Qualifier = aws.String(o.qualifier)
	}
	out, err := c.Invoke(ctx, in)
	if err != nil {
		return fmt.Errorf("%s: lambda Invoke: %w", o.name, err)
	}
	if out.FunctionError != nil {
		return fmt.Errorf("%s: lambda function error %s: %s", o.name, aws.ToString(out.FunctionError), excerpt(out.Payload, maxErrorBody))
	}
	return nil
}
