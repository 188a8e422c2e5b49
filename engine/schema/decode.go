package schema

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/streamalert-go/streamalert/engine/payload"
)

// decodeJSON decodes one JSON document (and nothing after it) into
// string, int64, float64, bool, map[string]any, []any and nil: numbers
// become int64 when integral and in range, else float64.
//
// Data nested deeper than payload.DefaultMaxJSONDepth is refused with
// payload's depth error. An integer literal outside int64 is an error
// naming its path (key "a": item 2: ...). See jsonDecoder.
func decodeJSON(data []byte) (any, error) {
	v, err := decodeFast(data, payload.DefaultMaxJSONDepth)
	if errors.Is(err, errTooDeep) {
		if derr := payload.CheckJSONDepth(data, payload.DefaultMaxJSONDepth); derr != nil {
			return nil, derr
		}
	}
	return v, err
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
