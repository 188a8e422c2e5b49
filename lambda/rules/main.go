// Command bootstrap is the rules function (provided.al2023 runtime): it
// classifies the records of Kinesis, S3, SNS and SQS events, evaluates the
// rules loaded from RULES_BUCKET/RULES_PREFIX, and queues alerts on
// ALERTS_QUEUE_URL. Build with `make package` (-tags lambda.norpc). The
// environment is documented in lambda/internal/rulesfn.FromEnv and the README.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/streamalert-go/streamalert/engine/gcpolicy"
	"github.com/streamalert-go/streamalert/lambda/internal/rulesfn"
)

func main() {
	gcpolicy.Apply(os.Getenv)
	f, err := rulesfn.FromEnv(context.Background(), os.Getenv, os.Stderr, os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, `{"level":"ERROR","function":"rules","msg":"cold start failed","error":%q}`+"\n", err.Error())
		os.Exit(1)
	}
	gcpolicy.AfterLoad(os.Getenv)
	lambda.Start(f.Handle)
}
