package payload

import (
	"errors"
	"strings"
	"testing"
)

func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// Issue 12 item 2: one line of 40,000 nested '[' took 22 s to decode and
// stalled the file pipeline behind it. Such a record must be rejected
// before any decoder sees it, with the reason, and the lines after it read.
func TestReadRejectsDeepJSONNestingBeforeDecoding(t *testing.T) {
	deep := nested(100_000)
	in := "{\"a\":1}\n" + deep + "\n{\"a\":2}\n"
	for name, read := range map[string]func(string) ([]rec, error){
		"Read":   func(s string) ([]rec, error) { return collect(t, Read, []byte(s), Options{}) },
		"Stream": func(s string) ([]rec, error) { return collect(t, Stream, []byte(s), Options{}) },
	} {
		t.Run(name, func(t *testing.T) {
			got, err := read(in)
			if err != nil {
				t.Fatal(err)
			}
			assertRecs(t, got, []rec{ok(`{"a":1}`, 1), {Data: deep, Line: 2, Err: ErrTooDeep}, ok(`{"a":2}`, 3)})
			if msg := got[1].Err.Error(); !strings.Contains(msg, "more than 1000 levels") {
				t.Errorf("reason %q does not name the limit", msg)
			}
		})
	}
	// A whole-payload document is checked too.
	got, err := collect(t, Read, []byte(deep), Options{})
	if err != nil || len(got) != 1 || !errors.Is(got[0].Err, ErrTooDeep) {
		t.Fatalf("document: %+v, %v", got, err)
	}
}

func TestCheckJSONDepth(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		limit int
		deep  bool
	}{
		{"at the default limit", nested(1000), 0, false},
		{"one past the default limit", nested(1001), 0, true},
		{"objects count", strings.Repeat(`{"a":`, 6) + "1" + strings.Repeat("}", 6), 5, true},
		{"brackets in strings do not count", `["` + strings.Repeat("[", 50) + `"]`, 5, false},
		{"escaped quote keeps the string open", `["\"` + strings.Repeat("[", 50) + `"]`, 5, false},
		{"siblings are not depth", strings.Repeat("[]", 5000), 0, false},
		{"short input is cleared without a scan", "[[[", 5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckJSONDepth([]byte(tc.in), tc.limit)
			if (err != nil) != tc.deep || (err != nil && !errors.Is(err, ErrTooDeep)) {
				t.Fatalf("CheckJSONDepth = %v, want deep=%v", err, tc.deep)
			}
		})
	}
	if err := CheckJSONDepth([]byte(nested(11)), 10); err == nil || !strings.Contains(err.Error(), "at byte 10") {
		t.Errorf("error %v does not give the offset", err)
	}
}

func TestCheckOneRecord(t *testing.T) {
	if err := Check([]byte(`{"a":1}`), Options{}); err != nil {
		t.Fatal(err)
	}
	var oe *OversizeError
	if err := Check(make([]byte, 20), Options{MaxRecordSize: 10}); !errors.As(err, &oe) || oe.Size != 20 {
		t.Fatalf("oversize: %v", err)
	}
	if err := Check([]byte("\xff"), Options{}); !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("utf8: %v", err)
	}
}
