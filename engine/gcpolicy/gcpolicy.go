// Package gcpolicy sets the garbage collector's pacing for the binaries
// that classify records: records are short-lived garbage, so collecting
// less often (a larger heap goal) saves a third of the CPU time of a run,
// and a memory limit keeps the larger goal from outgrowing the memory a
// Lambda function has.
package gcpolicy

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
)

// Percent is the GOGC value Apply sets when GOGC is not in the environment:
// the heap may grow to five times what is live before a collection.
const Percent = 400

// LambdaShare is the share of a Lambda function's memory (from
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE) Apply sets as the soft memory limit when
// GOMEMLIMIT is not in the environment: past it the collector works harder
// instead of letting the heap grow.
const LambdaShare = 0.75

// Apply sets the pacing unless GOGC / GOMEMLIMIT say otherwise, and returns
// the GC percent and memory limit (bytes; math.MaxInt64 means none) now in
// force. getenv is os.Getenv outside tests.
func Apply(getenv func(string) string) (percent int, limit int64) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(Percent)
	}
	if getenv("GOMEMLIMIT") == "" {
		if mb, err := strconv.Atoi(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")); err == nil && mb > 0 {
			debug.SetMemoryLimit(int64(float64(mb) * LambdaShare * (1 << 20)))
		}
	}
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

// Headroom bounds, in bytes, of the heap growth allowed between collections
// once the rules are loaded (see AfterLoad).
const (
	MinHeadroom = 64 << 20
	MaxHeadroom = 256 << 20
)

// AfterLoad sets the GC percent from the live heap after a ruleset loaded,
// unless GOGC is in the environment: Percent allows a small live heap (the
// shipped rules) to grow fivefold between collections, but ten thousand
// compiled rules are hundreds of MiB live, and five times that is memory
// nobody asked for. The growth is kept between MinHeadroom and MaxHeadroom
// (as a percent of the live heap, at most Percent, at least 25). It returns
// the percent in force.
func AfterLoad(getenv func(string) string) int {
	if getenv == nil {
		getenv = os.Getenv
	}
	if getenv("GOGC") != "" {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	live := liveHeap()
	p := Percent
	if live > 0 {
		room := min(max(live*Percent/100, MinHeadroom), MaxHeadroom)
		p = min(Percent, max(25, int(room*100/live)))
	}
	debug.SetGCPercent(p)
	return p
}

// liveHeap is the heap the last collection found live (0 before any).
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}
