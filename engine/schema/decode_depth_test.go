package schema

import (
	"errors"
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
