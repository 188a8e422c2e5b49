package alertsfn

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/streamalert-go/streamalert/lambda/awsclient"
	"github.com/streamalert-go/streamalert/lambda/dynamostate"
	"github.com/streamalert-go/streamalert/lambda/internal/rulesfn"
	"github.com/streamalert-go/streamalert/lambda/rulestore"
)

// FromEnv builds the function from its environment: ALERTS_STATE_TABLE
// (required), RULES_BUCKET (required) and RULES_PREFIX, where
// streamalert.yaml declares the outputs, and ALERTS_QUEUE_URL, where the
// scheduled flush puts merge summaries. Logs (JSON) go to logs, EMF metrics
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
	ddb := awsclient.DynamoDB(cfg)
	var queue AlertQueue
	if url := getenv("ALERTS_QUEUE_URL"); url != "" {
		queue = &rulesfn.SQSAlerts{Client: awsclient.SQS(cfg), QueueURL: url}
	} else {
		log.Warn("ALERTS_QUEUE_URL is not set: the scheduled flush of merge summaries is refused")
	}
	return New(ctx, Options{
		State:   &DynamoDBState{Client: ddb, Table: table},
		Merges:  &dynamostate.Merges{Client: ddb, Table: table},
		Queue:   queue,
		Config:  &S3Config{Client: awsclient.S3(cfg), Bucket: bucket, Key: key},
		Log:     log,
		Metrics: metrics,
	})
}
