// Package engine classifies records and evaluates detection rules against
// them. It does no I/O of its own: schemas and rules come in as fs.FS values,
// records as bytes, and alerts go out as values.
package engine
