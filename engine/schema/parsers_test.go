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
kv:audit:
  parser: kv
  schema: {type: string, msg: string, pid: integer, uid: integer, op: string}
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
		{"kv repeated key keeps the last value", "kv:auditd", `type=X msg=y pid=1 uid=0 pid=2`,
			map[string]any{"type": "X", "msg": "y", "pid": int64(2), "uid": int64(0)}, ""},
		// An audit record's nested msg='...' is split into fields; msg keeps
		// the record id.
		{"kv audit record nested msg", "kv:audit", `type=X msg=audit(1.5:7): pid=1 uid=0 msg='op=login'`,
			map[string]any{"type": "X", "msg": "audit(1.5:7):", "pid": int64(1), "uid": int64(0), "op": "login"}, ""},
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

func TestSyslogParser(t *testing.T) {
	set := loadString(t, "s.yaml", `
syslog:plain:
  parser: syslog
  schema: {timestamp: string, host: string, application: string, message: string}
syslog:pid:
  parser: syslog
  schema: {timestamp: string, host: string, application: string, message: string, pid: integer, structured_data: {}}
  configuration: {optional_top_level_keys: [pid, structured_data]}
`)
	c := NewClassifier(set)
	plain := []*LogType{set.Get("syslog:plain")}
	withPID := []*LogType{set.Get("syslog:pid")}

	recs, err := c.Classify([]byte("<34>Jan 10 19:35:13 host-1.example.com sshd[13941]: Failed password for root\r\n"), plain)
	if err != nil {
		t.Fatal(err)
	}
	d := recs[0].Data
	if d["host"] != "host-1.example.com" || d["application"] != "sshd" || d["message"] != "Failed password for root" || len(d) != 4 {
		t.Errorf("plain record %#v (pid and PRI must be dropped when undeclared)", d)
	}

	recs, err = c.Classify([]byte("Jan  1 00:00:01 h sudo[42]: session opened"), withPID)
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].Data["pid"] != int64(42) {
		t.Errorf("pid = %#v", recs[0].Data["pid"])
	}

	recs, err = c.Classify([]byte(`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event`), withPID)
	if err != nil {
		t.Fatal(err)
	}
	if sd, _ := recs[0].Data["structured_data"].(map[string]any); sd["exampleSDID@32473"] == nil {
		t.Errorf("structured_data = %#v", recs[0].Data["structured_data"])
	}

	if _, err := c.Classify([]byte("not syslog at all"), plain); err == nil || !strings.Contains(err.Error(), "not a syslog line") {
		t.Errorf("err = %v", err)
	}
}
