package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint/jsonschema"
	"github.com/streamalert-go/streamalert/outputs"
)

const schemaUsage = `usage: ruleck schema [flags] [rule|library|config]

Prints the JSON Schema (draft 2020-12) of rule files (default; a library
file under rules.d validates too), library files or streamalert.yaml, for
editors: completion, enum values and errors while typing. Log types and
datatypes come from the embedded schemas or --schemas; with --config, a
rule's outputs must be one the configuration declares. The schemas
generated without flags are kept in engine/lint/jsonschema/.
Exit 0 printed, 1 problems in --schemas or --config, 2 usage or I/O error.
`

// runSchema is `ruleck schema [rule|library|config]`.
func runSchema(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ruleck schema", flag.ContinueOnError)
	fs.SetOutput(stderr)
	schemaDir := fs.String("schemas", "", "folder of schema files whose log types and datatypes rules may name (default: the embedded schemas)")
	configFile := fs.String("config", "", "streamalert.yaml whose declared outputs rules may name (default: any output of a known service)")
	c := &cli.Command{Name: "ruleck schema", Usage: schemaUsage, Flags: fs}
	rest, code, ok := c.Parse(args, stdout, stderr)
	if !ok {
		return code
	}
	kind := jsonschema.Kinds[0]
	switch len(rest) {
	case 0:
	case 1:
		kind = rest[0]
	default:
		return c.Fail(stderr, fmt.Sprintf("one schema at a time (%s), got %d: %s", strings.Join(jsonschema.Kinds, ", "), len(rest), strings.Join(rest, " ")))
	}
	opts, code, ok := schemaOptions(*schemaDir, *configFile, stderr)
	if !ok {
		return code
	}
	out, err := jsonschema.Generate(kind, opts)
	if errors.Is(err, jsonschema.ErrUnknownKind) {
		msg := fmt.Sprintf("unknown schema %q (known: %s)", kind, strings.Join(jsonschema.Kinds, ", "))
		if s := diag.Suggest(kind, jsonschema.Kinds); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return c.Fail(stderr, msg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ruleck schema: %v\n", err)
		return exitUsage
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "ruleck schema: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// schemaOptions loads what `ruleck schema` generates from: the schema set
// (--schemas, else the embedded one), the configuration (--config), and the
// output services of package outputs. Problems in those files are printed
// on stderr (exit 1); a missing file or folder is exit 2.
func schemaOptions(schemaDir, configFile string, stderr io.Writer) (jsonschema.Options, int, bool) {
	set, diags, err := loadSchemas(schemaDir)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck schema: %v\n", err)
		return jsonschema.Options{}, exitUsage, false
	}
	cfg, cdiags, err := loadConfig(configFile)
	if err != nil {
		fmt.Fprintf(stderr, "ruleck schema: %v\n", err)
		return jsonschema.Options{}, exitUsage, false
	}
	diags.Add(cdiags...)
	if printDiags(stderr, diags) {
		fmt.Fprintln(stderr, "ruleck schema: fix the problems above first: no schema was printed")
		return jsonschema.Options{}, exitProblems, false
	}
	return jsonschema.Options{Schemas: set, OutputServices: outputs.Services(), Config: cfg}, exitOK, true
}
