package schema

import (
	"bytes"
	"encoding/json"
	"errors"
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
	return fixNumbers(v), nil
}

// fixNumbers replaces every json.Number inside v, in place.
func fixNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return number(string(x))
	case map[string]any:
		for k, e := range x {
			switch e.(type) {
			case json.Number, map[string]any, []any:
				x[k] = fixNumbers(e)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = fixNumbers(e)
		}
	}
	return v
}

// number converts JSON number text: int64 when it is an integer literal
// that fits, else float64 (a float literal with an integral value that fits
// int64, such as 7.0 or 1e3, also becomes int64).
func number(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s // unreachable for valid JSON; keep the text rather than lose it
	}
	if i, ok := integral(f); ok {
		return i
	}
	return f
}

// integral returns f as int64 when it has no fractional part and fits.
func integral(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 || math.IsNaN(f) {
		return 0, false
	}
	return int64(f), true
}
