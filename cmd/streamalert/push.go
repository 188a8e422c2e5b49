package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine/bundle"
	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/lambda/awsclient"
	"github.com/streamalert-go/streamalert/lambda/rulestore"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
)

const rulesUsage = `usage:
  streamalert rules push --bucket B [--prefix P] [--rules DIR] [--schemas DIR] [--config FILE] [--dry-run]
  streamalert rules status [--rules DIR | --bucket B [--prefix P]] [--state-table T] [--days N]

Checks the rules exactly as ruleck lint and ruleck test do, then makes
s3://B/P/ hold them: rules.d/ (default: the embedded rules), schemas/ (from
--schemas; without it, the schemas already in the bucket are kept and checked
against, else the embedded ones serve), streamalert.yaml (from --config; without
it, the one in the bucket is kept and checked against). Only changed files are
uploaded; files no longer present are deleted. The AWS SDK's environment
(AWS_REGION, credentials, AWS_ENDPOINT_URL_S3) applies.
Exit 0 pushed (or nothing to do), 1 the rules have problems (nothing uploaded),
2 usage or I/O error.

status lists the staged rules (staged: true) of a rules folder, the embedded
rules, or the bucket, with, given the alert state table, how many alerts each
sent to the staging outputs over the last --days days (default 7): what it
would have paged. Promote a rule by deleting its staged: true line.
`

