package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// loadCompat loads StreamAlert's own schemas from ../shared.
func loadCompat(t testing.TB) *Set {
	t.Helper()
	set, diags := Load(os.DirFS(sharedDir(t, "compat/streamalert/schemas")))
	if set == nil {
		t.Fatalf("Load: %v", diags.Err())
	}
	return set
}

// TestClassifyStreamAlertFixtures classifies every event of StreamAlert's
// rules/classifier fixtures with the candidates conf/prod.json gives it.
func TestClassifyStreamAlertFixtures(t *testing.T) {
	set := loadCompat(t)
	c := NewClassifier(set)
	var prod struct {
		DataSources map[string]map[string][]string `json:"data_sources"`
	}
	b, err := os.ReadFile(filepath.Join(sharedDir(t, "compat/streamalert/conf"), "prod.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &prod); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(sharedDir(t, "compat/streamalert/classifier"), "*.json"))
	if len(files) == 0 {
		t.Fatal("no classifier fixtures")
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var events []struct {
			Data     json.RawMessage `json:"data"`
			Override json.RawMessage `json:"override_record"`
			Log      string          `json:"log"`
			Service  string          `json:"service"`
			Source   string          `json:"source"`
		}
		if err := json.Unmarshal(b, &events); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, ev := range events {
			t.Run(strings.TrimSuffix(filepath.Base(f), ".json")+"/"+ev.Log, func(t *testing.T) {
				raw := ev.Data
				if raw == nil {
					raw = withDefaults(t, ev.Override, set.Get(ev.Log))
				}
				var s string
				if json.Unmarshal(raw, &s) == nil {
					raw = []byte(s) // a raw (non-JSON) log line given as a JSON string
				}
				fams := prod.DataSources[ev.Service][ev.Source]
				if fams == nil {
					t.Fatalf("event %d: no data source %s/%s in prod.json", i, ev.Service, ev.Source)
				}
				cands, err := set.Resolve(fams)
				if err != nil {
					t.Fatal(err)
				}
				recs, err := c.Classify(raw, cands)
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if len(recs) == 0 {
					t.Fatalf("event %d: no records", i)
				}
				for _, r := range recs {
					if r.Type.Name != ev.Log {
						t.Errorf("event %d: classified as %s, want %s", i, r.Type.Name, ev.Log)
					}
				}
				spotCheck(t, filepath.Base(f), i, recs)
				n++
			})
		}
	}
	if n < 19 {
		t.Errorf("classified %d fixture events, want at least 19", n)
	}
}

// withDefaults emulates StreamAlert's test harness for "override_record":
// keys the fixture leaves out are filled with their type's zero value (only
// the envelope keys are needed here).
func withDefaults(t *testing.T, override json.RawMessage, lt *LogType) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(override, &m); err != nil || lt == nil {
		t.Fatalf("override_record: %v", err)
	}
	if lt.envelope != nil {
		for _, k := range lt.envelope.Keys {
			if _, ok := m[k.Name]; ok {
				continue
			}
			switch k.Field.Kind {
			case KindList:
				m[k.Name] = []any{}
			case KindObject, KindMapping:
				m[k.Name] = map[string]any{}
			case KindString:
				m[k.Name] = ""
			default:
				m[k.Name] = 0
			}
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// spotCheck verifies extracted fields of some fixtures.
func spotCheck(t *testing.T, file string, i int, recs []Record) {
	t.Helper()
	d := recs[0].Data
	env, _ := d[EnvelopeKey].(map[string]any)
	switch file {
	case "cloudtrail_events.json":
		if len(recs) != 1 || d["eventName"] != "QueryDatabase" {
			t.Errorf("cloudtrail: %d records, eventName %v", len(recs), d["eventName"])
		}
	case "cloudwatch_cloudtrail.json":
		if env["logGroup"] != "CloudTrail/DefaultLogGroup" || env["messageType"] != "DATA_MESSAGE" {
			t.Errorf("cloudwatch envelope = %v", env)
		}
		if d["eventID"] != "bar" {
			t.Errorf("embedded_json record eventID = %v", d["eventID"])
		}
	case "cloudwatch_rds_aurora.json":
		if env["logStream"] == nil || d["operation"] == nil {
			t.Errorf("rds_aurora record = %v", d)
		}
		if _, ok := d["timestamp"].(int64); !ok {
			t.Errorf("rds_aurora timestamp = %#v, want int64", d["timestamp"])
		}
		if i == 2 && !strings.Contains(d["object"].(string), "this = 'that'") {
			t.Errorf("escaped quotes in rds_aurora object: %q", d["object"])
		}
	case "cloudwatch_control_message.json":
		if env["messageType"] != "CONTROL_MESSAGE" || d["id"] != "100" {
			t.Errorf("control message = %v", d)
		}
	}
}

// TestStreamAlertEmptySchemaAnyValue: StreamAlert's own ghe:general declares
// org_id: {} and GitHub sends a number in some events, a list in others; an
// empty nested schema takes any value, as StreamAlert's key check and type
// conversion skip it. [] still requires a list.
func TestStreamAlertEmptySchemaAnyValue(t *testing.T) {
	set := loadCompat(t)
	ghe, _ := set.Resolve([]string{"ghe:general"})
	c := NewClassifier(set)
	envelope := `{"@timestamp":"2017-01-01T00:00:00Z","@version":"1","host":"ghe","port":"22","received_at":"2017-01-01T00:00:00Z","tags":[],"message":`
	for _, tc := range []struct {
		name, orgID string
		want        any
	}{
		{"number", `42`, int64(42)},
		{"list", `[42,43]`, []any{int64(42), int64(43)}},
		{"object", `{"id":42}`, map[string]any{"id": int64(42)}},
		{"string", `"42"`, "42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := `github_audit: {"action":"org.add_member","actor":"alice","actor_id":1,"actor_ip":"1.2.3.4","created_at":"1","data":{},"from":"x","org_id":` + tc.orgID + `}`
			b, _ := json.Marshal(msg)
			recs, err := c.Classify([]byte(envelope+string(b)+"}"), ghe)
			if err != nil {
				t.Fatal(err)
			}
			if got := recs[0].Data["org_id"]; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("org_id = %#v, want %#v", got, tc.want)
			}
		})
	}
	// tags is [] in the envelope: a string there is still no match.
	msg, _ := json.Marshal(`github_audit: {"action":"a","actor":"b","actor_id":1,"actor_ip":"c","created_at":"1","data":{},"from":"x","org_id":1}`)
	bad := strings.Replace(envelope, `"tags":[]`, `"tags":"x"`, 1) + string(msg) + "}"
	if recs, err := c.Classify([]byte(bad), ghe); err == nil {
		t.Errorf("a string for [] classified: %v", recs[0].Data)
	}
}
