package engine_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/streamalert-go/streamalert/engine"
	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/schema"
	rulesd "github.com/streamalert-go/streamalert/rules.d"
	"github.com/streamalert-go/streamalert/schemas"
)

// shipped builds the embedded rules against the embedded schemas.
func shipped(b *testing.B) (*schema.Set, *engine.Ruleset) {
	b.Helper()
	set, diags := schema.Load(schemas.FS)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	rs, diags := engine.Build(rulesd.FS, engine.Options{Schemas: set})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	return set, rs
}

// sampleRecords reads one sample log of examples/logs as raw records.
func sampleRecords(b *testing.B, name string) [][]byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "logs", name))
	if err != nil {
		b.Fatalf("sample log: %v", err)
	}
	var raws [][]byte
	if err := payload.Read(bytes.NewReader(data), payload.Options{}, func(r payload.Raw) error {
		raws = append(raws, bytes.Clone(r.Data))
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return raws
}

// benchShippedEvaluate evaluates the classified records of a sample log,
// round robin, against the shipped rules: the cost of rules alone.
func benchShippedEvaluate(b *testing.B, file, logType string) {
	set, rs := shipped(b)
	c := schema.NewClassifier(set)
	var recs []schema.Record
	for _, raw := range sampleRecords(b, file) {
		rr, err := c.Classify(raw, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rr {
			if r.Type.Name == logType {
				recs = append(recs, r)
			}
		}
	}
	if len(recs) == 0 {
		b.Fatalf("no %s records in %s", logType, file)
	}
	b.Logf("%d rules apply to %s; %d sample records", len(rs.RulesFor(logType)), logType, len(recs))
	src := engine.Source{Service: "file", Entity: file}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rs.Evaluate(recs[i%len(recs)], src)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkShippedEvaluateOsquery(b *testing.B) {
	benchShippedEvaluate(b, "osquery.jsonl", "osquery:differential")
}

func BenchmarkShippedEvaluateCloudTrail(b *testing.B) {
	benchShippedEvaluate(b, "cloudtrail.json", "cloudtrail:events")
}

// benchPipeline runs raw records of a sample log through the whole engine
// (classify against every shipped schema, then evaluate the shipped rules),
// as `streamalert run` and the Lambda do per record.
func benchPipeline(b *testing.B, file string, logs []string) {
	set, rs := shipped(b)
	raws := sampleRecords(b, file)
	p := engine.NewProcessor(engine.NewBundle(set, rs))
	src := engine.Source{Service: "file", Entity: file}
	var bytesIn int64
	for _, r := range raws {
		bytesIn += int64(len(r))
	}
	b.SetBytes(bytesIn / int64(len(raws)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if res := p.Process(raws[i%len(raws)], nil, src, logs); res.Err != nil {
			b.Fatal(res.Err)
		}
		i++
	}
	b.ReportMetric(float64(p.Stats().Records.Load())/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkPipelineOsquery(b *testing.B) { benchPipeline(b, "osquery.jsonl", []string{"osquery"}) }

// BenchmarkPipelineCloudTrail processes S3 CloudTrail files: each raw record
// is a whole {"Records": [...]} document, so records/s counts the events.
func BenchmarkPipelineCloudTrail(b *testing.B) {
	benchPipeline(b, "cloudtrail.json", []string{"cloudtrail"})
}

// BenchmarkPipelineAnyType gives no candidates: every shipped schema is tried.
func BenchmarkPipelineAnyType(b *testing.B) { benchPipeline(b, "osquery.jsonl", nil) }
