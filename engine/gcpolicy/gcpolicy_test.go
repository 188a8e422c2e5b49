package gcpolicy

import (
	"math"
	"runtime"
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

func TestAfterLoad(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	debug.SetGCPercent(70)
	if p := AfterLoad(env(map[string]string{"GOGC": "70"})); p != 70 {
		t.Errorf("GOGC set: AfterLoad changed the percent to %d", p)
	}
	// A test binary's live heap is small: the full Percent applies, or a
	// percent whose headroom is at least MinHeadroom.
	runtime.GC()
	if p := AfterLoad(env(nil)); p < 25 || p > Percent {
		t.Errorf("percent %d outside [25, %d]", p, Percent)
	}
	big := make([]byte, 600<<20) // a large live heap: the headroom is capped
	runtime.GC()
	if p := AfterLoad(env(nil)); p >= Percent || int64(p)*liveHeap()/100 > MaxHeadroom+(16<<20) {
		t.Errorf("with %d MiB live, percent %d allows more than %d MiB of growth", liveHeap()>>20, p, MaxHeadroom>>20)
	}
	runtime.KeepAlive(big)
}
