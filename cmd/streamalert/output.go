package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/outputs"
)

const outputUsage = `usage: streamalert output test SERVICE:DESCRIPTOR [--config FILE] [--format text|json] [--timeout D] [--attempts N]

Sends a clearly marked test alert (rule streamalert_output_test) to one
declared output and prints the result. Exit 0 delivered, 1 delivery failed,
2 usage or configuration error.
`

// runOutput implements `streamalert output ...`; args are the words after
// "output". Secrets never appear in what it prints: errors are redacted.
func runOutput(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "test" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, outputUsage)
			return 0
		}
		fmt.Fprint(stderr, outputUsage)
		return 2
	}
	fs := flag.NewFlagSet("streamalert output test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "streamalert.yaml", "configuration `FILE` declaring the outputs")
	format := fs.String("format", "text", "result `FORMAT`: text or json")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each attempt")
	attempts := fs.Int("attempts", 3, "delivery attempts, with backoff between them")
	cmd := &cli.Command{Name: "streamalert output test", Usage: outputUsage, Flags: fs}
	// Flags may come before or after the output name.
	names, exit, ok := cmd.Parse(args[1:], stdout, stderr)
	if !ok {
		return exit
	}
	if len(names) != 1 || !strings.Contains(names[0], ":") {
		fmt.Fprintf(stderr, "streamalert output test: want exactly one SERVICE:DESCRIPTOR, got %q\n%s", names, outputUsage)
		return 2
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "streamalert output test: --format must be text or json, got %q\n", *format)
		return 2
	}
	if *attempts < 1 || *timeout <= 0 {
		fmt.Fprintln(stderr, "streamalert output test: --attempts must be at least 1 and --timeout positive")
		return 2
	}
	name := names[0]

	data, err := os.ReadFile(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert output test: %v\n", err)
		return 2
	}
	cfg, diags := config.Load(data, *configPath)
	if diags.HasErrors() {
		diags.Errors().WriteText(stderr)
		return 2
	}
	oc, ok := cfg.Outputs[name]
	if !ok {
		fmt.Fprintf(stderr, "streamalert output test: %s is not declared in %s (declared: %s)\n",
			name, *configPath, strings.Join(cfg.OutputNames(), ", "))
		return 2
	}
	// Build only the output under test, so a problem elsewhere in the file
	// does not stop the check of this one.
	one := *cfg
	one.Outputs = map[string]config.Output{name: oc}
	d, err := outputs.New(ctx, &one, outputs.Options{
		Stdout: stdout,
		Retry:  outputs.RetryPolicy{MaxAttempts: *attempts, Timeout: *timeout, BaseDelay: 500 * time.Millisecond, MaxDelay: 5 * time.Second},
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	// A secret that cannot be resolved is a configuration error (2), said
	// before anything is sent, not a failed delivery.
	if err := checkSecrets(ctx, d, &one); err != nil {
		fmt.Fprintf(stderr, "streamalert output test: %v\n", err)
		return 2
	}

	alert := outputs.TestAlert(name, time.Now())
	r := d.Deliver(ctx, name, alert)
	errText := ""
	if r.Err != nil {
		errText = d.Secrets().Redact(r.Err.Error())
	}
	if *format == "json" {
		json.NewEncoder(stdout).Encode(struct {
			Output   string `json:"output"`
			OK       bool   `json:"ok"`
			AlertID  string `json:"alert_id"`
			Attempts int    `json:"attempts"`
			Error    string `json:"error,omitempty"`
		}{name, r.Err == nil, alert.ID, r.Attempts, errText})
	} else if r.Err == nil {
		fmt.Fprintf(stdout, "ok   %s: test alert %s delivered (%s)\n", name, alert.ID, plural(r.Attempts, "attempt"))
	} else {
		// The error already names the output and, after retries, the attempts.
		fmt.Fprintf(stdout, "FAIL %s\n", errText)
	}
	if r.Err != nil {
		return 1
	}
	return 0
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
