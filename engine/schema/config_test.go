package schema

import (
	"reflect"
	"strings"
	"testing"
)

const configSchemas = `
env:cw:
  parser: json
  schema: {id: string, n: integer}
  configuration:
    json_path: "logEvents[*]"
    envelope_keys: {owner: integer, group: string, tags: []}
    optional_envelope_keys: [tags]
emb:msg:
  parser: json
  schema: {a: integer, b: {}}
  configuration:
    json_path: "events[*].message"
    embedded_json: true
rx:ghe:
  parser: json
  schema: {action: string, actor: string}
  configuration:
    json_regex_key: message
    envelope_keys: {host: string}
pat:a:
  parser: json
  schema: {kind: string, inner: {sub: string, n: integer}, code: integer}
  configuration:
    log_patterns:
      kind: [alpha*, "beta?"]
      inner: {sub: "x[0-9]"}
      code: "2*"
nested:paths:
  parser: json
  schema: {groups: []}
  configuration:
    json_path: "groups[].items[]"
`

func TestConfigurationKeys(t *testing.T) {
	set := loadString(t, "c.yaml", configSchemas)
	c := NewClassifier(set)
	tests := []struct {
		name, typ, raw string
		check          func(t *testing.T, recs []Record)
		wantErr        string
	}{
		{name: "envelope typed and attached", typ: "env:cw",
			raw: `{"owner":"42","group":"g","other":1,"logEvents":[{"id":"1","n":"5"},{"id":"2","n":6}]}`,
			check: func(t *testing.T, recs []Record) {
				if len(recs) != 2 {
					t.Fatalf("%d records", len(recs))
				}
				want := map[string]any{"owner": int64(42), "group": "g"}
				for _, r := range recs {
					if !reflect.DeepEqual(r.Data[EnvelopeKey], want) {
						t.Errorf("envelope %#v, want %#v", r.Data[EnvelopeKey], want)
					}
				}
				if recs[0].Data["n"] != int64(5) {
					t.Errorf("n = %#v", recs[0].Data["n"])
				}
			}},
		{name: "missing envelope key", typ: "env:cw", raw: `{"owner":1,"logEvents":[{"id":"1","n":1}]}`,
			wantErr: `missing envelope key "streamalert:envelope_keys.group"`},
		{name: "envelope wrong type", typ: "env:cw", raw: `{"owner":"me","group":"g","logEvents":[{"id":"1","n":1}]}`,
			wantErr: `key "streamalert:envelope_keys.owner": "me" is not an integer`},
		{name: "embedded json", typ: "emb:msg", raw: `{"events":[{"message":"{\"a\":\"3\",\"b\":{\"c\":1.5}}"},{"message":"{\"a\":4,\"b\":{}}"}]}`,
			check: func(t *testing.T, recs []Record) {
				if len(recs) != 2 || recs[0].Data["a"] != int64(3) || recs[1].Data["a"] != int64(4) {
					t.Fatalf("records %v", recs)
				}
				if recs[0].Data["b"].(map[string]any)["c"] != 1.5 {
					t.Errorf("b = %#v", recs[0].Data["b"])
				}
			}},
		{name: "embedded json not json", typ: "emb:msg", raw: `{"events":[{"message":"plain text"}]}`, wantErr: "embedded_json"},
		// An object where the JSON string would be is taken as it is (AKS
		// writes properties.log either way).
		{name: "embedded json already an object", typ: "emb:msg", raw: `{"events":[{"message":{"a":1,"b":{}}}]}`,
			check: func(t *testing.T, recs []Record) {
				if len(recs) != 1 || recs[0].Data["a"] != int64(1) {
					t.Fatalf("records %v", recs)
				}
			}},
		{name: "embedded json a number", typ: "emb:msg", raw: `{"events":[{"message":7}]}`, wantErr: "not a JSON string or object"},
		{name: "json_regex_key", typ: "rx:ghe", raw: `{"host":"h","message":"<13>Jan 1 github_audit: {\"action\":\"repo.create\",\"actor\":\"bob\"}"}`,
			check: func(t *testing.T, recs []Record) {
				if recs[0].Data["action"] != "repo.create" || recs[0].Data[EnvelopeKey].(map[string]any)["host"] != "h" {
					t.Errorf("record %v", recs[0].Data)
				}
			}},
		{name: "json_regex_key no json", typ: "rx:ghe", raw: `{"host":"h","message":"nothing here"}`, wantErr: "no JSON document"},
		{name: "json_regex_key missing key", typ: "rx:ghe", raw: `{"host":"h"}`, wantErr: `no string "message"`},
		{name: "log patterns all match", typ: "pat:a", raw: `{"kind":"alpha-1","inner":{"sub":"x7","n":1},"code":"201"}`,
			check: func(t *testing.T, recs []Record) {
				if recs[0].Data["code"] != int64(201) {
					t.Errorf("code %#v", recs[0].Data["code"])
				}
			}},
		{name: "log patterns any of list", typ: "pat:a", raw: `{"kind":"betaX","inner":{"sub":"x7","n":1},"code":2}`},
		{name: "nested pattern fails, later ones checked too", typ: "pat:a", raw: `{"kind":"gamma","inner":{"sub":"y","n":1},"code":3}`,
			wantErr: `key "kind": "gamma" does not match log pattern alpha* or beta?, key "inner.sub": "y" does not match log pattern x[0-9], key "code": "3" does not match log pattern 2*`},
		{name: "nested json_path arrays flatten", typ: "nested:paths", raw: `{"groups":[{"items":[{"groups":[]},{"groups":[1]}]},{"items":[{"groups":null}]}]}`,
			check: func(t *testing.T, recs []Record) {
				if len(recs) != 3 {
					t.Fatalf("%d records, want 3", len(recs))
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := c.Classify([]byte(tc.raw), []*LogType{set.Get(tc.typ)})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if r.Type.Name != tc.typ {
					t.Errorf("type %s", r.Type.Name)
				}
			}
			if tc.check != nil {
				tc.check(t, recs)
			}
		})
	}
}

