package engine

// SetPrefixGuards turns prefix-guard pruning on or off, for tests that
// compare evaluation with and without it.
func SetPrefixGuards(on bool) { usePrefixGuards = on }

// SetGuardIndex turns the guard index on or off (off: every rule of a log
// type is a candidate), for tests that compare evaluation with and without
// it.
func SetGuardIndex(on bool) { useGuardIndex = on }
