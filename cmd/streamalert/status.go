package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"
	"time"

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine/bundle"
	"github.com/streamalert-go/streamalert/lambda/awsclient"
	"github.com/streamalert-go/streamalert/lambda/dynamostate"
	"github.com/streamalert-go/streamalert/lambda/rulestore"
)

// runRulesStatus is `streamalert rules status`.
func runRulesStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("streamalert rules status", flag.ContinueOnError)
	fset.SetOutput(stderr)
	rulesDir := fset.String("rules", "", "rules `DIR` (default: the embedded rules, or the bucket with --bucket)")
	bucket := fset.String("bucket", "", "rules `BUCKET` to read instead of a folder")
	prefix := fset.String("prefix", "", "`FOLDER` in the bucket (RULES_PREFIX)")
	table := fset.String("state-table", "", "alert state `TABLE` (ALERTS_STATE_TABLE) holding the staged rules' daily alert counts")
	days := fset.Int("days", 7, "count alerts over the last `N` days (UTC, today included)")
	cmd := &cli.Command{Name: "streamalert rules status", Usage: rulesUsage, Flags: fset}
	rest, exit, ok := cmd.Parse(args, stdout, stderr)
	if !ok {
		return exit
	}
	if len(rest) > 0 {
		return cmd.Fail(stderr, fmt.Sprintf("unexpected argument %q", rest[0]))
	}
	if *bucket != "" && *rulesDir != "" {
		return cmd.Fail(stderr, "give --rules or --bucket, not both")
	}
	if *days < 1 {
		return cmd.Fail(stderr, "--days must be at least 1")
	}
	opts := bundle.Options{Rules: tree(*rulesDir)}
	where := "rules.d (embedded)"
	if *rulesDir != "" {
		if st, err := os.Stat(*rulesDir); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "streamalert rules status: --rules %s: not a folder\n", *rulesDir)
			return 2
		}
		where = *rulesDir
	}
	var awsNeeded = *bucket != "" || *table != ""
	var ddb *dynamostate.StagedCounts
	if awsNeeded {
		cfg, err := awsclient.Load(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "streamalert rules status: %v\n", err)
			return 2
		}
		if *bucket != "" {
			store := &rulestore.S3{Client: awsclient.S3(cfg), Bucket: *bucket, Prefix: *prefix}
			snap, err := store.Current(ctx)
			if err != nil {
				fmt.Fprintf(stderr, "streamalert rules status: %v\n", err)
				return 2
			}
			opts.Rules = bundle.Tree{FS: snap.Rules, Prefix: snap.Location + rulestore.RulesDir + "/"}
			if snap.Schemas != nil {
				opts.Schemas = bundle.Tree{FS: snap.Schemas, Prefix: snap.Location + rulestore.SchemasDir + "/"}
			}
			where = snap.Location + rulestore.RulesDir
			if n, _ := fs.Glob(snap.Rules, "*"); len(n) == 0 {
				fmt.Fprintf(stderr, "streamalert rules status: no rule files under %s\n", where)
				return 1
			}
		}
		if *table != "" {
			ddb = &dynamostate.StagedCounts{Client: awsclient.DynamoDB(cfg), Table: *table}
		}
	}
	b, diags := bundle.Load(opts)
	if b == nil {
		diags.WriteText(stderr)
		fmt.Fprintf(stderr, "streamalert rules status: the rules of %s do not load\n", where)
		return 1
	}
	until := time.Now().UTC()
	since := until.Add(-time.Duration(*days-1) * 24 * time.Hour)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	header := "RULE\tFILE\tLOG TYPES"
	if ddb != nil {
		header += fmt.Sprintf("\tALERTS (%s..%s)", since.Format(time.DateOnly), until.Format(time.DateOnly))
	}
	staged := 0
	for _, r := range b.Rules.Rules() {
		if !r.Staged {
			continue
		}
		if staged == 0 {
			fmt.Fprintln(tw, header)
		}
		staged++
		line := fmt.Sprintf("%s\t%s\t%v", r.Name, r.File, r.LogTypes)
		if ddb != nil {
			n, err := ddb.Count(ctx, r.Name, since, until)
			if err != nil {
				fmt.Fprintf(stderr, "streamalert rules status: %v\n", err)
				return 2
			}
			line += fmt.Sprintf("\t%d", n)
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	fmt.Fprintf(stderr, "streamalert rules status: %s: %d rules, %d staged\n", where, len(b.Rules.Rules()), staged)
	return 0
}