func TestCandidateOrder(t *testing.T) {
	set := loadString(t, "p.yaml", `
b:small: {parser: json, schema: {a: string}, configuration: {optional_top_level_keys: [a]}}
b:big: {parser: json, schema: {a: string, b: string}, configuration: {optional_top_level_keys: [a, b]}}
b:twin: {parser: json, schema: {a: string, c: string}, configuration: {optional_top_level_keys: [a, c]}}
b:first: {parser: json, schema: {a: string}, configuration: {priority: 0}}
b:second: {parser: json, schema: {a: string, z: {}}, configuration: {priority: 1, optional_top_level_keys: [z]}}
`)
	c := NewClassifier(set)
	classify := func(raw string, names ...string) (string, error) {
		cands, err := set.Resolve(names)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := c.Classify([]byte(raw), cands)
		if err != nil {
			return "", err
		}
		return recs[0].Type.Name, nil
	}
	if got, err := classify(`{"a":"x"}`, "b"); err != nil || got != "b:first" {
		t.Errorf("priority 0 should win: %q %v", got, err)
	}
	if got, err := classify(`{"a":"x"}`, "b:second", "b:small"); err != nil || got != "b:second" {
		t.Errorf("a priority beats none: %q %v", got, err)
	}
	if _, err := classify(`{"a":"x"}`, "b:big", "b:twin", "b:small"); err == nil || err.Error() != "ambiguous: matches b:big, b:twin" {
		t.Errorf("want ambiguity between the equally specific big and twin, got %v", err)
	}
	if got, err := classify(`{"a":"x"}`, "b:small", "b:big"); err != nil || got != "b:big" {
		t.Errorf("more declared keys should win: %q %v", got, err)
	}
	if _, err := set.Resolve([]string{"b", "nope", "b:nope"}); err == nil || !strings.Contains(err.Error(), `"nope", "b:nope"`) {
		t.Errorf("Resolve unknown: %v", err)
	}
	got, _ := set.Resolve([]string{"b:small", "b:first", "b:first"})
	if len(got) != 2 || got[0].Name != "b:first" {
		t.Errorf("Resolve order/dedup: %v", got)
	}
}

func TestLookup(t *testing.T) {
	set := loadString(t, "c.yaml", configSchemas)
	tests := []struct {
		typ  string
		path []string
		kind Kind
		ok   bool
	}{
		{"pat:a", []string{"inner", "sub"}, KindString, true},
		{"pat:a", []string{"inner"}, KindMapping, true},
		{"pat:a", []string{"inner", "nope"}, 0, false},
		{"pat:a", []string{"kind", "deeper"}, 0, false},
		{"emb:msg", []string{"b", "any", "thing"}, KindObject, true},
		{"env:cw", []string{EnvelopeKey, "owner"}, KindInteger, true},
		{"env:cw", []string{EnvelopeKey, "tags", "0"}, KindList, true},
		{"pat:a", []string{EnvelopeKey}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.typ+"/"+strings.Join(tc.path, "."), func(t *testing.T) {
			f, ok := set.Get(tc.typ).Lookup(tc.path)
			if ok != tc.ok || ok && f.Kind != tc.kind {
				t.Errorf("got %v %v, want %v %v", f, ok, tc.kind, tc.ok)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"1.*.*", "1.2.3", true}, {"1.*.*", "1.2", false}, {"a*", "a/b\nc", true},
		{"a?c", "abc", true}, {"[!x]y", "zy", true}, {"[!x]y", "xy", false},
		{"[a-c]", "b", true}, {"[a-c]", "d", false}, {"[", "[", true}, {"a.b", "axb", false},
		{"[]]", "]", true}, {"*", "", true},
	}
	for _, tc := range tests {
		re, err := compileGlob(tc.pat)
		if err != nil {
			t.Fatalf("%q: %v", tc.pat, err)
		}
		if got := re.MatchString(tc.s); got != tc.want {
			t.Errorf("glob %q on %q = %v", tc.pat, tc.s, got)
		}
	}
}
