package outputs

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/streamalert-go/streamalert/engine"
)

// s3Output writes one JSON object per alert at
// PREFIX/dt=YYYY-MM-DD/HH/RULE/ID.json (UTC, from the alert's created time;
// prefix default "alerts"). Rewriting the same key on a retry is harmless.
// Settings: bucket, prefix, region, endpoint_url (path-style addressing is
// used with an endpoint_url, as local servers need).
type s3Output struct {
	*builder
	bucket, prefix string
	client         lazy[*s3.Client]
}

func newS3(b *builder) Output {
	o := &s3Output{builder: b, bucket: b.set.str("bucket", true, ""), prefix: b.set.str("prefix", false, "alerts")}
	buildAWS(b, &o.client, func(cfg aws.Config, endpoint *string) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = endpoint
			o.UsePathStyle = endpoint != nil // local S3 servers have no bucket subdomains
		})
	})
	return o
}

// S3Key returns the object key an alert is written to under prefix.
func S3Key(prefix string, a engine.Alert) string {
	return partitionedKey(prefix, a.Created, a.RuleName, a.ID)
}

func (o *s3Output) Send(ctx context.Context, a engine.Alert) error {
	c, err := o.client.get(ctx)
	if err != nil {
		return err
	}
	body, err := alertJSON(a)
	if err != nil {
		return err
	}
	if a.Created.IsZero() {
		a.Created = o.now()
	}
	key := S3Key(o.prefix, a)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key),
		Body: bytes.NewReader(body), ContentType: aws.String("application/json")})
	if err != nil {
		return fmt.Errorf("%s: s3 PutObject %s: %w", o.name, key, err)
	}
	return nil
}
