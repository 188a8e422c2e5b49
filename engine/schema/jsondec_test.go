package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/payload"
)

// referenceDecode is what decodeJSON must agree with: encoding/json with
// UseNumber, nothing but white space after the document, then numbers
// converted by number.
func referenceDecode(data []byte) (any, error) {
	if err := payload.CheckJSONDepth(data, payload.DefaultMaxJSONDepth); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0 {
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


var decodeSeeds = []string{
	`{"name":"pack_x","columns":{"a":"1","b":[1,2.5,-0,1e3,7.0,-12]},"n":null,"t":true,"f":false}`,
	`[1, 2, [3, {"a": {}}], []]`, `"str\u00e9\n\t\"\\\/"`, `"\ud83d\ude00 \ud800 \udc00x \ud800\u0041 \ud800\ud800"`,
	`9223372036854775807`, `-9223372036854775808`, `9223372036854775808`, `{"a":[1,{"b":99999999999999999999}]}`,
	`1e400`, `-1.5e-7`, `0.1`, `123456789012345678`, `1234567890123456789`, `{"a":1,"a":2}`,
	`{} {}`, `{"a":1,}`, `[1,]`, `01`, `-`, `1.`, `1e`, `"\x"`, `"a` + "\x01" + `"`, `tru`, `nul`, ` `, ``,
	`{"a" 1}`, `{"a":1 "b":2}`, `[1 2]`, `{1:2}`, "\"\xff\xfe\"", `"\u12"`, `"\uZZZZ"`, `"\q"`,
	strings.Repeat("[", 1001) + strings.Repeat("]", 1001), strings.Repeat(`{"a":`, 999) + "1" + strings.Repeat("}", 999),
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gotErr := decodeJSON(data)
		want, wantErr := referenceDecode(data)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%q: error %v, encoding/json says %v", data, gotErr, wantErr)
		}
		if wantErr != nil {
			if errors.Is(wantErr, ErrIntegerOverflow) && gotErr.Error() != wantErr.Error() {
				t.Fatalf("%q: %v, want %v", data, gotErr, wantErr)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %#v, want %#v", data, got, want)
		}
	})
}

func TestDecodeJSONSeeds(t *testing.T) {
	for _, s := range decodeSeeds {
		got, gotErr := decodeJSON([]byte(s))
		want, wantErr := referenceDecode([]byte(s))
		if (gotErr == nil) != (wantErr == nil) || wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%.60q: got %#v, %v; want %#v, %v", s, got, gotErr, want, wantErr)
		}
	}
}
