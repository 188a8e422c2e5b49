package engine

// SetPrefixGuards turns prefix-guard pruning on or off, for tests that
// compare evaluation with and without it.
func SetPrefixGuards(on bool) { usePrefixGuards = on }
