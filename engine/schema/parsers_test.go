package schema

import (
	"reflect"
	"strings"
	"testing"
)

const textSchemas = `
csv:flat:
  parser: csv
  schema: {ts: integer, host: string, ok: boolean, note: string}
csv:nested:
  parser: csv
  schema:
    id: string
    message: {type: string, count: integer}
  configuration:
    log_patterns: {message: {type: TRAFFIC}}
csv:pipes:
  parser: csv
  schema: {a: string, b: string}
  configuration: {delimiter: "|", quotechar: "'", escapechar: "\\"}
kv:auditd:
  parser: kv
  schema: {type: string, msg: string, pid: integer, uid: integer}
kv:custom:
  parser: kv
  schema: {a: string, b: string}
  configuration: {delimiter: ";", separator: ":"}
`

func TestTextParsers(t *testing.T) {
	set := loadString(t, "t.yaml", textSchemas)
	c := NewClassifier(set)
	tests := []struct {
		name, typ, raw string
		want           map[string]any // nil: must fail
		wantErr        string
	}{
		{"csv", "csv:flat", "1526951139,web-1,true,hello world",
			map[string]any{"ts": int64(1526951139), "host": "web-1", "ok": true, "note": "hello world"}, ""},
		{"csv CRLF", "csv:flat", "1,h,false,x\r\n", map[string]any{"ts": int64(1), "host": "h", "ok": false, "note": "x"}, ""},
		{"csv empty values", "csv:flat", ",,,", map[string]any{"ts": nil, "host": "", "ok": nil, "note": ""}, ""},
		{"csv quoted delimiter", "csv:flat", `1,h,true,"a, b"`, map[string]any{"ts": int64(1), "host": "h", "ok": true, "note": "a, b"}, ""},
		{"csv too few columns", "csv:flat", "1,h,true", nil, "CSV has 3 columns, want 4"},
		{"csv bad integer", "csv:flat", "x,h,true,n", nil, `key "ts": "x" is not an integer`},
		{"nested csv", "csv:nested", `7,"TRAFFIC,3"`,
			map[string]any{"id": "7", "message": map[string]any{"type": "TRAFFIC", "count": int64(3)}}, ""},
		{"nested csv pattern", "csv:nested", `7,"THREAT,3"`, nil, `key "message.type": "THREAT" does not match log pattern TRAFFIC`},
		{"nested csv wrong width", "csv:nested", `7,"TRAFFIC"`, nil, `nested CSV in key "message" has 1 columns, want 2`},
		{"csv options", "csv:pipes", `'x|y'|z\'s`, map[string]any{"a": "x|y", "b": "z's"}, ""},
		{"kv auditd", "kv:auditd", `type=USER_LOGIN msg='op=login acct="root" res=failed' pid=42 uid=0`,
			map[string]any{"type": "USER_LOGIN", "msg": `op=login acct="root" res=failed`, "pid": int64(42), "uid": int64(0)}, ""},
		{"kv missing key", "kv:auditd", `type=X msg=y pid=1`, nil, `missing key "uid"`},
		{"kv extra key", "kv:auditd", `type=X msg=y pid=1 uid=2 ses=3`, nil, `extra key "ses"`},
		{"kv duplicate key", "kv:auditd", `type=X msg=y pid=1 pid=2`, nil, `duplicate key "pid"`},
		{"kv custom", "kv:custom", `a:1;b:two words`, map[string]any{"a": "1", "b": "two words"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := c.Classify([]byte(tc.raw), []*LogType{set.Get(tc.typ)})
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
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

func TestTextParserLargeValue(t *testing.T) {
	set := loadString(t, "t.yaml", textSchemas)
	big := strings.Repeat("y", 10<<20)
	recs, err := NewClassifier(set).Classify([]byte("1,h,true,"+big), []*LogType{set.Get("csv:flat")})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs[0].Data["note"].(string)) != len(big) {
		t.Fatal("value cut")
	}
}
