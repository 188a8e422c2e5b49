package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	segjson "github.com/segmentio/encoding/json"

	"github.com/streamalert-go/streamalert/engine/payload"
)

// decodeJSON decodes one JSON document (and nothing after it) into
// string, int64, float64, bool, map[string]any, []any and nil: numbers
// become int64 when integral and in range, else float64.
//
// Data nested deeper than payload.DefaultMaxJSONDepth is refused before
// decoding: the decoder's time grows with the square of the depth.
func decodeJSON(data []byte) (any, error) {
	if err := payload.CheckJSONDepth(data, payload.DefaultMaxJSONDepth); err != nil {
		return nil, err
	}
	var v any
	// UseInt64 yields in-range integer literals as int64 directly; other
	// numbers arrive as json.Number and are converted by fixNumbers. No
	// zero-copy flags: data is reused by the payload reader after return.
	rest, err := segjson.Parse(data, &v, segjson.UseInt64|segjson.UseNumber)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("data after the JSON document")
	}
	return fixNumbers(v)
}

// fixNumbers replaces every json.Number inside v, in place. An integer
// literal that does not fit int64 is an error.
func fixNumbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		return number(string(x))
	case map[string]any:
		for k, e := range x {
			switch e.(type) {
			case json.Number, map[string]any, []any:
				n, err := fixNumbers(e)
				if err != nil {
					return nil, fmt.Errorf("key %q: %w", k, err)
				}
				x[k] = n
			}
		}
	case []any:
		for i, e := range x {
			n, err := fixNumbers(e)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			x[i] = n
		}
	}
	return v, nil
}

// ErrIntegerOverflow marks a JSON integer literal outside int64's range:
// such a record is refused rather than given a wrong value (rounded to a
// float, or wrapped to math.MinInt64).
var ErrIntegerOverflow = errors.New("integer overflows int64")

// number converts JSON number text: int64 when it is an integer literal
// that fits, an error when it is an integer literal that does not, else
// float64 (a float literal with an integral value that fits int64, such as
// 7.0 or 1e3, also becomes int64).
func number(s string) (any, error) {
	i, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return i, nil
	}
	if errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("%w: %s", ErrIntegerOverflow, quoteShort(s))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s, nil // unreachable for valid JSON; keep the text rather than lose it
	}
	if i, ok := integral(f); ok {
		return i, nil
	}
	return f, nil
}

// integral returns f as int64 when it has no fractional part and fits.
func integral(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 || math.IsNaN(f) {
		return 0, false
	}
	return int64(f), true
}
