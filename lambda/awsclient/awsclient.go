// Package awsclient builds the AWS SDK clients the Lambda functions and
// `streamalert rules push` use, from the standard environment: region,
// credentials, and the SDK's AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>
// endpoint variables (which is how tests point the real binaries at local
// servers — there is no test-only code path).
package awsclient

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Load returns the AWS configuration from the environment. Checksums are
// computed and validated only where the API requires them, which every
// S3-compatible server accepts.
func Load(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithHTTPClient(awshttp.NewBuildableClient()),
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("aws configuration: no region (set AWS_REGION)")
	}
	return cfg, nil
}

// customS3Endpoint reports whether S3 requests go to an endpoint set in the
// environment rather than AWS's.
func customS3Endpoint() bool {
	return os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
}

// S3 returns an S3 client. Against an endpoint set in the environment
// (MinIO, a local server) it addresses buckets by path, as those servers
// expect; against AWS, by virtual host.
func S3(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = customS3Endpoint() })
}

// SQS returns an SQS client.
func SQS(cfg aws.Config) *sqs.Client { return sqs.NewFromConfig(cfg) }

// DynamoDB returns a DynamoDB client.
func DynamoDB(cfg aws.Config) *dynamodb.Client { return dynamodb.NewFromConfig(cfg) }