// runRules is `streamalert rules SUBCOMMAND`.
func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "status" {
		return runRulesStatus(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "push" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, rulesUsage)
			return 0
		}
		fmt.Fprint(stderr, rulesUsage)
		return 2
	}
	fset := flag.NewFlagSet("streamalert rules push", flag.ContinueOnError)
	fset.SetOutput(stderr)
	bucket := fset.String("bucket", "", "rules `BUCKET` (required)")
	prefix := fset.String("prefix", "", "`FOLDER` in the bucket (RULES_PREFIX)")
	rulesDir := fset.String("rules", "", "rules `DIR` (default: the embedded rules)")
	schemasDir := fset.String("schemas", "", "schemas `DIR` (default: keep the bucket's, else the embedded ones)")
	configFile := fset.String("config", "", "streamalert.yaml `FILE` to upload (default: keep the bucket's)")
	dryRun := fset.Bool("dry-run", false, "check and report what would change; upload nothing")
	cmd := &cli.Command{Name: "streamalert rules push", Usage: rulesUsage, Flags: fset}
	rest, exit, ok := cmd.Parse(args[1:], stdout, stderr)
	if !ok {
		return exit
	}
	if len(rest) > 0 {
		return cmd.Fail(stderr, fmt.Sprintf("unexpected argument %q", rest[0]))
	}
	if *bucket == "" {
		return cmd.Fail(stderr, "--bucket is required")
	}
	awsCfg, err := awsclient.Load(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert rules push: %v\n", err)
		return 2
	}
	client := awsclient.S3(awsCfg)
	store := &rulestore.S3{Client: client, Bucket: *bucket, Prefix: *prefix}
	remote, err := store.Current(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert rules push: %v\n", err)
		return 2
	}

	var files []rulestore.File
	rulesFS, rulesPrefix := fs.FS(rulesd.FS), "rules.d (embedded)/"
	if *rulesDir != "" {
		if st, err := os.Stat(*rulesDir); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "streamalert rules push: --rules %s: not a folder\n", *rulesDir)
			return 2
		}
		rulesFS, rulesPrefix = os.DirFS(*rulesDir), tree(*rulesDir).Prefix
	}
	ruleFiles, err := readTree(rulesFS, rulestore.RulesDir)
	if err != nil {
		fmt.Fprintf(stderr, "streamalert rules push: %v\n", err)
		return 2
	}
	if len(ruleFiles) == 0 {
		fmt.Fprintf(stderr, "streamalert rules push: no rule files (*.yaml) in %s: nothing to push\n", strings.TrimSuffix(rulesPrefix, "/"))
		return 1
	}
	opts := bundle.Options{Rules: bundle.Tree{FS: rulesFS, Prefix: rulesPrefix}}
	switch {
	case *schemasDir != "":
		if st, err := os.Stat(*schemasDir); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "streamalert rules push: --schemas %s: not a folder\n", *schemasDir)
			return 2
		}
		opts.Schemas = tree(*schemasDir)
		sf, err := readTree(opts.Schemas.FS, rulestore.SchemasDir)
		if err != nil {
			fmt.Fprintf(stderr, "streamalert rules push: %v\n", err)
			return 2
		}
		files = append(files, sf...)
	case remote.Schemas != nil:
		opts.Schemas = bundle.Tree{FS: remote.Schemas, Prefix: remote.Location + rulestore.SchemasDir + "/"}
		sf, _ := readTree(remote.Schemas, rulestore.SchemasDir)
		files = append(files, sf...)
		fmt.Fprintf(stderr, "streamalert rules push: checking against the schemas in %s%s/ (kept)\n", remote.Location, rulestore.SchemasDir)
	}
	var cfgData []byte
	cfgName := ""
	switch {
	case *configFile != "":
		if cfgData, err = os.ReadFile(*configFile); err != nil {
			fmt.Fprintf(stderr, "streamalert rules push: %v\n", err)
			return 2
		}
		cfgName = *configFile
	case remote.Config != nil:
		cfgData, cfgName = remote.Config, remote.Location+rulestore.ConfigFile
		fmt.Fprintf(stderr, "streamalert rules push: checking against %s (kept)\n", cfgName)
	}
	var diags diag.List
	if cfgData != nil {
		cfg, cdiags := config.Load(cfgData, cfgName)
		diags.Add(cdiags...)
		opts.Config = cfg
		files = append(files, rulestore.File{Key: rulestore.ConfigFile, Data: cfgData, Kind: rulestore.KindConfig})
	}
	b, bdiags := bundle.Load(opts)
	diags.Add(bdiags...)
	diags.Sort()
	diags.WriteText(stderr)
	if b == nil || diags.HasErrors() {
		fmt.Fprintf(stderr, "streamalert rules push: %d errors: nothing uploaded\n", len(diags.Errors()))
		return 1
	}
	failed := 0
	for _, r := range b.Rules.RunTests(b.Classifier) {
		if !r.Passed() {
			failed++
			why := fmt.Sprintf("want trigger %v, got %v", r.Expected, r.Actual)
			if r.Err != nil {
				why = r.Err.Error()
			}
			fmt.Fprintf(stderr, "FAIL %s%s %s/%s: %s\n", rulesPrefix, r.Pos, r.Rule, r.Description, why)
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "streamalert rules push: %d rule tests failed: nothing uploaded\n", failed)
		return 1
	}
	ruleNames := map[string]bool{}
	for _, r := range b.Rules.Rules() {
		ruleNames[path.Join(rulestore.RulesDir, r.File)] = true
	}
	for i := range ruleFiles {
		if !ruleNames[ruleFiles[i].Key] {
			ruleFiles[i].Kind = rulestore.KindLibrary
		}
	}
	files = append(files, ruleFiles...)
	if *dryRun {
		fmt.Fprintf(stdout, "dry run: %d files checked, %d rules, nothing uploaded to %s\n", len(files), len(b.Rules.Rules()), store.Location())
		return 0
	}
	rep, err := rulestore.Push(ctx, client, *bucket, *prefix, files)
	for _, k := range rep.Uploaded {
		fmt.Fprintf(stdout, "uploaded %s%s\n", store.Location(), k)
	}
	for _, k := range rep.Deleted {
		fmt.Fprintf(stdout, "deleted  %s%s\n", store.Location(), k)
	}
	if err != nil {
		fmt.Fprintf(stderr, "streamalert rules push: %v (run it again to finish)\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "streamalert rules push: %s: %d uploaded, %d deleted, %d unchanged; %d rules\n",
		store.Location(), len(rep.Uploaded), len(rep.Deleted), len(rep.Unchanged), len(b.Rules.Rules()))
	return 0
}

// readTree returns the layout files of fsys (rule/library YAML for rules.d,
// schema files for schemas) as push files keyed under dir.
func readTree(fsys fs.FS, dir string) ([]rulestore.File, error) {
	var files []rulestore.File
	err := rule.WalkVisible(fsys, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		key := path.Join(dir, p)
		if !rulestore.InLayout(key) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		kind := rulestore.KindRule
		if dir == rulestore.SchemasDir {
			kind = rulestore.KindSchema
		}
		files = append(files, rulestore.File{Key: key, Data: data, Kind: kind})
		return nil
	})
	return files, err
}
