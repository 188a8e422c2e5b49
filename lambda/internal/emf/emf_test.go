package emf

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestFlushWritesEMF(t *testing.T) {
	var c Counters
	c.Add("Records", 3)
	c.Add("Records", 2)
	c.Add("Alerts", 1, "Rule", "r1")
	c.Add("Alerts", 4, "Rule", "r2")
	c.Add("Deliveries", 1, "Output", "slack:sec", "Result", "delivered")
	var buf bytes.Buffer
	now := time.UnixMilli(1700000000123)
	if err := c.Flush(&buf, now); err != nil {
		t.Fatal(err)
	}
	type directive struct {
		Namespace  string
		Dimensions [][]string
		Metrics    []struct{ Name, Unit string }
	}
	var lines []map[string]any
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
		var aws struct {
			Timestamp         int64
			CloudWatchMetrics []directive
		}
		b, _ := json.Marshal(m["_aws"])
		json.Unmarshal(b, &aws)
		if aws.Timestamp != 1700000000123 || len(aws.CloudWatchMetrics) != 1 || aws.CloudWatchMetrics[0].Namespace != Namespace {
			t.Fatalf("bad _aws: %s", b)
		}
		d := aws.CloudWatchMetrics[0]
		for _, dim := range d.Dimensions[0] {
			if _, ok := m[dim].(string); !ok {
				t.Errorf("dimension %s has no string value in %v", dim, m)
			}
		}
		for _, met := range d.Metrics {
			if _, ok := m[met.Name].(float64); !ok || met.Unit != "Count" {
				t.Errorf("metric %s missing in %v", met.Name, m)
			}
		}
	}
	if len(lines) != 4 {
		t.Fatalf("want 4 lines, got %d: %s", len(lines), buf.String())
	}
	got := fmt.Sprintln(lines[0]["Records"], lines[1]["Result"], lines[2]["Alerts"], lines[3]["Alerts"])
	if got != "5 delivered 1 4\n" {
		t.Fatalf("values %s\n%s", got, buf.String())
	}
	buf.Reset()
	c.Flush(&buf, now)
	if buf.Len() != 0 {
		t.Fatalf("second flush wrote %q", buf.String())
	}
}
