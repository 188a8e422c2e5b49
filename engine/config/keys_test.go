package config

import (
	"fmt"
	"testing"
)

// TestKeysAreHandled checks that the key tables and Load agree: every key
// of Keys and LimitKeys is read by Load (a wrong-typed value is diagnosed as
// wrong-type, not ignored and not unknown-key), and a key outside the tables
// is unknown-key. A key added to a table without its case in Load, or a case
// whose key is missing from the table, fails here.
func TestKeysAreHandled(t *testing.T) {
	check := func(t *testing.T, src, wantCode string) {
		t.Helper()
		_, diags := Load([]byte(src), "c.yaml")
		if len(diags) != 1 || diags[0].Code != wantCode {
			t.Errorf("Load(%q) = %v, want one %s diagnostic", src, diags, wantCode)
		}
	}
	for _, k := range Keys {
		t.Run(k, func(t *testing.T) { check(t, k+": 1\n", "wrong-type") })
	}
	for _, k := range LimitKeys {
		t.Run("limits."+k, func(t *testing.T) { check(t, fmt.Sprintf("limits:\n  %s: not-a-number\n", k), "wrong-type") })
	}
	t.Run("unknown", func(t *testing.T) { check(t, "source: {}\n", "unknown-key") })
	t.Run("limits.unknown", func(t *testing.T) { check(t, "limits:\n  max_records: 1\n", "unknown-key") })
}
