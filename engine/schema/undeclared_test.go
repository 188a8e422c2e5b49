package schema

import (
	"reflect"
	"strings"
	"testing"
)

const openSchemas = `
vendor:open:
  parser: json
  schema:
    eventName: string
    eventTime: string
    count: integer
    detail:
      severity: float
      id: string
  configuration:
    undeclared_keys: keep
    optional_top_level_keys: [count]
vendor:closed:
  parser: json
  schema:
    eventName: string
    eventTime: string
    extra: string
    detail:
      severity: float
      id: string
kv:open:
  parser: kv
  schema: {type: string, msg: string}
  configuration:
    undeclared_keys: keep
`

func TestUndeclaredKeysKeep(t *testing.T) {
	set := loadString(t, "open.yaml", openSchemas)
	c := NewClassifier(set)
	open := set.Get("vendor:open")
	if !open.KeepsUndeclared() || set.Get("vendor:closed").KeepsUndeclared() {
		t.Fatal("KeepsUndeclared: open type not open, or closed type open")
	}
	tests := []struct {
		name, raw string
		cands     []string
		want      string         // log type, "" for no match
		data      map[string]any // the record, when want is set
		reason    string         // substring of the reason, when want is ""
	}{
		{"undeclared kept untyped, declared coerced",
			`{"eventName":"a","eventTime":"t","count":"3","newField":"7","detail":{"severity":"5","id":"i","added":[1]}}`,
			[]string{"vendor:open"}, "vendor:open",
			map[string]any{"eventName": "a", "eventTime": "t", "count": int64(3), "newField": "7",
				"detail": map[string]any{"severity": 5.0, "id": "i", "added": []any{int64(1)}}}, ""},
		{"required keys still required", `{"eventName":"a","newField":1,"detail":{"severity":1,"id":"i"}}`,
			[]string{"vendor:open"}, "", nil, `missing key "eventTime"`},
		{"nested required keys still required", `{"eventName":"a","eventTime":"t","detail":{"severity":1}}`,
			[]string{"vendor:open"}, "", nil, `missing key "detail.id"`},
		{"declared types still checked", `{"eventName":"a","eventTime":"t","count":"many","detail":{"severity":1,"id":"i"}}`,
			[]string{"vendor:open"}, "", nil, `key "count": "many" is not an integer`},
		{"closed type rejects the same record", `{"eventName":"a","eventTime":"t","extra":"x","newField":1,"detail":{"severity":1,"id":"i"}}`,
			[]string{"vendor:closed"}, "", nil, `extra key "newField"`},
		// Both fit; the closed type declares every key of the record, the
		// open one leaves "extra" undeclared: the closed one wins.
		{"fewer undeclared keys wins", `{"eventName":"a","eventTime":"t","extra":"x","detail":{"severity":1,"id":"i"}}`,
			nil, "vendor:closed", nil, ""},
		{"only the open type fits", `{"eventName":"a","eventTime":"t","extra":"x","more":1,"detail":{"severity":1,"id":"i"}}`,
			nil, "vendor:open", nil, ""},
		{"kv keeps undeclared pairs", `type=AVC msg=audit(1:2): apparmor="DENIED" operation=open`,
			[]string{"kv:open"}, "kv:open",
			map[string]any{"type": "AVC", "msg": "audit(1:2):", "apparmor": "DENIED", "operation": "open"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cands []*LogType
			if tc.cands != nil {
				var err error
				if cands, err = set.Resolve(tc.cands); err != nil {
					t.Fatal(err)
				}
			}
			recs, err := c.Classify([]byte(tc.raw), cands)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("classified as %s: %v", recs[0].Type.Name, recs[0].Data)
				}
				if !strings.Contains(err.Error(), tc.reason) {
					t.Fatalf("reason %q does not contain %q", err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if recs[0].Type.Name != tc.want {
				t.Fatalf("classified as %s, want %s", recs[0].Type.Name, tc.want)
			}
			if tc.data != nil && !reflect.DeepEqual(recs[0].Data, tc.data) {
				t.Errorf("got  %#v\nwant %#v", recs[0].Data, tc.data)
			}
		})
	}
}

// TestUndeclaredKeysTie: two open types that fit a record equally (same
// priority, same undeclared count, same declared count) are ambiguous;
// priority decides before the undeclared count does.
func TestUndeclaredKeysTie(t *testing.T) {
	set := loadString(t, "tie.yaml", `
a:one: {parser: json, schema: {k: string}, configuration: {undeclared_keys: keep}}
a:two: {parser: json, schema: {k: string}, configuration: {undeclared_keys: keep}}
b:pri: {parser: json, schema: {k: string}, configuration: {undeclared_keys: keep, priority: 1}}
b:exact: {parser: json, schema: {k: string, x: string}}
`)
	c := NewClassifier(set)
	a, _ := set.Resolve([]string{"a"})
	if _, err := c.Classify([]byte(`{"k":"v","x":"y"}`), a); err == nil || !strings.Contains(err.Error(), "ambiguous: matches a:one, a:two") {
		t.Errorf("err = %v, want ambiguous", err)
	}
	b, _ := set.Resolve([]string{"b"})
	recs, err := c.Classify([]byte(`{"k":"v","x":"y"}`), b)
	if err != nil || recs[0].Type.Name != "b:pri" {
		t.Errorf("got %v, %v: the configured priority must win over an exact fit without one", recs, err)
	}
}

func TestUndeclaredLookup(t *testing.T) {
	set := loadString(t, "open.yaml", openSchemas)
	open, closed := set.Get("vendor:open"), set.Get("vendor:closed")
	tests := []struct {
		lt       *LogType
		path     string
		open     bool
		nearMiss string
	}{
		{open, "eventNmae", true, "eventName"},
		{open, "eventname", true, "eventName"},
		{open, "eventTme", true, "eventTime"},
		{open, "evntNme", true, ""},   // two edits: maybe another field
		{open, "eventType", true, ""}, // "eventTime" is two edits away
		{open, "brandNew", true, ""},
		{open, "detail.sevrity", true, "severity"},
		{open, "detail.brandNew.deeper", true, ""},
		{open, "eventName", false, ""},     // declared
		{open, "eventName.sub", false, ""}, // below a string
		{closed, "eventNmae", false, "eventName"},
		{closed, "brandNew", false, ""},
	}
	for _, tc := range tests {
		gotOpen, gotNear := tc.lt.Undeclared(strings.Split(tc.path, "."))
		if gotOpen != tc.open || gotNear != tc.nearMiss {
			t.Errorf("%s.Undeclared(%s) = %v, %q; want %v, %q", tc.lt.Name, tc.path, gotOpen, gotNear, tc.open, tc.nearMiss)
		}
	}
	if _, ok := open.Lookup([]string{"brandNew"}); ok {
		t.Error("Lookup finds an undeclared key of an open type: it must stay undeclared (untyped)")
	}
}

// TestCheckOpenType: rule tests written as records go through the same
// open key check.
func TestCheckOpenType(t *testing.T) {
	set := loadString(t, "open.yaml", openSchemas)
	rec, err := set.Get("vendor:open").Check(map[string]any{"eventName": "a", "eventTime": "t", "new": 1,
		"detail": map[string]any{"severity": 2, "id": "i"}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Data["new"] != int64(1) || rec.Data["detail"].(map[string]any)["severity"] != 2.0 {
		t.Errorf("record = %#v", rec.Data)
	}
	if _, err := set.Get("vendor:closed").Check(map[string]any{"eventName": "a", "eventTime": "t", "extra": "x", "new": 1,
		"detail": map[string]any{"severity": 2, "id": "i"}}); err == nil {
		t.Error("closed type accepted an undeclared key")
	}
}

func TestOneEdit(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"abc", "abc", true}, {"abc", "abd", true}, {"abc", "ab", true}, {"ab", "abc", true},
		{"abc", "acb", true}, {"abc", "xbc", true}, {"abc", "bca", false}, {"abc", "a", false},
		{"name", "time", false}, {"", "a", true}, {"é", "e", true},
	} {
		if got := oneEdit(tc.a, tc.b); got != tc.want {
			t.Errorf("oneEdit(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
