// Command echo is a Lambda function written against the Runtime API with the
// standard library only, for testenv's own test of StartLambda: it answers
// each event with {"event": EVENT, "env": $ECHO_ENV, "count": N} and logs
// one line per invocation on stderr.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	for n := 1; ; n++ {
		resp, err := http.Get(api + "next")
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo:", err)
			os.Exit(1)
		}
		event, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo:", err)
			os.Exit(1)
		}
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		fmt.Fprintf(os.Stderr, "echo: invocation %d, %d bytes\n", n, len(event))
		out, _ := json.Marshal(map[string]any{"event": json.RawMessage(event), "env": os.Getenv("ECHO_ENV"), "count": n})
		r, err := http.Post(api+id+"/response", "application/json", bytes.NewReader(out))
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo:", err)
			os.Exit(1)
		}
		r.Body.Close()
	}
}
