package outputs

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts deliveries per output. It is safe for concurrent use.
type Metrics struct {
	mu sync.Mutex
	m  map[string]*counters
}

type counters struct {
	sent, retried, failed, deadLettered atomic.Uint64
}

// Counts is a snapshot of one output's counters.
type Counts struct {
	Sent         uint64 `json:"sent"`          // alerts delivered
	Retried      uint64 `json:"retried"`       // attempts that failed and were tried again
	Failed       uint64 `json:"failed"`        // alerts not delivered after the last attempt
	DeadLettered uint64 `json:"dead_lettered"` // failed alerts written to the dead letter
}

// NewMetrics returns empty counters.
func NewMetrics() *Metrics { return &Metrics{m: map[string]*counters{}} }

func (m *Metrics) ensure(name string) *counters {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.m[name]
	if !ok {
		c = &counters{}
		m.m[name] = c
	}
	return c
}

// Snapshot returns the current counts keyed by output name.
func (m *Metrics) Snapshot() map[string]Counts {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]Counts, len(m.m))
	for n, c := range m.m {
		out[n] = Counts{Sent: c.sent.Load(), Retried: c.retried.Load(), Failed: c.failed.Load(), DeadLettered: c.deadLettered.Load()}
	}
	return out
}

// Collectors returns Prometheus collectors exposing the counters as
// streamalert_output_{sent,retried,failed,dead_lettered}_total{output=...}.
func (m *Metrics) Collectors() []prometheus.Collector { return []prometheus.Collector{collector{m}} }

type collector struct{ m *Metrics }

var metricDescs = []struct {
	desc *prometheus.Desc
	get  func(Counts) uint64
}{
	{prometheus.NewDesc("streamalert_output_sent_total", "Alerts delivered to the output.", []string{"output"}, nil), func(c Counts) uint64 { return c.Sent }},
	{prometheus.NewDesc("streamalert_output_retried_total", "Delivery attempts retried.", []string{"output"}, nil), func(c Counts) uint64 { return c.Retried }},
	{prometheus.NewDesc("streamalert_output_failed_total", "Alerts not delivered after the last attempt.", []string{"output"}, nil), func(c Counts) uint64 { return c.Failed }},
	{prometheus.NewDesc("streamalert_output_dead_lettered_total", "Failed alerts written to the dead letter.", []string{"output"}, nil), func(c Counts) uint64 { return c.DeadLettered }},
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range metricDescs {
		ch <- d.desc
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	snap := c.m.Snapshot()
	names := make([]string, 0, len(snap))
	for n := range snap {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, d := range metricDescs {
			ch <- prometheus.MustNewConstMetric(d.desc, prometheus.CounterValue, float64(d.get(snap[n])), n)
		}
	}
}
