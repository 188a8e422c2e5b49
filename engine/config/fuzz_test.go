package config

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/schema"
)

// aliasBomb is a configuration whose sources nest anchors levels deep, ten
// aliases a level.
func aliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString("x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "x%d: &x%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*x%d", i-1)
		}
		b.WriteString("]\n")
	}
	fmt.Fprintf(&b, "sources: {file: {f: *x%d}}\n", levels)
	return b.String()
}

// Issue 12 item 1: the configuration loader refuses an alias bomb with a
// position and the stable code, before walking it.
func TestLoadRejectsAliasBomb(t *testing.T) {
	cfg, diags := Load([]byte(aliasBomb(9)), "streamalert.yaml")
	if cfg != nil {
		t.Fatal("a configuration with an alias bomb loaded")
	}
	if len(diags) != 1 || diags[0].Code != schema.CodeAliasBomb || diags[0].Pos.Line < 1 {
		t.Fatalf("diagnostics %v, want one %s with a position", diags, schema.CodeAliasBomb)
	}
}

// FuzzLoad loads arbitrary configuration files: diagnostics, never a panic
// (the seeds include alias bombs).
func FuzzLoad(f *testing.F) {
	if b, err := os.ReadFile("testdata/prod-sources.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("sources: {file: {'*.log': [syslog]}}\noutputs: {slack: {s: {webhook_url: 'env:X'}}}\nlimits: {max_record_size: 10}\n"))
	f.Add([]byte(aliasBomb(9)))
	f.Add([]byte("outputs: &o {slack: {s: *o}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, diags := Load(data, "f.yaml")
		if cfg == nil && !diags.HasErrors() {
			t.Fatal("no configuration and no error")
		}
	})
}
