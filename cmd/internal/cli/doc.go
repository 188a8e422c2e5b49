// Package cli is the one command-line convention of the streamalert and
// ruleck binaries: GNU-style flags on a standard flag.FlagSet.
//
//   - Flags may appear anywhere among the arguments (`streamalert run
//     logs/ --rules rules.d`); "--" ends the flags, and everything after it
//     is positional. A lone "-" is positional (standard input).
//   - A flag is written --name or -name (the standard library's form,
//     kept so existing command lines keep working), with its value as
//     --name=VALUE or --name VALUE; a boolean flag takes no separate value
//     (--watch, --watch=false).
//   - -h and --help print the command's usage and flags to stdout; the
//     command then exits 0.
//   - An unknown flag is a usage error naming the closest known flag
//     ("did you mean --rules?"), without the whole flag list; exit 2.
//
// Flags are still registered with the flag package, so code that adds
// flags to a *flag.FlagSet needs no change; only the parsing and the help
// text come from here. Version prints a binary's module version and VCS
// revision from its build information.
package cli
