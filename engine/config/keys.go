package config

import (
	"slices"
	"strings"
)

// Keys lists every top-level key of streamalert.yaml, in the order the
// documentation presents them. Load rejects any other key (unknown-key);
// tools that describe the format (the JSON Schema of `ruleck schema
// config`) read this table, so they cannot drift from the loader.
var Keys = []string{"sources", "outputs", "staging_outputs", "limits"}

// LimitKeys lists every key of the limits mapping, in documentation order.
// Load rejects any other key under limits.
var LimitKeys = []string{"max_record_size", "max_decompressed_size"}

// knownList is keys sorted and comma-separated, for "known: ..." messages.
func knownList(keys []string) string {
	s := slices.Clone(keys)
	slices.Sort(s)
	return strings.Join(s, ", ")
}
