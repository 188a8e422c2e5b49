// Command bootstrap is the alerts function (provided.al2023 runtime):
// triggered by the alerts queue, it delivers each alert to its outputs,
// recording per-output deliveries in ALERTS_STATE_TABLE so a retried alert
// is never sent twice to an output that accepted it. Build with
// `make package` (-tags lambda.norpc). The environment is documented in
// lambda/internal/alertsfn.FromEnv and the README.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/streamalert-go/streamalert/lambda/internal/alertsfn"
)

func main() {
	f, err := alertsfn.FromEnv(context.Background(), os.Getenv, os.Stderr, os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, `{"level":"ERROR","function":"alerts","msg":"cold start failed","error":%q}`+"\n", err.Error())
		os.Exit(1)
	}
	lambda.Start(f.Handle)
}
