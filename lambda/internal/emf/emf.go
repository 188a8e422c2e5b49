// Package emf writes counters as CloudWatch Embedded Metric Format log
// lines: CloudWatch Logs turns each line into metrics, so the functions
// publish metrics without API calls. (No EMF module is served to this
// project's build machines; the format is a small JSON document.)
//
// A line looks like
//
//	{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"StreamAlert",
//	  "Dimensions":[["Rule"]],"Metrics":[{"Name":"Alerts","Unit":"Count"}]}]},
//	 "Rule":"osquery_x","Alerts":3}
package emf

import (
	"encoding/json"
	"io"
	"slices"
	"sort"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "StreamAlert"

// maxMetricsPerLine is EMF's limit of metric definitions in one directive.
const maxMetricsPerLine = 100

// Counters accumulates counts per metric and dimension until Flush. The zero
// value is ready; safe for concurrent use.
type Counters struct {
	mu     sync.Mutex
	counts map[series]float64
}

type series struct {
	dims string // dimension names joined by \x00, values likewise
	vals string
	name string
}

// Add counts n under name with the given dimensions (name, value pairs; an
// odd trailing name is ignored).
func (c *Counters) Add(name string, n float64, dims ...string) {
	var s series
	s.name = name
	for i := 0; i+1 < len(dims); i += 2 {
		if i > 0 {
			s.dims += "\x00"
			s.vals += "\x00"
		}
		s.dims += dims[i]
		s.vals += dims[i+1]
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[series]float64{}
	}
	c.counts[s] += n
}

// Flush writes every count as EMF lines, one per dimension values (with at
// most 100 metrics each), and resets the counters. Nothing is written when
// nothing was counted.
func (c *Counters) Flush(w io.Writer, now time.Time) error {
	c.mu.Lock()
	counts := c.counts
	c.counts = nil
	c.mu.Unlock()
	type group struct {
		dims, vals []string
		metrics    map[string]float64
	}
	groups := map[[2]string]*group{}
	for s, n := range counts {
		k := [2]string{s.dims, s.vals}
		g := groups[k]
		if g == nil {
			g = &group{dims: split(s.dims), vals: split(s.vals), metrics: map[string]float64{}}
			groups[k] = g
		}
		g.metrics[s.name] += n
	}
	keys := make([][2]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x01"+keys[i][1] < keys[j][0]+"\x01"+keys[j][1] })
	enc := json.NewEncoder(w)
	for _, k := range keys {
		g := groups[k]
		names := make([]string, 0, len(g.metrics))
		for n := range g.metrics {
			names = append(names, n)
		}
		slices.Sort(names)
		for chunk := range slices.Chunk(names, maxMetricsPerLine) {
			line := map[string]any{}
			defs := make([]map[string]string, len(chunk))
			for i, n := range chunk {
				defs[i] = map[string]string{"Name": n, "Unit": "Count"}
				line[n] = g.metrics[n]
			}
			dims := g.dims
			if dims == nil {
				dims = []string{}
			}
			for i, d := range g.dims {
				line[d] = g.vals[i]
			}
			line["_aws"] = map[string]any{
				"Timestamp": now.UnixMilli(),
				"CloudWatchMetrics": []map[string]any{{
					"Namespace":  Namespace,
					"Dimensions": [][]string{dims},
					"Metrics":    defs,
				}},
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
		}
	}
	return nil
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
