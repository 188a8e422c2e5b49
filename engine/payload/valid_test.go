package payload

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// checkScan holds scanJSON to encoding/json.Valid and, on valid JSON, to
// CheckJSONDepth's offset.
func checkScan(t *testing.T, in []byte, limit int) {
	t.Helper()
	ok, deepAt := scanJSON(in, limit)
	if want := json.Valid(in); ok != want {
		t.Fatalf("scanJSON(%q) valid = %v, json.Valid says %v", in, ok, want)
	}
	if !ok {
		return
	}
	err := CheckJSONDepth(in, limit)
	if (deepAt >= 0) != (err != nil) {
		t.Fatalf("scanJSON(%q, %d) deepAt = %d, CheckJSONDepth says %v", in, limit, deepAt, err)
	}
	if err != nil && !strings.Contains(err.Error(), "(at byte "+itoa(deepAt)+")") {
		t.Fatalf("scanJSON(%q, %d) deepAt = %d, CheckJSONDepth says %v", in, limit, deepAt, err)
	}
	if err != nil && !errors.Is(err, ErrTooDeep) {
		t.Fatal(err)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

var scanCases = []string{
	``, ` `, `{}`, `[]`, ` {"a":1} `, `{"a":[1,2,{"b":null}],"c":"x\"y\\u00e9\u00e9"}`, `[1,]`, `{"a":1,}`, `{"a"}`,
	`{"a":}`, `{,}`, `[01]`, `[-]`, `[-0.5e+3]`, `[1.]`, `[.5]`, `[1e]`, `[1E-2]`, `tru`, `true`, `truex`, `nulls`,
	`"\ud800"`, `"\u12"`, `"\x"`, "\"\x01\"", "\"\xff\"", `{"a":1}{"b":2}`, "{\"a\":1}\n{\"b\":2}", `[[[[]]]]`,
	`[[[[1]]],[[2]]]`, `{"a":{"b":{"c":{}}}}`, `[`, `]`, `{"a":1]`, `[1}`, `"abc`, `{"a"  :  1 , "b" : [ ] }`,
}

func TestScanJSON(t *testing.T) {
	for _, c := range scanCases {
		for _, limit := range []int{0, 1, 2, 3} {
			checkScan(t, []byte(c), limit)
		}
	}
	deep := strings.Repeat("[", 1001) + strings.Repeat("]", 1001)
	if ok, at := scanJSON([]byte(deep), 0); !ok || at != 1000 {
		t.Fatalf("1001 nested arrays: valid %v, deepAt %d; want true, 1000", ok, at)
	}
	checkScan(t, []byte(deep), 0)
}

func FuzzScanJSON(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c), uint8(2))
	}
	f.Fuzz(func(t *testing.T, in []byte, limit uint8) {
		checkScan(t, in, int(limit%8))
	})
}
