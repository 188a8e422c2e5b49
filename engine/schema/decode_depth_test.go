package schema

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/payload"
)

// Issue 12 item 2: the decoder's time grows with the square of the nesting
// depth (100,000 '[' took 438 s). Every JSON decode of record data, the
// record itself or JSON embedded in it, refuses such nesting first.
func TestDecodeJSONRefusesDeepNestingInsteadOfStalling(t *testing.T) {
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	if _, err := decodeJSON([]byte(deep)); !errors.Is(err, payload.ErrTooDeep) {
		t.Fatalf("decodeJSON of 100,000 levels: %v, want ErrTooDeep", err)
	}
	ok := strings.Repeat("[", payload.DefaultMaxJSONDepth) + strings.Repeat("]", payload.DefaultMaxJSONDepth)
	if _, err := decodeJSON([]byte(ok)); err != nil {
		t.Fatalf("decodeJSON at the limit: %v", err)
	}
}

// Issue 12 item 11: -9223372036854775809 became math.MinInt64, silently
// the wrong value. An integer literal outside int64 is an error.
func TestDecodeJSONRefusesIntegerOverflowInsteadOfMinInt64(t *testing.T) {
	for _, lit := range []string{"-9223372036854775809", "9223372036854775808", "99999999999999999999"} {
		v, err := decodeJSON([]byte(`{"a": [1, ` + lit + `]}`))
		if !errors.Is(err, ErrIntegerOverflow) || !strings.Contains(err.Error(), lit) || !strings.Contains(err.Error(), `key "a"`) {
			t.Errorf("%s: decodeJSON = %v, %v; want an ErrIntegerOverflow naming the literal and key", lit, v, err)
		}
	}
	for lit, want := range map[string]any{
		"-9223372036854775808": int64(math.MinInt64), "9223372036854775807": int64(math.MaxInt64),
		"1e3": int64(1000), "1e19": 1e19, "-2.5": -2.5,
	} {
		v, err := decodeJSON([]byte(lit))
		if err != nil || v != want {
			t.Errorf("%s: decodeJSON = %v (%T), %v; want %v", lit, v, v, err, want)
		}
	}
}
