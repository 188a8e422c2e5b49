package schema

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLogTypeCheck(t *testing.T) {
	set, diags := Load(fstest.MapFS{"s.yaml": {Data: []byte(`
host:event:
  parser: json
  schema:
    name: string
    unixTime: integer
    columns: {}
    decorations: {}
  configuration:
    optional_top_level_keys: [decorations]
    normalization:
      userName:
        - {path: [columns, user]}
wrapped:event:
  parser: json
  schema: {msg: string}
  configuration:
    json_path: "events[*]"
    envelope_keys: {stream: string}
    log_patterns:
      streamalert:envelope_keys:
        stream: ["prod-*"]
`)}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	host, wrapped := set.Get("host:event"), set.Get("wrapped:event")
	rec, err := host.Check(map[string]any{"name": "n", "unixTime": "7", "columns": map[string]any{"user": "alice"}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Data["unixTime"] != int64(7) || rec.Normalized["userName"][0] != "alice" || rec.Type != host {
		t.Errorf("Check = %+v", rec)
	}
	if _, has := rec.Data["decorations"]; has {
		t.Error("an absent optional key must stay absent")
	}
	// YAML gives ints; they are integers all the same.
	if _, err := host.Check(map[string]any{"name": "n", "unixTime": 7, "columns": map[string]any{}}); err != nil {
		t.Errorf("int value: %v", err)
	}
	_, err = host.Check(map[string]any{"name": "n", "columns": map[string]any{}, "extra": true})
	if err == nil || !strings.Contains(err.Error(), `missing key "unixTime"`) || !strings.Contains(err.Error(), `extra key "extra"`) {
		t.Errorf("bad record: err = %v", err)
	}
	// Envelope keys and their log patterns are checked too.
	if _, err := wrapped.Check(map[string]any{"msg": "m", EnvelopeKey: map[string]any{"stream": "prod-1"}}); err != nil {
		t.Errorf("wrapped record: %v", err)
	}
	if _, err := wrapped.Check(map[string]any{"msg": "m"}); err == nil || !strings.Contains(err.Error(), "missing envelope key") {
		t.Errorf("wrapped record without envelope: err = %v", err)
	}
	if _, err := wrapped.Check(map[string]any{"msg": "m", EnvelopeKey: map[string]any{"stream": "dev-1"}}); err == nil || !strings.Contains(err.Error(), "does not match log pattern") {
		t.Errorf("envelope failing its pattern: err = %v", err)
	}
}
