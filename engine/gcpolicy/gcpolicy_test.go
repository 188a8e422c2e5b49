package gcpolicy

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestApply(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	if p, l := Apply(env(nil)); p != Percent || l != math.MaxInt64 {
		t.Errorf("no environment: GOGC %d, limit %d; want %d and none", p, l, Percent)
	}
	debug.SetGCPercent(100)
	if p, l := Apply(env(map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"})); p != Percent || l != 384<<20 {
		t.Errorf("Lambda of 512 MiB: GOGC %d, limit %d; want %d and %d", p, l, Percent, 384<<20)
	}
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	if p, l := Apply(env(map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"})); p != 100 || l != math.MaxInt64 {
		t.Errorf("GOGC and GOMEMLIMIT set: Apply changed the pacing (%d, %d)", p, l)
	}
}
