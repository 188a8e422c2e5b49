package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine/sigma"
)

// importUsage is what `ruleck import --help` prints above the flags.
const importUsage = `usage: ruleck import sigma [--map FILE] [--schemas DIR] -o DIR SIGMA_FILE|FOLDER...

Converts Sigma rules (.yml/.yaml files; folders are read recursively) into
StreamAlert rule files in DIR, one per Sigma rule, formatted and lint-clean.
A rule that cannot be translated exactly is not written: it is reported as
FILE:LINE:COL: reason on stdout. The summary goes to stderr. Exit 0 when
every rule converted, 1 when some were refused, 2 on usage or I/O errors.
`

// runImport is `ruleck import sigma [--map FILE] [--schemas DIR] -o DIR
// SIGMA_FILE|FOLDER...`: one rule file per Sigma rule into DIR, one
// `FILE:LINE:COL: reason` line per refused rule on stdout, the summary
// `N converted, M refused` on stderr. Exit 0 when every rule converted, 1
// when some were refused (or none was found), 2 on usage or I/O errors.
func runImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	mapFile := fs.String("map", "", "mapping `FILE` extending or overriding the shipped logsource and field mappings")
	outDir := fs.String("o", "", "`DIR` the converted rules are written to (created if missing)")
	schemaDir := fs.String("schemas", "", "`DIR` of schema files converted rules are checked against (default: the embedded schemas)")
	fs.SetOutput(stderr)
	cmd := &cli.Command{Name: "ruleck import", Usage: importUsage, Flags: fs}
	rest, exit, ok := cmd.Parse(args, stdout, stderr)
	if !ok {
		return exit
	}
	fail := func(format string, a ...any) int { return cmd.Fail(stderr, fmt.Sprintf(format, a...)) }
	if len(rest) == 0 {
		return fail("missing the format: ruleck import sigma [--map FILE] -o DIR SIGMA_FILE|FOLDER...")
	}
	if rest[0] != "sigma" {
		return fail("unknown format %q (the importer reads sigma)", rest[0])
	}
	inputs := rest[1:]
	if *outDir == "" {
		return fail("-o DIR is required: where the converted rules go")
	}
	if len(inputs) == 0 {
		return fail("no Sigma file or folder given")
	}
	maps := sigma.Shipped()
	if *mapFile != "" {
		src, err := os.ReadFile(*mapFile)
		if err != nil {
			return fail("%v", err)
		}
		m, err := sigma.ParseMappings(*mapFile, src)
		if err != nil {
			return fail("%v", err)
		}
		maps = maps.Extend(m)
	}
	set, diags, err := loadSchemas(*schemaDir)
	if err != nil {
		return fail("%v", err)
	}
	if diags.HasErrors() {
		printDiags(stderr, diags)
		return exitUsage
	}
	files, err := sigmaFiles(inputs)
	if err != nil {
		return fail("%v", err)
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "ruleck import sigma: no Sigma rule files (.yml, .yaml) in %s: nothing was converted\n", strings.Join(inputs, ", "))
		return exitProblems
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return fail("%v", err)
	}
	conv := sigma.NewConverter(sigma.Options{Schemas: set, Mappings: maps})
	converted, refused := 0, 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			return fail("%v", err)
		}
		for _, r := range conv.Convert(file, src) {
			if !r.Converted() {
				refused++
				fmt.Fprintln(stdout, r.Refusal)
				continue
			}
			if err := os.WriteFile(filepath.Join(*outDir, r.Name+".yaml"), r.YAML, 0o644); err != nil {
				return fail("%v", err)
			}
			converted++
		}
	}
	fmt.Fprintf(stderr, "ruleck import sigma: %d converted, %d refused (rules written to %s)\n", converted, refused, *outDir)
	if refused > 0 || converted == 0 {
		return exitProblems
	}
	return exitOK
}

// sigmaFiles lists the files of the inputs: a file as itself, a folder's
// .yml and .yaml files recursively (names starting with a dot skipped), in
// lexical order. A missing input is an error.
func sigmaFiles(inputs []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if !seen[in] {
				seen[in] = true
				out = append(out, in)
			}
			continue
		}
		var found []string
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != in && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) && !seen[p] {
				seen[p] = true
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}
