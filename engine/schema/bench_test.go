package schema

import "testing"

func benchClassify(b *testing.B, raw string, family string, perDoc int) {
	set := testSet(b)
	cands, err := set.Resolve([]string{family})
	if err != nil {
		b.Fatal(err)
	}
	c := NewClassifier(set)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		recs, err := c.Classify([]byte(raw), cands)
		if err != nil || len(recs) != perDoc {
			b.Fatalf("%d records, %v", len(recs), err)
		}
	}
	b.ReportMetric(float64(b.N*perDoc)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkClassifyOsquery classifies one osquery differential result
// against every osquery log type.
func BenchmarkClassifyOsquery(b *testing.B) { benchClassify(b, osqueryDiff, "osquery", 1) }

// BenchmarkClassifyCloudTrail classifies a CloudTrail file of two records
// (json_path Records[*]) against all test log types.
func BenchmarkClassifyCloudTrail(b *testing.B) {
	benchClassify(b, cloudtrailDoc, "cloudtrail", 2)
}

// BenchmarkDecodeOsquery decodes one osquery differential result into
// record values, without classifying it.
func BenchmarkDecodeOsquery(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(osqueryDiff)))
	data := []byte(osqueryDiff)
	for b.Loop() {
		if _, err := decodeFast(data, 100); err != nil {
			b.Fatal(err)
		}
	}
}
