package alertsfn

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/streamalert-go/streamalert/lambda/awsclient"
	"github.com/streamalert-go/streamalert/lambda/rulestore"
)

// FromEnv builds the function from its environment: ALERTS_STATE_TABLE
// (required), RULES_BUCKET (required) and RULES_PREFIX, where
// streamalert.yaml declares the outputs. Logs (JSON) go to logs, EMF metrics
// to metrics.
func FromEnv(ctx context.Context, getenv func(string) string, logs, metrics io.Writer) (*Function, error) {
	log := slog.New(slog.NewJSONHandler(logs, nil)).With("function", "alerts")
	table := getenv("ALERTS_STATE_TABLE")
	if table == "" {
		return nil, fmt.Errorf("ALERTS_STATE_TABLE is not set")
	}
	bucket := getenv("RULES_BUCKET")
	if bucket == "" {
		return nil, fmt.Errorf("RULES_BUCKET is not set")
	}
	cfg, err := awsclient.Load(ctx)
	if err != nil {
		return nil, err
	}
	key := rulestore.ConfigFile
	if p := strings.Trim(getenv("RULES_PREFIX"), "/"); p != "" {
		key = p + "/" + key
	}
	return New(ctx, Options{
		State:   &DynamoDBState{Client: awsclient.DynamoDB(cfg), Table: table},
		Config:  &S3Config{Client: awsclient.S3(cfg), Bucket: bucket, Key: key},
		Log:     log,
		Metrics: metrics,
	})
}
