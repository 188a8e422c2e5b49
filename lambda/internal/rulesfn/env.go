package rulesfn

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/lambda/awsclient"
	"github.com/streamalert-go/streamalert/lambda/dynamostate"
	"github.com/streamalert-go/streamalert/lambda/rulestore"
)

// FromEnv builds the function from its environment (DESIGN.md, "AWS
// topology"): RULES_BUCKET (required), RULES_PREFIX, RULES_REFRESH (a Go
// duration, default 60s), ALERTS_QUEUE_URL (required), and either
// DEAD_LETTER_QUEUE_URL or DEAD_LETTER_BUCKET (+ DEAD_LETTER_PREFIX), and
// ALERTS_STATE_TABLE (optional: thresholds, dedup periods and merge groups
// shared by every instance; without it each instance counts on its own and
// merges within each item). Logs
// (JSON) go to logs, EMF metrics to metrics. A missing or bad variable is an
// error: the function refuses to start rather than drop anything.
func FromEnv(ctx context.Context, getenv func(string) string, logs, metrics io.Writer) (*Function, error) {
	log := slog.New(slog.NewJSONHandler(logs, nil)).With("function", "rules")
	bucket := getenv("RULES_BUCKET")
	if bucket == "" {
		return nil, fmt.Errorf("RULES_BUCKET is not set")
	}
	queue := getenv("ALERTS_QUEUE_URL")
	if queue == "" {
		return nil, fmt.Errorf("ALERTS_QUEUE_URL is not set")
	}
	refresh := 60 * time.Second
	if v := getenv("RULES_REFRESH"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("RULES_REFRESH=%q: want a positive Go duration such as 60s", v)
		}
		refresh = d
	}
	dlq, dlb := getenv("DEAD_LETTER_QUEUE_URL"), getenv("DEAD_LETTER_BUCKET")
	if (dlq == "") == (dlb == "") {
		return nil, fmt.Errorf("set exactly one of DEAD_LETTER_QUEUE_URL and DEAD_LETTER_BUCKET: records no rule could judge are kept there")
	}
	cfg, err := awsclient.Load(ctx)
	if err != nil {
		return nil, err
	}
	s3c, sqsc := awsclient.S3(cfg), awsclient.SQS(cfg)
	var dead DeadLetters
	if dlq != "" {
		dead = &SQSDeadLetters{Client: sqsc, QueueURL: dlq}
	} else {
		dead = &S3DeadLetters{Client: s3c, Bucket: dlb, Prefix: getenv("DEAD_LETTER_PREFIX")}
	}
	var limiter engine.Limiter
	var merges MergeState
	var staged StagedCounter
	if table := getenv("ALERTS_STATE_TABLE"); table != "" {
		ddb := awsclient.DynamoDB(cfg)
		limiter = &dynamostate.Limiter{Client: ddb, Table: table}
		merges = &dynamostate.Merges{Client: ddb, Table: table}
		staged = &dynamostate.StagedCounts{Client: ddb, Table: table}
	} else {
		log.Warn("ALERTS_STATE_TABLE is not set: thresholds and dedup periods are counted per instance, and alerts are merged within each item")
	}
	store := &rulestore.S3{Client: s3c, Bucket: bucket, Prefix: getenv("RULES_PREFIX")}
	return New(ctx, Options{
		Store:      store,
		Location:   store.Location(),
		Refresh:    refresh,
		Alerts:     &SQSAlerts{Client: sqsc, QueueURL: queue, Oversize: dead},
		DeadLetter: dead,
		Objects:    &S3Objects{Client: s3c},
		Limiter:    limiter,
		Merges:     merges,
		Staged:     staged,
		Log:        log,
		Metrics:    metrics,
	})
}
