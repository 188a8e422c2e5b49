package config

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/engine/testenv"
)

func TestLoad(t *testing.T) {
	cfg, diags := Load([]byte(`
sources:
  kinesis:
    prod_stream: [osquery, cloudtrail:events]
  file:
    "*.auth.log": [syslog]
    "/var/log/*": [syslog, auditd]
outputs:
  slack:
    security: {webhook_url: "env:SLACK_WEBHOOK_URL"}
  stdout:
    local:
limits:
  max_record_size: 2048
  max_decompressed_size: 4096
`), "streamalert.yaml")
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	if got := cfg.LogsFor("kinesis", "prod_stream"); !reflect.DeepEqual(got, []string{"osquery", "cloudtrail:events"}) {
		t.Errorf("LogsFor exact = %q", got)
	}
	if got := cfg.LogsFor("file", "/var/log/web.auth.log"); !reflect.DeepEqual(got, []string{"syslog", "auditd"}) {
		t.Errorf("LogsFor globs = %q, want the merged, deduplicated lists in pattern order", got)
	}
	if got := cfg.LogsFor("kinesis", "other"); got != nil {
		t.Errorf("LogsFor unknown entity = %q, want nil", got)
	}
	if !cfg.HasOutput("slack:security") || !cfg.HasOutput("stdout:local") || cfg.HasOutput("slack:other") {
		t.Errorf("outputs = %v", cfg.OutputNames())
	}
	if o := cfg.Outputs["slack:security"]; o.Settings["webhook_url"] != "env:SLACK_WEBHOOK_URL" || o.Pos.Line != 10 {
		t.Errorf("slack:security = %+v", o)
	}
	if cfg.MaxRecordSize != 2048 || cfg.MaxDecompressedSize != 4096 {
		t.Errorf("MaxRecordSize = %d, MaxDecompressedSize = %d", cfg.MaxRecordSize, cfg.MaxDecompressedSize)
	}
	var nilCfg *Config
	if nilCfg.LogsFor("s3", "b") != nil || nilCfg.HasOutput("x:y") {
		t.Error("a nil *Config must configure nothing")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "line:col: code" of each diagnostic, sorted
	}{
		{"unknown top-level key", "sorces: {}\n", []string{"1:1: unknown-key"}},
		{"sources not a mapping", "sources: [a]\n", []string{"1:10: wrong-type"}},
		{"empty log list", "sources:\n  s3:\n    bucket: []\n", []string{"3:13: wrong-type"}},
		{"bad glob", "sources:\n  file:\n    \"[\": [syslog]\n", []string{"3:5: bad-glob"}},
		{"settings not a mapping", "outputs:\n  slack:\n    sec: hello\n", []string{"3:10: wrong-type"}},
		{"bad limit", "limits:\n  max_record_size: -1\n  other: 1\n", []string{"2:20: wrong-type", "3:3: unknown-key"}},
		{"yaml syntax", "sources: [\n", []string{"1:1: yaml-syntax"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := Load([]byte(tt.src), "c.yaml")
			if cfg != nil {
				t.Error("Load returned a config despite errors")
			}
			diags.Sort()
			var got []string
			for _, d := range diags {
				if d.Pos.File != "c.yaml" {
					t.Errorf("diagnostic names file %q", d.Pos.File)
				}
				got = append(got, strings.TrimPrefix(d.Pos.String(), "c.yaml:")+": "+d.Code)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q\n%v", got, tt.want, diags)
			}
		})
	}
}

// TestStreamAlertDataSources checks that StreamAlert's data_sources mapping
// (conf/prod.json) is expressed by our sources section: the YAML in testdata
// gives, for every service and resource, exactly prod.json's log families.
func TestStreamAlertDataSources(t *testing.T) {
	raw, err := os.ReadFile(testenv.Shared(t, "compat/streamalert/conf/prod.json"))
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		DataSources map[string]map[string][]string `json:"data_sources"`
	}
	if err := json.Unmarshal(raw, &conf); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/prod-sources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(data, "testdata/prod-sources.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !reflect.DeepEqual(cfg.Sources, conf.DataSources) {
		t.Errorf("sources differ from prod.json data_sources:\n got %v\nwant %v", cfg.Sources, conf.DataSources)
	}
	for svc, ents := range conf.DataSources {
		for ent, logs := range ents {
			if got := cfg.LogsFor(svc, ent); !reflect.DeepEqual(got, logs) {
				t.Errorf("LogsFor(%s, %s) = %q, want %q", svc, ent, got, logs)
			}
		}
	}
}

func TestStagingOutputs(t *testing.T) {
	cfg, diags := Load([]byte("outputs:\n  slack:\n    staging: {webhook_url: \"env:X\"}\nstaging_outputs: [slack:staging]\n"), "c.yaml")
	if diags.HasErrors() || len(cfg.StagingOutputs) != 1 || cfg.StagingOutputs[0] != "slack:staging" {
		t.Fatalf("%v %v", cfg, diags)
	}
	_, diags = Load([]byte("outputs: {}\nstaging_outputs: [slack:nope]\n"), "c.yaml")
	if !diags.HasErrors() || diags[0].Pos.Line != 2 || !strings.Contains(diags[0].Message, "slack:nope") {
		t.Fatalf("undeclared staging output: %v", diags)
	}
}
